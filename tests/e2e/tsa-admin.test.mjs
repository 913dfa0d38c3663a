// TSA management on the timestamps page: an operator generates a unit key (confirmed), downloads its CSR,
// imports a third-party CA certificate, sees a wrong certificate refused with the failed check, installs
// the certificate that CA issued for the CSR, and gets a timestamp from the unit.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { env, gotoPage, launch, shot } from './harness.mjs';
import { openssl, signInNewOperator } from './operator.mjs';

const UNIT = 'e2e-unit';
const dir = join(env.tmp, 'tsa-fixtures');
const f = (name) => join(dir, name);

let browser, ctx, page;
before(async () => {
  mkdirSync(dir, { recursive: true });
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('ca.key'),
    '-out', f('ca.pem'), '-days', '3650', '-subj', '/C=CN/O=E2E TSA CA/CN=E2E Timestamping CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  browser = await launch();
  ({ context: ctx, page } = await signInNewOperator(browser, 'tsa-op', '孙工程师'));
});
after(async () => {
  await ctx?.close();
  await browser?.close();
});

describe('TSA management (operator)', () => {
  test('generates a key for a new unit after confirmation', async () => {
    await gotoPage(page, 'timestamps');
    await page.getByRole('button', { name: /生成时间戳密钥/ }).click();
    await page.locator('#tsa-gen-name').fill(UNIT);
    await page.locator('#tsa-gen-alg').selectOption('ecdsa');
    await shot(page, 'tsa-generate');
    await page.getByRole('dialog').getByRole('button', { name: '下一步' }).click();
    await page.getByRole('dialog').getByText(`将为新单元 ${UNIT} 生成 ECDSA 密钥`).waitFor();
    await page.getByRole('dialog').getByRole('button', { name: '生成密钥' }).click();
    await page.getByTestId('tsa-admin-notice').getByText(UNIT).waitFor();
    await page.locator(`tr[data-unit="${UNIT}"]`).waitFor();
    const unit = (await page.api('/api/v1/tsa/units')).body.units.find((u) => u.name === UNIT);
    assert.equal(unit.algorithm.startsWith('ecdsa'), true);
    page.assertNoErrors();
  });

  test('downloads the unit CSR (PKCS#10, signature verified by openssl)', async () => {
    const row = page.locator(`tr[data-unit="${UNIT}"]`);
    const [d] = await Promise.all([page.waitForEvent('download'), row.getByRole('button', { name: /证书请求/ }).click()]);
    assert.equal(d.suggestedFilename(), `tsa-${UNIT}.csr`);
    const csr = readFileSync(await d.path(), 'utf8');
    assert.match(csr, /^-----BEGIN CERTIFICATE REQUEST-----/);
    writeFileSync(f('unit.csr'), csr);
    openssl(['req', '-in', f('unit.csr'), '-noout', '-verify']);
    page.assertNoErrors();
  });

  test('imports a third-party CA certificate and lists it', async () => {
    const card = page.getByTestId('tsa-ca-card');
    await card.getByRole('button', { name: /导入 CA 证书/ }).click();
    await page.locator('#tsa-ca-file').setInputFiles(f('ca.pem'));
    await page.getByRole('dialog').getByRole('button', { name: '导入' }).click();
    await card.getByText('E2E Timestamping CA').waitFor();
    const cas = (await page.api('/api/v1/tsa/ca-certificates')).body.certificates;
    assert.ok(cas.some((c) => c.subject.includes('E2E Timestamping CA')));
    page.assertNoErrors();
  });

  test('refuses a certificate without timeStamping, then installs the one the CA issued for the CSR', async () => {
    writeFileSync(f('bad.ext'), 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n');
    openssl(['x509', '-req', '-in', f('unit.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial',
      '-days', '365', '-out', f('bad.pem'), '-extfile', f('bad.ext')]);
    writeFileSync(f('good.ext'), 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n' +
      'extendedKeyUsage=critical,timeStamping\n');
    openssl(['x509', '-req', '-in', f('unit.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial',
      '-days', '365', '-out', f('good.pem'), '-extfile', f('good.ext')]);

    const row = page.locator(`tr[data-unit="${UNIT}"]`);
    await row.getByRole('button', { name: '导入证书' }).click();
    page.expectHttpError(400, `/units/${UNIT}/certificate`);
    page.expectHttpError(422, `/units/${UNIT}/certificate`);
    await page.locator('#tsa-cert-file').setInputFiles(f('bad.pem'));
    await page.getByRole('dialog').getByRole('button', { name: '检查并安装' }).click();
    const refusal = page.getByRole('dialog').getByRole('alert');
    await refusal.getByText('证书未通过检查').waitFor();
    assert.match(await refusal.innerText(), /timeStamping|extended key usage|EKU/i);
    await shot(page, 'tsa-import-refused');

    await page.locator('#tsa-cert-file').setInputFiles(f('good.pem'));
    await page.getByRole('dialog').getByRole('button', { name: '检查并安装' }).click();
    await page.getByTestId('tsa-admin-notice').getByText(`单元 ${UNIT} 的证书已安装`).waitFor();
    const unit = (await page.api('/api/v1/tsa/units')).body.units.find((u) => u.name === UNIT);
    assert.match(unit.chain_pem, /BEGIN CERTIFICATE/);
    const installed = openssl(['x509', '-noout', '-issuer'], { input: unit.chain_pem });
    assert.match(installed, /E2E Timestamping CA/);
    await shot(page, 'tsa-admin');

    // The unit answers RFC 3161 requests with the installed certificate.
    writeFileSync(f('data.txt'), `e2e ${Date.now()}`);
    openssl(['ts', '-query', '-data', f('data.txt'), '-sha256', '-cert', '-out', f('q.tsq')]);
    const res = await fetch(`${env.base}/tsa/${UNIT}`, {
      method: 'POST', headers: { 'Content-Type': 'application/timestamp-query' }, body: readFileSync(f('q.tsq')),
    });
    assert.equal(res.status, 200);
    writeFileSync(f('r.tsr'), Buffer.from(await res.arrayBuffer()));
    const reply = openssl(['ts', '-reply', '-in', f('r.tsr'), '-text']);
    assert.match(reply, /Status: Granted/);
    page.assertNoErrors();
  });
});
