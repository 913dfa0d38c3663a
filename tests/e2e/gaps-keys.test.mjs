// Certificates outside the trust page: an operator opens a key-store key's certificate chain on the keys page,
// looks at each certificate, and exports the certificate and the chain as PEM, which OpenSSL verifies.
// The system administrator's dashboard shows trusted time next to the expiry warnings and request charts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { env, gotoPage, launch, shot } from './harness.mjs';
import { openssl, signInNewOperator } from './operator.mjs';

let browser, ctx, page;
before(async () => {
  browser = await launch();
  ({ context: ctx, page } = await signInNewOperator(browser, 'gaps-keys-op', '邓信息科'));
});
after(async () => {
  await ctx?.close();
  await browser?.close();
});

describe('key certificates on the keys page (operator)', () => {
  test('shows the chain of a key-store certificate and every field of each certificate', async () => {
    await gotoPage(page, 'keys');
    const row = page.locator('tr[data-key="rsa-sign"]');
    await row.getByRole('button', { name: '密钥“rsa-sign”的证书' }).click();
    const dialog = page.getByRole('dialog');
    const chain = dialog.getByTestId('key-chain');
    await chain.getByRole('button', { name: /^本证书 · / }).waitFor();
    await chain.getByRole('button', { name: /^根 CA · / }).waitFor();
    const details = dialog.getByTestId('key-cert-details');
    const leafFp = (await page.api('/api/v1/keys')).body.keys.find((k) => k.name === 'rsa-sign').certificate.sha256;
    await details.getByText(leafFp, { exact: false }).first().waitFor();
    await shot(page, 'gaps-keys-cert-leaf');
    await chain.getByRole('button', { name: /^根 CA · / }).click();
    assert.equal(await chain.getByRole('button', { name: /^根 CA · / }).getAttribute('aria-pressed'), 'true');
    await page.waitForFunction((fp) => !document.querySelector('[data-testid=key-cert-details]').textContent.includes(fp), leafFp);
    await shot(page, 'gaps-keys-cert-root');
    page.assertNoErrors();
  });

  test('exports the certificate and the chain as PEM; OpenSSL verifies the chain', async () => {
    const dialog = page.getByRole('dialog');
    const [leafDl] = await Promise.all([page.waitForEvent('download'), dialog.getByRole('button', { name: /导出证书 \(PEM\)/ }).click()]);
    assert.equal(leafDl.suggestedFilename(), 'rsa-sign.pem');
    const leaf = readFileSync(await leafDl.path(), 'utf8');
    assert.equal((leaf.match(/BEGIN CERTIFICATE/g) ?? []).length, 1);
    const [chainDl] = await Promise.all([page.waitForEvent('download'), dialog.getByRole('button', { name: /导出证书链/ }).click()]);
    const chain = readFileSync(await chainDl.path(), 'utf8');
    const blocks = chain.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g);
    assert.ok(blocks.length >= 2, 'leaf and issuer');
    const leafFile = join(env.tmp, 'rsa-sign-leaf.pem');
    const caFile = join(env.tmp, 'rsa-sign-cas.pem');
    writeFileSync(leafFile, leaf);
    writeFileSync(caFile, blocks.slice(1).join(''));
    assert.match(openssl(['verify', '-CAfile', caFile, leafFile]), /OK/);
    await dialog.getByRole('button', { name: '关闭' }).first().click();
    page.assertNoErrors();
  });
});

describe('dashboard warnings and services (operator)', () => {
  test('a CRL source whose fetch failed is a warning on the dashboard; every service of the node is listed', async () => {
    const key = join(env.tmp, 'gaps-ca.key');
    const cert = join(env.tmp, 'gaps-ca.pem');
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert,
      '-days', '30', '-subj', '/CN=Gaps Dashboard CA', '-addext', 'basicConstraints=critical,CA:true',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    const csrf = (await page.api('/api/v1/auth/me')).body.csrf_token;
    const post = async (path, data) => {
      const r = await page.request.post(env.base + path, { data, headers: { 'X-CSRF-Token': csrf } });
      return { status: r.status(), body: await r.json() };
    };
    const anchor = await post('/api/v1/pki/anchors', { certificate: readFileSync(cert, 'utf8') });
    assert.equal(anchor.status, 201);
    const url = 'http://127.0.0.1:9/gaps-dashboard.crl';
    const src = await post('/api/v1/pki/crl-sources', { ca_fingerprint: anchor.body.items[0].fingerprint, url, timeout_ms: 500 });
    assert.equal(src.status, 201);
    assert.ok((await post(`/api/v1/pki/crl-sources/${src.body.id}/fetch`, {})).status >= 400, 'nobody answers on port 9');

    await gotoPage(page, 'dashboard');
    const item = page.locator('.warning-list li', { hasText: url });
    await item.getByText('CRL 下载失败').waitFor();
    await item.getByText(/Connection refused|connect/).waitFor();
    for (const s of ['HTTP', 'HTTPS', 'TSA', 'SVS', 'SNTP']) await page.getByTestId('status-cards').getByText(`${s} · 运行中`).waitFor();
    await shot(page, 'gaps-dashboard-warnings');
    page.assertNoErrors();

    // The e2e tests share one server: leave the trust store as this test found it.
    const del = async (path) => (await page.request.delete(env.base + path, { headers: { 'X-CSRF-Token': csrf } })).status();
    assert.equal(await del(`/api/v1/pki/crl-sources/${src.body.id}`), 200);
    assert.equal(await del(`/api/v1/pki/anchors/${anchor.body.items[0].fingerprint}`), 200);
  });
});
