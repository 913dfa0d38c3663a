// Certificates & trust page: an operator imports a trust anchor made by openssl, builds a project and a
// verification policy, manages a list, verifies a certificate, uploads a CRL that revokes it, and sees a
// CRL source's failed fetch.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { env, gotoPage, launch, shot } from './harness.mjs';
import { openssl, signInNewOperator } from './operator.mjs';

const dir = join(env.tmp, 'pki-fixtures');
const f = (name) => join(dir, name);

/** A P-256 root CA, a leaf it issued, and a CRL revoking the leaf (openssl ca). */
function makeFixtures() {
  mkdirSync(dir, { recursive: true });
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('root.key'),
    '-out', f('root.pem'), '-days', '3650', '-subj', '/C=CN/O=E2E Hospital/CN=E2E Test Root CA', '-utf8',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('leaf.key'),
    '-out', f('leaf.csr'), '-subj', '/C=CN/O=E2E Hospital/CN=Zhang San']);
  writeFileSync(f('leaf.ext'), 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n');
  openssl(['x509', '-req', '-in', f('leaf.csr'), '-CA', f('root.pem'), '-CAkey', f('root.key'), '-CAcreateserial',
    '-days', '365', '-out', f('leaf.pem'), '-extfile', f('leaf.ext')]);
  writeFileSync(f('ca.cnf'), `[ca]\ndefault_ca=d\n[d]\ndatabase=${f('index.txt')}\ncrlnumber=${f('crlnumber')}\n` +
    'default_md=sha256\ndefault_crl_days=7\n');
  writeFileSync(f('index.txt'), '');
  writeFileSync(f('crlnumber'), '1000\n');
  const ca = ['-config', f('ca.cnf'), '-keyfile', f('root.key'), '-cert', f('root.pem')];
  openssl(['ca', ...ca, '-revoke', f('leaf.pem'), '-crl_reason', 'keyCompromise']);
  openssl(['ca', ...ca, '-gencrl', '-out', f('root.crl.pem')]);
  openssl(['crl', '-in', f('root.crl.pem'), '-outform', 'DER', '-out', f('root.crl')]);
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('spare.key'),
    '-out', f('spare.pem'), '-days', '3650', '-subj', '/C=CN/O=E2E Hospital/CN=E2E Spare CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  openssl(['x509', '-in', f('spare.pem'), '-outform', 'DER', '-out', f('spare.cer')]);
  const fp = (file) => openssl(['x509', '-in', file, '-noout', '-fingerprint', '-sha256']).split('=')[1].replace(/:/g, '').trim().toLowerCase();
  return { rootFp: fp(f('root.pem')), leafFp: fp(f('leaf.pem')), spareFp: fp(f('spare.pem')) };
}

let browser, ctx, page, fx;
before(async () => {
  fx = makeFixtures();
  browser = await launch();
  ({ context: ctx, page } = await signInNewOperator(browser, 'pki-op', '陈工程师'));
});
after(async () => {
  await ctx?.close();
  await browser?.close();
});

describe('certificates & trust (operator)', () => {
  test('imports a trust anchor from a PEM file and shows its parsed fields', async () => {
    await gotoPage(page, 'trust');
    await page.getByRole('heading', { name: '证书与信任', level: 1 }).waitFor();
    await page.getByTestId('anchor-card').getByRole('button', { name: /导入信任锚/ }).click();
    await page.locator('#anchor-upload-file').setInputFiles(f('root.pem'));
    await page.getByRole('dialog').getByRole('button', { name: '导入' }).click();
    const row = page.locator(`tr[data-fingerprint="${fx.rootFp}"]`);
    await row.getByText('E2E Test Root CA').first().waitFor();
    const anchors = (await page.api('/api/v1/pki/anchors')).body.items;
    assert.deepEqual(anchors.map((a) => a.fingerprint), [fx.rootFp]);
    assert.equal(anchors[0].added_by, 'pki-op');
    await row.getByRole('button', { name: /详情/ }).click();
    const details = page.getByTestId('cert-details');
    await details.getByText(fx.rootFp).waitFor();
    await details.getByText('ECDSA-P256', { exact: false }).waitFor();
    await shot(page, 'trust-anchor-details');
    await page.getByRole('dialog').getByRole('button', { name: '关闭' }).click();
    await shot(page, 'trust-anchors');
    page.assertNoErrors();
  });

  test('imports a DER anchor and removes it after confirmation', async () => {
    await page.getByTestId('anchor-card').getByRole('button', { name: /导入信任锚/ }).click();
    await page.locator('#anchor-upload-file').setInputFiles(f('spare.cer'));
    await page.getByRole('dialog').getByRole('button', { name: '导入' }).click();
    const row = page.locator(`tr[data-fingerprint="${fx.spareFp}"]`);
    await row.getByText('E2E Spare CA').first().waitFor();
    await row.getByRole('button', { name: '移除' }).click();
    await page.getByRole('dialog').getByText('E2E Spare CA').waitFor();
    await page.getByRole('dialog').getByRole('button', { name: '移除' }).click();
    await row.waitFor({ state: 'detached' });
    const anchors = (await page.api('/api/v1/pki/anchors')).body.items;
    assert.deepEqual(anchors.map((a) => a.fingerprint), [fx.rootFp]);
    page.assertNoErrors();
  });

  test('creates a project and a verification policy; adds and removes a list entry', async () => {
    await page.getByRole('tab', { name: '项目与验证策略' }).click();
    await page.getByRole('button', { name: /新建项目/ }).click();
    const dlg = page.getByRole('dialog');
    await dlg.locator('#proj-name').fill('e2e-docs');
    await dlg.locator('#proj-desc').fill('电子病历签名证书');
    await dlg.locator('#proj-purpose').selectOption('any');
    await dlg.getByLabel(/E2E Test Root CA/).check();
    await shot(page, 'trust-project-dialog');
    await dlg.getByRole('button', { name: '保存' }).click();
    await page.locator('tr[data-project="e2e-docs"]').getByText('有 CRL 时检查').waitFor();

    await page.getByRole('button', { name: /新建策略/ }).click();
    await page.locator('#pol-name').fill('e2e-policy');
    await page.locator('#pol-desc').fill('病历签名验证');
    await page.getByRole('dialog').getByLabel(/e2e-docs/).check();
    await page.getByRole('dialog').getByRole('button', { name: '保存' }).click();
    await page.locator('tr[data-policy="e2e-policy"]').waitFor();
    const pol = (await page.api('/api/v1/pki/policies/e2e-policy')).body;
    assert.deepEqual(pol.projects, ['e2e-docs']);

    await page.locator('tr[data-project="e2e-docs"]').getByRole('button', { name: '名单管理' }).click();
    await page.locator('#list-cert-file').setInputFiles(f('leaf.pem'));
    await page.getByRole('dialog').getByRole('button', { name: /加入名单/ }).click();
    await page.locator(`tr[data-entry="${fx.leafFp}"]`).waitFor();
    assert.deepEqual((await page.api('/api/v1/pki/projects/e2e-docs')).body.list, [fx.leafFp]);
    await shot(page, 'trust-list');
    await page.locator(`tr[data-entry="${fx.leafFp}"]`).getByRole('button', { name: '移除' }).click();
    await page.getByRole('dialog').getByText('名单为空').waitFor();
    await page.getByRole('dialog').getByRole('button', { name: '关闭' }).first().click();
    await shot(page, 'trust-projects');
    page.assertNoErrors();
  });

  test('verifies a certificate under the policy: trusted', async () => {
    await page.getByRole('tab', { name: '证书验证' }).click();
    await page.locator('#verify-policy').selectOption('e2e-policy');
    await page.locator('#verify-cert-file').setInputFiles(f('leaf.pem'));
    await page.getByRole('button', { name: '验证', exact: true }).click();
    const verdict = page.getByTestId('verify-verdict');
    await verdict.getByText('证书可信').waitFor();
    await verdict.getByText('E2E Test Root CA').first().waitFor();
    await shot(page, 'trust-verify-ok');
    page.assertNoErrors();
  });

  test('uploads a CRL (DER) that revokes it; a CRL source that cannot be reached shows its error', async () => {
    await page.getByRole('tab', { name: 'CRL 与下载源' }).click();
    await page.getByRole('button', { name: /手动上传 CRL/ }).click();
    await page.locator('#crl-file-file').setInputFiles(f('root.crl'));
    await page.getByRole('dialog').getByRole('button', { name: '上传' }).click();
    const crlRow = page.locator(`tr[data-crl-ca="${fx.rootFp}"]`);
    await crlRow.getByText('手动上传').waitFor();
    const crls = (await page.api('/api/v1/pki/crls')).body.items;
    assert.equal(crls.length, 1);
    assert.equal(crls[0].revoked, 1);

    await page.getByRole('button', { name: /添加下载源/ }).click();
    await page.locator('#src-url').fill('http://127.0.0.1:9/e2e-root.crl');
    await page.locator('#src-hours').fill('12');
    await page.getByRole('dialog').getByRole('button', { name: '添加' }).click();
    const src = page.locator('tr[data-source-id]').first();
    await src.getByText('每 12 小时').waitFor();
    await src.getByText('尚未下载').waitFor();
    page.expectHttpError(502, '/fetch');
    page.expectHttpError(504, '/fetch');
    await src.getByRole('button', { name: '立即下载' }).click();
    await src.getByTestId('fetch-error').waitFor();
    const sources = (await page.api('/api/v1/pki/crl-sources')).body.items;
    assert.equal(sources.length, 1);
    assert.notEqual(sources[0].last_status, 'ok');
    assert.ok(sources[0].last_fetch_at, 'the failed fetch is recorded');
    await shot(page, 'trust-crls');

    await page.getByRole('tab', { name: '证书验证' }).click();
    await page.locator('#verify-policy').selectOption('e2e-policy');
    await page.locator('#verify-cert-file').setInputFiles(f('leaf.pem'));
    await page.getByRole('button', { name: '验证', exact: true }).click();
    const verdict = page.getByTestId('verify-verdict');
    await verdict.getByText('证书已被吊销').waitFor();
    await verdict.getByText('证书不可信').waitFor();
    await shot(page, 'trust-verify-revoked');
    await page.getByRole('button', { name: '界面语言' }).click();
    await verdict.getByText('Certificate revoked').waitFor();
    await page.getByRole('tab', { name: 'CRLs & sources' }).click();
    await page.getByRole('heading', { name: 'CRL sources' }).waitFor();
    await shot(page, 'trust-crls-en');
    await page.getByRole('button', { name: 'Language' }).click();
    await page.getByRole('tab', { name: 'CRL 与下载源' }).waitFor();
    page.assertNoErrors();
  });
});
