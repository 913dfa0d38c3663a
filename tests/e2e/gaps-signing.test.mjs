// The signing service after registration: an operator edits a business application's name, address
// allow-list, permitted keys and verification policy, and the server applies each change at once; the signing
// log is searched by operation and time window.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { env, gotoPage, launch, shot } from './harness.mjs';
import { signInNewOperator } from './operator.mjs';

let browser, ctx, page, id, secret;
before(async () => {
  browser = await launch();
  ({ context: ctx, page } = await signInNewOperator(browser, 'gaps-svs-op', '宋工程师'));
});
after(async () => {
  await ctx?.close();
  await browser?.close();
});

/** A JSON call with the console session (cookie + CSRF token), for test fixtures. */
async function call(method, path, body) {
  const me = await page.api('/api/v1/auth/me');
  const r = await page.request.fetch(env.base + path, {
    method, data: body, headers: { 'X-CSRF-Token': me.body.csrf_token, 'Content-Type': 'application/json' },
  });
  return { status: r.status(), body: await r.json() };
}

/** A business call with the application's credentials. */
function business(path, body) {
  return fetch(`${env.base}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: 'Basic ' + Buffer.from(`${id}:${secret}`).toString('base64') },
    body: JSON.stringify(body),
  });
}
const signWith = (key) => business('/api/v1/svs/sign-data', { key, data: Buffer.from('检验报告 0815').toString('base64') });
const row = (name) => page.locator(`tr[data-app="${name}"]`);

describe('signing service application editing (operator)', () => {
  test('registers an application with one key', async () => {
    assert.equal((await call('POST', '/api/v1/pki/projects', { name: 'lis-certs', description: 'LIS', purpose: 'any' })).status, 201);
    assert.equal((await call('POST', '/api/v1/pki/policies', { name: 'lis-policy', projects: ['lis-certs'] })).status, 201);
    await gotoPage(page, 'signing');
    await page.locator('tr[data-key-index="2"]').waitFor();
    await page.getByRole('button', { name: /注册应用/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('#app-name').fill('LIS 检验系统');
    await dialog.getByLabel(/1 · sm2-sign/).check();
    await dialog.getByRole('button', { name: '注册' }).click();
    id = (await page.getByTestId('app-id').textContent()).trim();
    secret = (await page.getByTestId('app-secret').textContent()).trim();
    await page.getByRole('dialog').getByRole('button', { name: '关闭' }).first().click();
    await row('LIS 检验系统').waitFor();
    assert.equal((await signWith('1')).status, 200);
    assert.equal((await signWith('2')).status, 403, 'key 2 is not permitted yet');
    page.assertNoErrors();
  });

  test('edits the name, permitted keys and policy; the server applies them at once', async () => {
    await row('LIS 检验系统').getByRole('button', { name: '编辑' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: '编辑应用“LIS 检验系统”' }).waitFor();
    assert.equal(await dialog.locator('#app-name').inputValue(), 'LIS 检验系统');
    assert.ok(await dialog.getByLabel(/1 · sm2-sign/).isChecked(), 'current keys are ticked');
    await dialog.locator('#app-name').fill('LIS 检验信息系统');
    await dialog.getByLabel(/2 · rsa-sign/).check();
    await dialog.locator('#app-policy').selectOption('lis-policy');
    await shot(page, 'gaps-signing-edit');
    const saved = page.waitForResponse((r) => r.url().endsWith(`/api/v1/svs/apps/${id}`) && r.request().method() === 'PUT');
    await dialog.getByRole('button', { name: '保存' }).click();
    assert.equal((await saved).status(), 200);
    await page.getByTestId('svs-notice').getByText('应用“LIS 检验信息系统”已保存。').waitFor();
    const r = row('LIS 检验信息系统');
    await r.getByTestId('app-policy').getByText('lis-policy').waitFor();
    const app = (await page.api(`/api/v1/svs/apps/${id}`)).body;
    assert.deepEqual([...app.keys].sort(), [1, 2]);
    assert.equal(app.policy, 'lis-policy');
    assert.equal((await signWith('2')).status, 200, 'key 2 permitted after the edit');
    page.assertNoErrors();
  });

  test('narrows the address allow-list; a call from outside it is refused', async () => {
    await row('LIS 检验信息系统').getByRole('button', { name: '编辑' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('#app-allow').fill('10.1.20.0/24');
    await dialog.getByRole('button', { name: '保存' }).click();
    await row('LIS 检验信息系统').getByText('10.1.20.0/24').waitFor();
    assert.equal((await signWith('1')).status, 403, '127.0.0.1 is no longer allowed');
    // Back to the local addresses, by keyboard only: Tab to the field, type, Enter submits.
    await row('LIS 检验信息系统').getByRole('button', { name: '编辑' }).focus();
    await page.keyboard.press('Enter');
    await page.locator('#app-name').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'app-name', 'focus moves into the dialog');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'app-allow');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('127.0.0.1/32');
    await page.locator('#app-name').press('Enter');
    await row('LIS 检验信息系统').getByText('127.0.0.1/32').waitFor();
    assert.equal((await signWith('1')).status, 200);
    assert.equal((await page.api(`/api/v1/svs/apps/${id}`)).body.allow.join(','), '127.0.0.1/32');
    page.assertNoErrors();
  });

  test('an edit the server refuses shows its error in the dialog', async () => {
    await row('LIS 检验信息系统').getByRole('button', { name: '编辑' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('#app-allow').fill('not-an-address');
    page.expectHttpError(400, `/api/v1/svs/apps/${id}`);
    await dialog.getByRole('button', { name: '保存' }).click();
    await dialog.getByRole('alert').waitFor();
    await shot(page, 'gaps-signing-edit-refused');
    await dialog.getByRole('button', { name: '取消' }).click();
    assert.equal((await page.api(`/api/v1/svs/apps/${id}`)).body.allow.join(','), '127.0.0.1/32', 'unchanged');
    page.assertNoErrors();
  });

  test('searches the signing log by operation and time window', async () => {
    assert.equal((await business('/api/v1/svs/hash', { data: 'AA==' })).status, 200);
    await page.locator('#svs-app').fill(id);
    await page.locator('#svs-operation').fill('sign_data');
    await page.getByRole('button', { name: '查询' }).click();
    await page.locator('tbody tr[data-log-id]').first().waitFor();
    await page.waitForFunction(() => [...document.querySelectorAll('tbody tr[data-log-id]')]
      .every((tr) => tr.children[2].textContent === 'sign_data'));
    const ops = await page.locator('tbody tr[data-log-id] td:nth-child(3)').allTextContents();
    assert.ok(ops.length >= 4, `sign_data rows: ${ops.length}`);
    assert.ok(ops.every((o) => o === 'sign_data'));
    await shot(page, 'gaps-signing-log-operation');

    // A window in the past finds nothing; one around now finds the calls.
    await page.locator('#svs-to').fill('2020-01-01T00:00');
    await page.getByRole('button', { name: '查询' }).click();
    await page.getByText('没有日志记录。').waitFor();
    const local = (ms) => { const d = new Date(ms - new Date().getTimezoneOffset() * 60000); return d.toISOString().slice(0, 16); };
    await page.locator('#svs-from').fill(local(Date.now() - 3600_000));
    await page.locator('#svs-to').fill(local(Date.now() + 3600_000));
    await page.locator('#svs-operation').fill('hash');
    const res = page.waitForResponse((r) => r.url().includes('/api/v1/svs/log') && r.url().includes('from='));
    await page.getByRole('button', { name: '查询' }).click();
    assert.equal((await res).status(), 200);
    await page.locator('tbody tr[data-log-id]').first().waitFor();
    assert.deepEqual(await page.locator('tbody tr[data-log-id] td:nth-child(3)').allTextContents(), ['hash']);
    page.assertNoErrors();
  });
});
