// Certificate issuing page (embedded CA): an operator creates a root and an issuing CA, issues a personal
// signing certificate with a Chinese name for a key generated on the server, finds it, downloads it as PEM,
// DER, PKCS#7 and PKCS#12 (checked with openssl), revokes it and sees it on the published CRL.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { env, gotoPage, launch, shot } from './harness.mjs';
import { openssl, signInNewOperator } from './operator.mjs';

let browser, ctx, page, serial;
before(async () => {
  browser = await launch();
  ({ context: ctx, page } = await signInNewOperator(browser, 'ca-op', '周工程师'));
});
after(async () => {
  await ctx?.close();
  await browser?.close();
});

async function createCa(name, subject, parent) {
  await page.getByRole('button', { name: /新建 CA/ }).click();
  const dlg = page.getByRole('dialog');
  await dlg.locator('#newca-name').fill(name);
  await dlg.locator('#newca-subject').fill(subject);
  await dlg.locator('#newca-parent').selectOption(parent);
  await dlg.getByRole('button', { name: '创建' }).click();
  await page.locator(`tr[data-ca="${name}"]`).waitFor();
}

describe('embedded CA (operator)', () => {
  test('creates a root CA and an issuing CA under it', async () => {
    await gotoPage(page, 'ca');
    await page.getByText('尚无 CA').waitFor();
    await createCa('e2e-root', 'C=CN, O=某某市人民医院, CN=某某市人民医院根 CA', '');
    await createCa('e2e-issuing', 'C=CN, O=某某市人民医院, CN=某某市人民医院签发 CA', 'e2e-root');
    const cas = (await page.api('/api/v1/ca/authorities')).body.authorities;
    assert.deepEqual(cas.map((c) => [c.name, c.parent]), [['e2e-root', null], ['e2e-issuing', 'e2e-root']]);
    await page.locator('tr[data-ca="e2e-issuing"]').getByText('/crl/e2e-issuing.crl').waitFor();
    page.assertNoErrors();
  });

  test('issues a personal signing certificate for 张三 with a key generated on the server', async () => {
    await page.locator('tr[data-ca="e2e-issuing"]').getByRole('button', { name: '签发', exact: true }).click();
    const dlg = page.getByRole('dialog');
    await dlg.locator('#issue-profile').selectOption('personal-signing');
    await dlg.locator('#issue-alg').selectOption('ecdsa-p256');
    await dlg.locator('#subj-CN').fill('张三');
    await dlg.locator('#subj-O').fill('某某市人民医院');
    await dlg.locator('#subj-OU').fill('心内科');
    await dlg.locator('#issue-worker').fill('110101199001010011');
    await shot(page, 'ca-issue-dialog');
    await dlg.getByRole('button', { name: '签发', exact: true }).click();
    await page.getByTestId('issued-result').waitFor();
    serial = (await page.getByTestId('issued-serial').innerText()).trim();
    assert.match(serial, /^[0-9a-f]{16,40}$/i);
    await dlg.getByRole('button', { name: '关闭' }).last().click();
    const row = page.locator(`tr[data-serial="${serial}"]`);
    await row.getByText('个人签名证书').waitFor();
    const rec = (await page.api(`/api/v1/ca/certificates/${serial}`)).body;
    assert.match(rec.subject, /CN=张三/);
    assert.equal(rec.key_held, true);
    page.assertNoErrors();
  });

  test('issues a certificate from an uploaded PKCS#10 request; the certificate carries the request key', async () => {
    const csr = `${env.tmp}/lisi.csr`, key = `${env.tmp}/lisi.key`, cert = `${env.tmp}/lisi.pem`;
    openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', csr,
      '-utf8', '-subj', '/C=CN/O=某某市人民医院/OU=检验科/CN=李四']);
    await page.getByRole('button', { name: /签发证书/ }).first().click();
    const dlg = page.getByRole('dialog');
    await dlg.getByLabel('使用证书请求（PKCS#10）').check();
    await dlg.locator('#issue-csr-file').setInputFiles(csr);
    await dlg.getByRole('button', { name: '签发', exact: true }).click();
    await page.getByTestId('issued-result').waitFor();
    const s2 = (await page.getByTestId('issued-serial').innerText()).trim();
    await dlg.getByRole('button', { name: '关闭' }).last().click();
    await page.locator(`tr[data-serial="${s2}"]`).getByText('李四').first().waitFor();
    const rec = (await page.api(`/api/v1/ca/certificates/${s2}`)).body;
    assert.equal(rec.key_held, false, 'the key stays with the requester');
    writeFileSync(cert, rec.certificate);
    assert.equal(openssl(['x509', '-in', cert, '-noout', '-pubkey']), openssl(['req', '-in', csr, '-noout', '-pubkey']));
    page.assertNoErrors();
  });

  test('searches by subject, downloads PEM, DER, PKCS#7 and PKCS#12', async () => {
    await page.locator('#ca-f-subject').fill('张三');
    await page.getByRole('button', { name: '查询' }).click();
    await page.getByTestId('issued-total').getByText('共 1 条').waitFor();
    const row = page.locator(`tr[data-serial="${serial}"]`);
    await shot(page, 'ca-issued');
    await row.getByRole('button', { name: /详情/ }).click();
    const details = page.getByTestId('issued-details');
    await details.getByText('CN=张三', { exact: false }).first().waitFor();
    const rec = (await page.api(`/api/v1/ca/certificates/${serial}`)).body;
    await details.getByText(rec.details.fingerprints.sm3).waitFor();
    assert.equal(await details.locator('tr[data-ext]').count(), rec.details.extensions.length);
    assert.ok(rec.details.extensions.length >= 3, 'key usage, CRL distribution point, ... are shown');
    await shot(page, 'ca-certificate-details');
    await page.getByRole('dialog').getByRole('button', { name: '关闭' }).click();

    const get = async (name) => {
      const [d] = await Promise.all([page.waitForEvent('download'), row.getByRole('link', { name: new RegExp(`下载 ${name}`) }).click()]);
      return d.path();
    };
    const pem = await get('PEM');
    assert.match(readFileSync(pem, 'utf8'), /^-----BEGIN CERTIFICATE-----/);
    const subject = openssl(['x509', '-in', pem, '-noout', '-subject', '-nameopt', 'utf8,sep_comma_plus']);
    assert.match(subject, /CN\s*=\s*张三/);
    const der = await get('DER');
    openssl(['x509', '-inform', 'DER', '-in', der, '-noout']);
    const p7b = await get('P7B');
    const certs = openssl(['pkcs7', '-inform', 'DER', '-in', p7b, '-print_certs', '-noout']);
    assert.match(certs, /某某市人民医院根 CA|e2e|CN/);

    await row.getByRole('button', { name: 'PKCS#12' }).click();
    await page.locator('#p12-pw').fill('Export#2025');
    await page.locator('#p12-repeat').fill('Export#2025');
    const [p12] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /导出并下载/ }).click()]);
    assert.equal(p12.suggestedFilename(), `${serial}.p12`);
    openssl(['pkcs12', '-in', await p12.path(), '-passin', 'pass:Export#2025', '-noout']);
    page.assertNoErrors();
  });

  test('revokes it with a reason (confirmed) and finds it on the CRL', async () => {
    const row = page.locator(`tr[data-serial="${serial}"]`);
    await row.getByRole('button', { name: '吊销' }).click();
    await page.locator('#revoke-reason').selectOption('affiliationChanged');
    await shot(page, 'ca-revoke-confirm');
    await page.getByRole('dialog').getByRole('button', { name: '确认吊销' }).click();
    await row.getByText('已吊销').waitFor();
    const rec = (await page.api(`/api/v1/ca/certificates/${serial}`)).body;
    assert.equal(rec.status, 'revoked');
    assert.equal(rec.reason, 'affiliationChanged');

    await page.locator('tr[data-ca="e2e-issuing"]').getByRole('button', { name: '立即发布 CRL' }).click();
    await page.getByTestId('ca-notice').getByText('e2e-issuing 已发布 CRL').waitFor();
    const res = await page.request.get(`${env.base}/crl/e2e-issuing.crl`);
    assert.equal(res.status(), 200);
    const file = `${env.tmp}/e2e-issuing.crl`;
    writeFileSync(file, await res.body());
    const text = openssl(['crl', '-inform', 'DER', '-in', file, '-noout', '-text']);
    assert.match(text.replace(/\s/g, '').toLowerCase(), new RegExp(serial.toLowerCase()));
    await shot(page, 'ca-page');
    await page.getByRole('button', { name: '界面语言' }).click();
    await page.getByRole('heading', { name: 'Certificate issuing (embedded CA)' }).waitFor();
    await row.getByText('Affiliation changed').waitFor();
    await shot(page, 'ca-page-en');
    await page.getByRole('button', { name: 'Language' }).click();
    await page.getByRole('heading', { name: '证书签发（内置 CA）' }).waitFor();
    page.assertNoErrors();
  });
});
