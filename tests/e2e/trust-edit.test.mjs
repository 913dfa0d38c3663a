// Certificates & trust, editing: an operator edits a project (anchors, purpose, revocation, list mode; the
// list stays), a verification policy and a CRL source (URL, interval, timeout, enabled) in the console and
// sees each change through the API; the form says what is wrong before anything is sent; deleting a project
// a policy uses shows the server's refusal; a project, a policy and a CRL source are deleted.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { env, gotoPage, launch, shot } from './harness.mjs';
import { openssl, signInNewOperator } from './operator.mjs';

const dir = join(env.tmp, 'trust-edit-fixtures');
const f = (name) => join(dir, name);

/** Two P-256 root CAs made by openssl. */
function makeFixtures() {
  mkdirSync(dir, { recursive: true });
  const fps = {};
  for (const [file, cn] of [['a', 'Edit Root CA A'], ['b', 'Edit Root CA B']]) {
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f(`${file}.key`),
      '-out', f(`${file}.pem`), '-days', '3650', '-subj', `/C=CN/O=E2E Hospital/CN=${cn}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    fps[file] = openssl(['x509', '-in', f(`${file}.pem`), '-noout', '-fingerprint', '-sha256'])
      .split('=')[1].replace(/:/g, '').trim().toLowerCase();
  }
  return fps;
}

const LISTED = 'ab'.repeat(32);
let browser, ctx, page, fp;
before(async () => {
  fp = makeFixtures();
  browser = await launch();
  ({ context: ctx, page } = await signInNewOperator(browser, 'trust-edit-op', '韩工程师'));
});
after(async () => {
  await ctx?.close();
  await browser?.close();
});

const dialog = () => page.getByRole('dialog');
const projectRow = (name) => page.locator(`tr[data-project="${name}"]`);
const policyRow = (name) => page.locator(`tr[data-policy="${name}"]`);

async function newProject(name, anchorCn) {
  await page.getByRole('button', { name: /新建项目/ }).click();
  await dialog().locator('#proj-name').fill(name);
  await dialog().getByLabel(new RegExp(anchorCn)).check();
  await dialog().getByRole('button', { name: '保存' }).click();
  await projectRow(name).waitFor();
}

describe('certificates & trust: edit and delete (operator)', () => {
  test('edits a project; invalid input is explained and not sent; the list is kept', async () => {
    await gotoPage(page, 'trust');
    for (const file of ['a', 'b']) {
      await page.getByTestId('anchor-card').getByRole('button', { name: /导入信任锚/ }).click();
      await page.locator('#anchor-upload-file').setInputFiles(f(`${file}.pem`));
      await dialog().getByRole('button', { name: '导入' }).click();
      await page.locator(`tr[data-fingerprint="${fp[file]}"]`).first().waitFor();
    }
    await page.getByRole('tab', { name: '项目与验证策略' }).click();
    await newProject('edit-docs', 'Edit Root CA A');
    await projectRow('edit-docs').getByRole('button', { name: '名单管理' }).click();
    await dialog().locator('#list-fp').fill(LISTED);
    await dialog().getByRole('button', { name: /加入名单/ }).click();
    await page.locator(`tr[data-entry="${LISTED}"]`).waitFor();
    await dialog().getByRole('button', { name: '关闭' }).first().click();

    await projectRow('edit-docs').getByRole('button', { name: '编辑' }).click();
    const d = dialog();
    await d.getByTestId('list-kept').getByText('名单中的 1 个条目保持不变').waitFor();
    assert.equal(await d.locator('#proj-name').isDisabled(), true, 'the name of a project is fixed');
    // Invalid input: explained under each field, nothing sent.
    let puts = 0;
    const countPut = (r) => { if (r.method() === 'PUT') puts += 1; };
    page.on('request', countPut);
    await d.locator('#proj-path').fill('20');
    await d.getByText('最大路径长度须为 2 到 16 之间的整数。').waitFor();
    await d.locator('#proj-grace').fill('-5');
    await d.getByLabel(/Edit Root CA A/).uncheck();
    await d.getByRole('button', { name: '保存' }).click();
    await d.getByText('至少选择一个信任锚。').waitFor();
    await d.getByText('CRL 过期宽限须为不小于 0 的整数（分钟）。').waitFor();
    assert.equal(await d.locator('[aria-invalid=true]').count(), 2);
    await shot(page, 'trust-edit-project-invalid');
    assert.equal(puts, 0, 'an invalid form is not sent');
    page.off('request', countPut);

    await d.locator('#proj-path').fill('5');
    await d.locator('#proj-grace').fill('30');
    await d.getByLabel(/Edit Root CA B/).check();
    await d.locator('#proj-desc').fill('编辑后的说明');
    await d.locator('#proj-purpose').selectOption('document_signing');
    await d.locator('#proj-rev').selectOption('crl_required');
    await d.locator('#proj-list').selectOption('blacklist');
    await assertNoProblems(d);
    await shot(page, 'trust-edit-project');
    const put = page.waitForResponse((r) => r.url().endsWith('/api/v1/pki/projects/edit-docs') && r.request().method() === 'PUT');
    await d.getByRole('button', { name: '保存' }).click();
    assert.equal((await put).status(), 200);
    await projectRow('edit-docs').getByText('必须有有效 CRL').waitFor();
    await projectRow('edit-docs').getByText('黑名单 · 1').waitFor();
    const p = (await page.api('/api/v1/pki/projects/edit-docs')).body;
    assert.deepEqual(p.anchors, [fp.b]);
    assert.equal(p.description, '编辑后的说明');
    assert.equal(p.purpose, 'document_signing');
    assert.equal(p.revocation, 'crl_required');
    assert.equal(p.list_mode, 'blacklist');
    assert.equal(p.max_path_length, 5);
    assert.equal(p.crl_grace_ms, 30 * 60000);
    assert.deepEqual(p.list, [LISTED], 'the list entries are kept');
    page.assertNoErrors();
  });

  test('edits a policy; deleting a project it uses is refused with the server\'s reason; then deletes both', async () => {
    await newProject('edit-spare', 'Edit Root CA A');
    await page.getByRole('button', { name: /新建策略/ }).click();
    await page.locator('#pol-name').fill('edit policy');
    await dialog().getByLabel(/edit-docs/).check();
    await dialog().getByRole('button', { name: '保存' }).click();
    await dialog().getByText('名称须为 1–64 个字符，只能包含字母、数字、下划线、连字符和点。').waitFor();
    await page.locator('#pol-name').fill('edit-policy');
    await dialog().getByRole('button', { name: '保存' }).click();
    await policyRow('edit-policy').waitFor();

    await policyRow('edit-policy').getByRole('button', { name: '编辑' }).click();
    const d = dialog();
    await d.locator('#pol-desc').fill('急诊病历签名验证');
    await d.locator('#pol-crl').selectOption('fail_closed');
    await d.getByLabel(/edit-spare/).check();
    await d.getByLabel(/edit-spare/).locator('..').getByText('2.').waitFor();
    await shot(page, 'trust-edit-policy');
    await d.getByRole('button', { name: '保存' }).click();
    await policyRow('edit-policy').getByText('拒绝（失败即关闭）').waitFor();
    let pol = (await page.api('/api/v1/pki/policies/edit-policy')).body;
    assert.deepEqual(pol.projects, ['edit-docs', 'edit-spare']);
    assert.equal(pol.crl_failure, 'fail_closed');
    assert.equal(pol.description, '急诊病历签名验证');

    await projectRow('edit-spare').getByRole('button', { name: '删除' }).click();
    await dialog().getByTestId('project-in-use').getByText('edit-policy').waitFor();
    page.expectHttpError(409, '/api/v1/pki/projects/edit-spare');
    const refused = page.waitForResponse((r) => r.url().endsWith('/api/v1/pki/projects/edit-spare') && r.request().method() === 'DELETE');
    await dialog().getByRole('button', { name: '删除' }).click();
    assert.equal((await refused).status(), 409);
    const alert = dialog().getByRole('alert');
    await alert.getByText('policy edit-policy uses project edit-spare').waitFor();
    await alert.getByText('[conflict]').waitFor();
    await shot(page, 'trust-delete-refused');
    await dialog().getByRole('button', { name: '取消' }).click();
    assert.equal((await page.api('/api/v1/pki/projects/edit-spare')).status, 200, 'still there');

    await policyRow('edit-policy').getByRole('button', { name: '编辑' }).click();
    await dialog().getByLabel(/edit-spare/).uncheck();
    await dialog().getByRole('button', { name: '保存' }).click();
    await policyRow('edit-policy').locator('td', { hasText: 'edit-spare' }).waitFor({ state: 'detached' });
    await projectRow('edit-spare').getByRole('button', { name: '删除' }).click();
    assert.equal(await dialog().getByTestId('project-in-use').count(), 0);
    await dialog().getByRole('button', { name: '删除' }).click();
    await projectRow('edit-spare').waitFor({ state: 'detached' });
    assert.equal((await page.api('/api/v1/pki/projects/edit-spare')).status, 404);

    await policyRow('edit-policy').getByRole('button', { name: '删除' }).click();
    await dialog().getByText('确定删除验证策略“edit-policy”').waitFor();
    await dialog().getByRole('button', { name: '删除' }).click();
    await policyRow('edit-policy').waitFor({ state: 'detached' });
    assert.equal((await page.api('/api/v1/pki/policies/edit-policy')).status, 404);
    pol = (await page.api('/api/v1/pki/policies')).body.items;
    assert.ok(!pol.some((x) => x.name === 'edit-policy'));
    page.assertNoErrors();
  });

  test('edits a CRL source: URL, interval, timeout, enabled; then removes it', async () => {
    await page.getByRole('tab', { name: 'CRL 与下载源' }).click();
    await page.getByRole('button', { name: /添加下载源/ }).click();
    await page.locator('#src-ca').selectOption(fp.a);
    await page.locator('#src-url').fill('http://127.0.0.1:9/edit-a.crl');
    await page.locator('#src-hours').fill('12');
    const added = page.waitForResponse((r) => r.url().endsWith('/api/v1/pki/crl-sources') && r.request().method() === 'POST');
    await dialog().getByRole('button', { name: '添加' }).click();
    const { id } = await (await added).json();
    const row = page.locator(`tr[data-source-id="${id}"]`);
    await row.getByText('每 12 小时').waitFor();

    await row.getByRole('button', { name: '编辑' }).click();
    const d = dialog();
    assert.equal(await d.locator('#src-ca').inputValue(), 'Edit Root CA A');
    assert.equal(await d.locator('#src-hours').inputValue(), '12');
    await d.locator('#src-url').fill('https://127.0.0.1/edit.crl');
    await d.getByText('下载地址须以 http:// 或 ldap:// 开头并包含主机名（不支持 https）。').waitFor();
    await d.locator('#src-hours').fill('0');
    await d.getByText('更新间隔须在 1 分钟到 720 小时（30 天）之间。').waitFor();
    await d.locator('#src-timeout').fill('500');
    await d.getByText('超时须在 0.1 到 120 秒之间。').waitFor();
    await shot(page, 'trust-edit-source-invalid');

    await d.locator('#src-url').fill('http://127.0.0.1:9/edited.crl');
    await d.locator('#src-hours').fill('2');
    await d.locator('#src-timeout').fill('5');
    await d.locator('#src-enabled').uncheck();
    await assertNoProblems(d);
    await shot(page, 'trust-edit-source');
    const put = page.waitForResponse((r) => r.url().endsWith(`/api/v1/pki/crl-sources/${id}`) && r.request().method() === 'PUT');
    await d.getByRole('button', { name: '保存' }).click();
    assert.equal((await put).status(), 200);
    await row.getByText('每 2 小时').waitFor();
    await row.getByText('超时 5 秒').waitFor();
    await row.getByText('停用', { exact: true }).waitFor();
    await row.getByText('http://127.0.0.1:9/edited.crl').waitFor();
    const src = (await page.api(`/api/v1/pki/crl-sources/${id}`)).body;
    assert.equal(src.url, 'http://127.0.0.1:9/edited.crl');
    assert.equal(src.interval_s, 7200);
    assert.equal(src.timeout_ms, 5000);
    assert.equal(src.enabled, false);
    assert.equal(src.ca_fingerprint, fp.a);
    await shot(page, 'trust-edit-sources');

    await row.getByRole('button', { name: '移除' }).click();
    await dialog().getByText('http://127.0.0.1:9/edited.crl').waitFor();
    await dialog().getByRole('button', { name: '移除' }).click();
    await row.waitFor({ state: 'detached' });
    assert.equal((await page.api(`/api/v1/pki/crl-sources/${id}`)).status, 404);

    await page.getByRole('button', { name: '界面语言' }).click();
    await page.getByRole('tab', { name: 'Projects & policies' }).click();
    await projectRow('edit-docs').getByRole('button', { name: 'Edit' }).click();
    await dialog().getByText('List entries (1) stay as they are; add or remove them with “List entries”.').waitFor();
    await dialog().locator('#proj-path').fill('1');
    await dialog().getByText('The maximum path length is a whole number from 2 to 16.').waitFor();
    await shot(page, 'trust-edit-project-en');
    await dialog().getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Language' }).click();
    await page.getByRole('tab', { name: '项目与验证策略' }).waitFor();
    page.assertNoErrors();
  });
});

async function assertNoProblems(d) {
  assert.equal(await d.getByTestId('field-problem').count(), 0, 'no field problems left');
}
