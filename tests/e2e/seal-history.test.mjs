// A seal's state history in the console: a seal made and activated with the offline CLI, then suspended
// with a reason and resumed by an operator in the console; the details show the timeline (who, when, from →
// to, reason) in order, the same as the API, in Chinese and in English.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { env, gotoPage, launch, shot } from './harness.mjs';
import { medsignBin, signInNewOperator } from './operator.mjs';

const NAME = '病理科历史测试章';
let browser, ctx, page, sealId;
before(async () => {
  const out = execFileSync(medsignBin, ['seal', 'make', NAME, '--owner', '某某市人民医院',
    '--key', 'sm2-sign', '--dpi', '150', '--activate', '--json', '--data', env.data], { encoding: 'utf8' });
  sealId = JSON.parse(out.slice(out.indexOf('{'))).id;
  browser = await launch();
  ({ context: ctx, page } = await signInNewOperator(browser, 'history-op', '卫护士长'));
});
after(async () => {
  await ctx?.close();
  await browser?.close();
});

const row = () => page.locator(`tr[data-seal="${sealId}"]`);
const waitImages = (scope) => scope.locator('img').evaluateAll((imgs) =>
  Promise.all(imgs.map((img) => img.complete || new Promise((r) => { img.onload = r; img.onerror = r; }))));

describe('seal state history (operator)', () => {
  test('suspends and resumes a seal, then its details show the history in order', async () => {
    await gotoPage(page, 'seals');
    await row().getByText('已启用').waitFor();

    await row().getByRole('button', { name: '挂起' }).click();
    await page.getByRole('dialog').locator('#seal-reason').fill('印章送检');
    const suspended = page.waitForResponse((r) => r.url().endsWith(`/seals/${sealId}/suspend`));
    await page.getByRole('dialog').getByRole('button', { name: '挂起' }).click();
    assert.equal((await suspended).status(), 200);
    await row().getByText('已挂起').waitFor();
    await row().getByRole('button', { name: '恢复' }).click();
    const resumed = page.waitForResponse((r) => r.url().endsWith(`/seals/${sealId}/resume`));
    await page.getByRole('dialog').getByRole('button', { name: '恢复' }).click();
    assert.equal((await resumed).status(), 200);
    await row().getByText('已启用').waitFor();

    const api = (await page.api(`/api/v1/seals/${sealId}/history`)).body;
    assert.deepEqual(api.items.map((e) => e.action), ['made', 'activated', 'suspended', 'resumed']);
    assert.deepEqual(api.items.map((e) => e.actor), ['cli', 'cli', 'history-op', 'history-op']);
    assert.equal(api.items[2].reason, '印章送检');

    await row().getByRole('button', { name: /详情/ }).click();
    const timeline = page.getByTestId('seal-history');
    await timeline.locator('li[data-event=resumed]').waitFor();
    const events = await timeline.locator('li[data-event]').evaluateAll((lis) => lis.map((li) => li.dataset.event));
    assert.deepEqual(events, ['made', 'activated', 'suspended', 'resumed']);
    const susp = timeline.locator('li[data-event=suspended]');
    await susp.getByText('挂起', { exact: true }).waitFor();
    await susp.getByText('已启用').waitFor();
    await susp.getByText('已挂起').waitFor();
    await susp.getByText('操作人 history-op').waitFor();
    await susp.getByText('原因：印章送检').waitFor();
    await timeline.locator('li[data-event=made]').getByText('操作人 cli').waitFor();
    await timeline.locator('li[data-event=resumed]').getByText('原因：').waitFor({ state: 'detached' });
    await waitImages(page.getByRole('dialog'));
    await timeline.scrollIntoViewIfNeeded();
    await shot(page, 'seal-history');

    await page.getByRole('dialog').getByRole('button', { name: '关闭' }).click();
    await page.getByRole('button', { name: '界面语言' }).click();
    await row().getByRole('button', { name: /Details/ }).click();
    await timeline.locator('li[data-event=suspended]').getByText('Suspended', { exact: true }).first().waitFor();
    await timeline.locator('li[data-event=suspended]').getByText('Reason: 印章送检').waitFor();
    await timeline.locator('li[data-event=made]').getByText('by cli').waitFor();
    await waitImages(page.getByRole('dialog'));
    await timeline.scrollIntoViewIfNeeded();
    await shot(page, 'seal-history-en');
    await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
    await page.getByRole('button', { name: 'Language' }).click();
    await row().getByText('已启用').waitFor();
    page.assertNoErrors();
  });

  test('a refused change adds nothing to the history', async () => {
    const before = (await page.api(`/api/v1/seals/${sealId}/history`)).body.items.length;
    // Revoke, then try to resume the revoked seal through the CLI: refused, nothing recorded.
    await row().getByRole('button', { name: '撤销' }).click();
    await page.getByRole('dialog').locator('#seal-reason').fill('科室合并');
    await page.getByRole('dialog').getByRole('button', { name: '撤销' }).click();
    await row().getByText('已撤销').waitFor();
    assert.throws(() => execFileSync(medsignBin, ['seal', 'resume', sealId, '--data', env.data], { stdio: 'pipe' }));
    const items = (await page.api(`/api/v1/seals/${sealId}/history`)).body.items;
    assert.equal(items.length, before + 1);
    assert.equal(items.at(-1).action, 'revoked');
    await row().getByRole('button', { name: /详情/ }).click();
    await page.getByTestId('seal-history').locator('li[data-event=revoked]').getByText('原因：科室合并').waitFor();
    assert.equal(await page.getByTestId('seal-history').locator('li[data-event]').count(), before + 1);
    await page.getByRole('dialog').getByRole('button', { name: '关闭' }).click();
    page.assertNoErrors();
  });
});
