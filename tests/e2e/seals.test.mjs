// Electronic seals: an operator makes a seal from a template (live preview), sees its details and downloads
// the SESeal, suspends and resumes it with a reason, registers a seal user and grants the seal, filters the list.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gotoPage, launch, shot } from './harness.mjs';
import { signInNewOperator } from './operator.mjs';

const NAME = '检验科报告专用章';
let browser, ctx, page, sealId;
before(async () => {
  browser = await launch();
  ({ context: ctx, page } = await signInNewOperator(browser, 'seals-op', '冯药师'));
});
after(async () => {
  await ctx?.close();
  await browser?.close();
});

const row = () => page.locator(`tr[data-seal-name="${NAME}"]`);

describe('electronic seals (operator)', () => {
  test('lists the demo seals and makes a new seal from a template with a live preview', async () => {
    await gotoPage(page, 'seals');
    await page.locator('tr[data-seal]').first().waitFor();
    assert.ok(await page.locator('tr[data-seal]').count() >= 2, 'the demo seals made by init');
    await page.locator('tr[data-seal] img.seal-thumb').first().evaluate((img) => img.complete || new Promise((r) => { img.onload = r; }));
    await shot(page, 'seals-list');

    await page.getByRole('button', { name: '制作印章' }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('#mk-name').fill(NAME);
    await dialog.locator('#mk-owner').fill('某某市人民医院');
    const render = page.waitForResponse((r) => r.url().endsWith('/api/v1/seal-images/render') && r.request().postDataJSON().text === '检验报告专用章');
    await dialog.locator('#mk-text').fill('检验报告专用章');
    assert.equal((await render).status(), 200);
    await dialog.getByTestId('seal-make-preview').waitFor();
    await dialog.locator('input[name=mk-key][value=rsa-sign]').check();
    await dialog.locator('#mk-docmdp').selectOption('form-fill');
    await shot(page, 'seals-make');

    const made = page.waitForResponse((r) => r.url().endsWith('/api/v1/seals') && r.request().method() === 'POST');
    await dialog.getByRole('button', { name: '制作印章' }).click();
    const res = await made;
    assert.equal(res.status(), 201, await res.text());
    const body = await res.json();
    sealId = body.id;
    assert.equal(body.state, 'active');
    assert.equal(body.docmdp, 'form-fill');
    assert.ok(body.certificates.some((c) => c.key_name === 'rsa-sign'), 'bound to rsa-sign');
    await page.getByTestId('seals-notice').getByText(`印章“${NAME}”已制作`).waitFor();
    await row().getByText('已启用').waitFor();
  });

  test('shows the details and downloads the SESeal', async () => {
    await row().getByRole('button', { name: /详情/ }).click();
    const d = page.getByTestId('seal-details');
    await d.getByText(sealId).waitFor();
    await d.getByText('允许填表和签名').waitFor();
    await page.getByRole('dialog').locator('img').first().evaluate((img) => img.complete || new Promise((r) => { img.onload = r; }));
    await shot(page, 'seals-details');
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /下载印章数据/ }).click()]);
    const der = readFileSync(await dl.path());
    assert.equal(der[0], 0x30, 'a DER SEQUENCE');
    assert.ok(der.length > 1000, `SESeal of ${der.length} bytes`);
    await page.getByRole('dialog').getByRole('button', { name: '关闭' }).click();
  });

  test('suspends with a reason and resumes the seal', async () => {
    await row().getByRole('button', { name: '挂起' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('#seal-reason').fill('印章保管人休假');
    await shot(page, 'seals-suspend-confirm');
    const suspended = page.waitForResponse((r) => r.url().endsWith(`/seals/${sealId}/suspend`));
    await dialog.getByRole('button', { name: '挂起' }).click();
    assert.equal((await suspended).status(), 200);
    await row().getByText('已挂起').waitFor();
    await row().getByText('印章保管人休假').waitFor();
    await shot(page, 'seals-suspended');

    await row().getByRole('button', { name: '恢复' }).click();
    const resumed = page.waitForResponse((r) => r.url().endsWith(`/seals/${sealId}/resume`));
    await page.getByRole('dialog').getByRole('button', { name: '恢复' }).click();
    assert.equal((await resumed).status(), 200);
    await row().getByText('已启用').waitFor();
    const api = await page.api(`/api/v1/seals/${sealId}`);
    assert.equal(api.body.state, 'active');
  });

  test('registers a seal user and grants the seal', async () => {
    await row().getByRole('button', { name: '用章授权' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('尚未授权任何用章人').waitFor();
    await dialog.locator('#su-username').fill('seals-op');
    await dialog.locator('#su-display').fill('冯药师');
    await dialog.getByRole('button', { name: '登记用章人' }).click();
    await dialog.getByTestId('grants-notice').getByText('已登记用章人 冯药师').waitFor();
    const granted = page.waitForResponse((r) => r.url().endsWith(`/seals/${sealId}/grants`) && r.request().method() === 'POST');
    await dialog.getByRole('button', { name: '授权', exact: true }).click();
    assert.equal((await granted).status(), 201);
    await dialog.locator('tr[data-grant]').getByText('冯药师 (seals-op)').waitFor();
    await shot(page, 'seals-grants');
    const grants = await page.api(`/api/v1/seals/${sealId}/grants`);
    assert.equal(grants.body.items.length, 1);
    assert.equal(grants.body.items[0].granted_by, 'seals-op');
    await dialog.getByRole('button', { name: '关闭' }).click();
  });

  test('filters the list by state and name', async () => {
    await page.locator('#seal-f-state').selectOption('suspended');
    await page.getByRole('button', { name: '查询' }).click();
    await page.getByText('没有符合条件的印章').waitFor();
    await page.locator('#seal-f-state').selectOption('');
    await page.locator('#seal-f-name').fill('检验科');
    await page.getByRole('button', { name: '查询' }).click();
    await page.getByTestId('seals-total').getByText('共 1 枚印章').waitFor();
    assert.equal(await page.locator('tr[data-seal]').count(), 1);
    page.assertNoErrors();
  });
});
