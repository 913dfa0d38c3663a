// Certificates of key-store keys and certificate expiry: an operator downloads a key's certificate request,
// has a hospital CA (OpenSSL) issue a certificate valid for 20 days, checks it in the key's certificate dialog
// (a refused one first), imports it and sees the chain change; the dashboard lists it as expiring. Date fields
// follow the page language, not the browser's locale (zh-CN here). The original certificate is put back at the
// end, since the e2e tests share one server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { env, gotoPage, launch, shot } from './harness.mjs';
import { openssl, signInNewOperator } from './operator.mjs';

const KEY = 'rsa-enc';
let browser, ctx, page, csrf, original;
const file = (name) => join(env.tmp, `gaps-certs-${name}`);

before(async () => {
  browser = await launch();
  ({ context: ctx, page } = await signInNewOperator(browser, 'gaps-certs-op', '孔证书科'));
  csrf = (await page.api('/api/v1/auth/me')).body.csrf_token;
  original = (await page.api(`/api/v1/keys/${KEY}/certificate`)).body.chain.map((c) => c.pem).join('');
});
after(async () => {
  // Put the development certificate (and its chain) back, so the tests after this one find the key as it was.
  if (page && original) {
    const r = await page.request.put(`${env.base}/api/v1/keys/${KEY}/certificate`, {
      data: original, headers: { 'X-CSRF-Token': csrf, 'Content-Type': 'application/x-pem-file' },
    });
    assert.equal(r.status(), 200, await r.text());
  }
  await ctx?.close();
  await browser?.close();
});

describe('certificate import for a key-store key (operator)', () => {
  test('CSR out, hospital CA certificate in: checked, previewed, imported; the chain and the dashboard show it', async () => {
    await gotoPage(page, 'keys');
    await page.locator(`tr[data-key="${KEY}"]`).getByRole('button', { name: `密钥“${KEY}”的证书` }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByTestId('key-chain').waitFor();
    await dialog.getByTestId('key-cert-import').click();
    await dialog.getByTestId('key-cert-import-form').waitFor();
    const [csrDl] = await Promise.all([page.waitForEvent('download'), dialog.getByRole('button', { name: /下载证书请求/ }).click()]);
    assert.equal(csrDl.suggestedFilename(), `${KEY}.csr`);
    writeFileSync(file('key.csr'), readFileSync(await csrDl.path()));
    openssl(['req', '-in', file('key.csr'), '-verify', '-noout']);  // throws unless the request's signature verifies

    // A hospital CA outside MedSign issues the certificate (and an expired one).
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', file('ca.key'),
      '-out', file('ca.pem'), '-days', '60', '-subj', '/CN=Gaps Hospital Key CA', '-addext', 'basicConstraints=critical,CA:true',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    writeFileSync(file('leaf.ext'), 'keyUsage=critical,digitalSignature,keyEncipherment\n');
    for (const [name, days] of [['leaf.pem', '20'], ['expired.pem', '-1']])
      openssl(['x509', '-req', '-in', file('key.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial',
        '-days', days, '-extfile', file('leaf.ext'), '-out', file(name)]);
    const ca = readFileSync(file('ca.pem'), 'utf8');

    const paste = dialog.locator('#key-cert-pem-paste');
    page.expectHttpError(400, `/api/v1/keys/${KEY}/certificate`);
    await paste.fill(readFileSync(file('expired.pem'), 'utf8') + ca);
    await dialog.getByRole('button', { name: '检查证书' }).click();
    await dialog.getByText(/has expired/).waitFor();
    await shot(page, 'gaps-certs-refused');

    await paste.fill(readFileSync(file('leaf.pem'), 'utf8') + ca);
    await dialog.getByRole('button', { name: '检查证书' }).click();
    const preview = dialog.getByTestId('key-cert-preview');
    await preview.getByText('共 2 张证书', { exact: false }).waitFor();
    await preview.getByText('CN=Gaps Hospital Key CA').first().waitFor();
    await preview.getByText(/MedSign encryption rsa-enc/).waitFor();
    await shot(page, 'gaps-certs-preview');
    // Nothing changed yet.
    assert.doesNotMatch((await page.api('/api/v1/keys')).body.keys.find((k) => k.name === KEY).certificate.issuer, /Gaps Hospital/);

    await dialog.getByTestId('key-cert-confirm').click();
    await dialog.getByRole('status').getByText(`已为密钥“${KEY}”导入证书`, { exact: false }).waitFor();
    const chain = dialog.getByTestId('key-chain');
    await chain.getByRole('button', { name: '根 CA · Gaps Hospital Key CA' }).waitFor();
    await chain.getByRole('button', { name: /^本证书 · MedSign encryption rsa-enc/ }).waitFor();
    await shot(page, 'gaps-certs-imported-chain');
    await dialog.getByRole('button', { name: '关闭' }).first().click();
    await page.locator(`tr[data-key="${KEY}"]`).getByText(/Gaps Hospital Key CA/).waitFor();

    // The dashboard lists the certificate, 19 or 20 days from its end.
    await gotoPage(page, 'dashboard');
    const row = page.getByTestId('expiry-card').locator(`tr[data-expiry="key:${KEY}"]`);
    await row.getByText(/^剩余 (19|20) 天$/).waitFor();
    await row.getByText('密钥证书').waitFor();
    await shot(page, 'gaps-certs-dashboard-expiry');
    page.assertNoErrors();
  });
});

describe('date fields follow the page language', () => {
  test('in English the timestamp-log filter shows and takes ISO text, checks it and steps it with the arrow keys', async () => {
    await page.getByRole('button', { name: '界面语言' }).click();
    await gotoPage(page, 'timestamps');
    const from = page.locator('#t-from');
    assert.equal(await from.getAttribute('type'), 'text');
    assert.equal(await from.getAttribute('placeholder'), 'YYYY-MM-DD HH:mm');
    await page.getByText('From', { exact: true }).first().waitFor();
    await from.fill('2026-13-01 08:00');
    await from.blur();
    await page.getByRole('alert').getByText('Enter a valid date and time as YYYY-MM-DD HH:mm', { exact: false }).waitFor();
    assert.equal(await from.getAttribute('aria-invalid'), 'true');
    await from.fill('2026-11-01 08:00');
    await from.blur();
    assert.equal(await page.getByRole('alert').count(), 0);
    // ArrowUp on the day part: the next day.
    await from.focus();
    await from.evaluate((el) => el.setSelectionRange(9, 9));
    await page.keyboard.press('ArrowUp');
    assert.equal(await from.inputValue(), '2026-11-02 08:00');
    await page.locator('#t-to').fill('2099-01-01 00:00');
    const [req] = await Promise.all([
      page.waitForRequest((r) => r.url().includes('/api/v1/tsa/tokens') && r.url().includes('from=')),
      page.getByRole('button', { name: 'Search' }).click(),
    ]);
    const q = new URL(req.url()).searchParams;
    assert.equal(q.get('from'), new Date(2026, 10, 2, 8, 0).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    assert.equal(q.get('to'), new Date(2099, 0, 1, 0, 0).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    await shot(page, 'gaps-certs-date-filter-en');
    await page.getByRole('button', { name: 'Language' }).click();
    await page.getByRole('button', { name: '界面语言' }).waitFor();
    page.assertNoErrors();
  });
});
