// Batch seal making: an operator uploads a CSV sheet (GB18030, as a spreadsheet saves it) and a ZIP with a sheet
// and PNG pictures; the console checks every row first, then makes the seals one by one through the API.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { env, gotoPage, launch, shot } from './harness.mjs';
import { signInNewOperator } from './operator.mjs';

let browser, ctx, page;
before(async () => {
  browser = await launch();
  ({ context: ctx, page } = await signInNewOperator(browser, 'gaps-batch-op', '韩印章管理员'));
});
after(async () => {
  await ctx?.close();
  await browser?.close();
});

async function sealsNamed(name) {
  return (await page.api('/api/v1/seals?name=' + encodeURIComponent(name))).body.items;
}

/** GB18030 bytes of a text, made by iconv (what Excel saves in a Chinese locale). */
function gb18030(text) {
  return execFileSync('iconv', ['-f', 'UTF-8', '-t', 'GB18030'], { input: text });
}

/** Waits until no row of the batch is pending any more. */
function settled() {
  return page.waitForFunction(() => ![...document.querySelectorAll('[data-testid=batch-outcome]')].some((c) => c.textContent === '待制作'));
}

describe('batch seal making (operator)', () => {
  test('checks a CSV sheet row by row, then makes the good rows', async () => {
    const csv = join(env.tmp, 'seals-batch.csv');
    writeFileSync(csv, gb18030('印章名称,type,owner,kind,text,keys\n'
      + '批量测试放射科报告专用章,organisation,某某市人民医院,round,放射科报告专用章,\n'
      + '批量测试李四,personal,李四,name,,\n'
      + '批量测试坏样式章,organisation,某某市人民医院,triangle,,\n'
      + '批量测试病理科专用章,organisation,某某市人民医院,oval,病理科专用章,rsa-sign\n'));
    await gotoPage(page, 'seals');
    await page.getByRole('button', { name: '批量制作' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: '批量制作电子印章' }).waitFor();
    await dialog.locator('#batch-key option').first().waitFor({ state: 'attached' });
    await dialog.locator('#batch-file').setInputFiles(csv);
    await dialog.getByTestId('batch-summary').getByText('共 4 行，3 行可制作；已制作 0 枚，失败 0 枚。').waitFor();
    await dialog.locator('tr[data-batch-line="4"]').getByText('印模样式“triangle”无效').waitFor();
    await dialog.locator('tr[data-batch-line="5"]').getByText('rsa-sign').waitFor();
    await shot(page, 'gaps-seal-batch-checked');

    await dialog.getByRole('button', { name: '制作 3 枚印章' }).click();
    await settled();
    const outcomes = await dialog.getByTestId('batch-outcome').allTextContents();
    assert.match(await dialog.getByTestId('batch-summary').textContent(), /已制作 3 枚，失败 0 枚/, outcomes.join(' | '));
    assert.equal(await dialog.locator('[data-testid=batch-outcome]').getByText('已制作').count(), 3);
    await shot(page, 'gaps-seal-batch-made');
    await dialog.getByRole('button', { name: '关闭' }).last().click();
    await page.getByTestId('seals-notice').getByText('已批量制作 3 枚印章。').waitFor();

    const made = await sealsNamed('批量测试');
    assert.deepEqual(made.map((s) => s.name).sort(), ['批量测试李四', '批量测试放射科报告专用章', '批量测试病理科专用章'].sort());
    assert.ok(made.every((s) => s.state === 'active'));
    const li = made.find((s) => s.name === '批量测试李四');
    assert.equal(li.type, 'personal');
    const bl = made.find((s) => s.name === '批量测试病理科专用章');
    assert.deepEqual(bl.certificates.map((c) => c.key_name), ['rsa-sign']);
    assert.equal(bl.width_mm, 45);
    assert.equal(bl.height_mm, 30);
    page.assertNoErrors();
  });

  test('makes seals from a ZIP with a sheet and PNG pictures', async () => {
    const me = await page.api('/api/v1/auth/me');
    const r = await page.request.post(env.base + '/api/v1/seal-images/render', {
      data: { kind: 'name', name: '王五' }, headers: { 'X-CSRF-Token': me.body.csrf_token },
    });
    assert.equal(r.status(), 200);
    const png = await r.body();
    const dir = join(env.tmp, 'batch-zip');
    mkdirSync(join(dir, 'pictures'), { recursive: true });
    writeFileSync(join(dir, 'pictures', 'wangwu.png'), png);
    writeFileSync(join(dir, 'seals.csv'), 'name,type,kind,picture,width_mm,height_mm\n'
      + '批量测试王五手写章,personal,name,pictures/wangwu.png,18,18\n'
      + '批量测试缺图章,personal,name,pictures/missing.png,18,18\n');
    const zip = join(env.tmp, 'seals-batch.zip');
    execFileSync('zip', ['-q', '-r', zip, 'seals.csv', 'pictures'], { cwd: dir });

    await page.getByRole('button', { name: '批量制作' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('#batch-key option').first().waitFor({ state: 'attached' });
    await dialog.locator('#batch-file').setInputFiles(zip);
    await dialog.getByTestId('batch-summary').getByText('共 2 行，1 行可制作').waitFor();
    await dialog.locator('tr[data-batch-line="3"]').getByText('压缩包中没有图片 pictures/missing.png').waitFor();
    const thumb = dialog.locator('tr[data-batch-line="2"] img.seal-thumb');
    await thumb.evaluate((img) => img.complete || new Promise((res) => { img.onload = res; }));
    assert.ok(await thumb.evaluate((img) => img.naturalWidth > 0), 'the PNG from the archive is shown');
    await shot(page, 'gaps-seal-batch-zip');
    await dialog.getByRole('button', { name: '制作 1 枚印章' }).click();
    await settled();
    assert.match(await dialog.getByTestId('batch-summary').textContent(), /已制作 1 枚，失败 0 枚/,
      (await dialog.getByTestId('batch-outcome').allTextContents()).join(' | '));
    await dialog.getByRole('button', { name: '关闭' }).last().click();

    const [seal] = await sealsNamed('批量测试王五手写章');
    assert.ok(seal, 'made');
    const pic = await page.request.get(env.base + `/api/v1/seals/${seal.id}/picture`);
    assert.equal(pic.status(), 200);
    assert.equal((await pic.body()).subarray(1, 4).toString(), 'PNG');
    page.assertNoErrors();
  });

  test('a file that is not a batch gets a specific message, in English too', async () => {
    const bad = join(env.tmp, 'not-a-sheet.csv');
    writeFileSync(bad, 'owner,kind\n某某医院,round\n');
    await page.getByRole('button', { name: '批量制作' }).click();
    let dialog = page.getByRole('dialog');
    await dialog.locator('#batch-file').setInputFiles(bad);
    await dialog.getByRole('alert').getByText('标题行中没有 name（印章名称）列。').waitFor();
    await dialog.getByRole('button', { name: '关闭' }).last().click();
    await page.getByRole('button', { name: '界面语言' }).click();
    await page.getByRole('button', { name: 'Batch make' }).click();
    dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: 'Make seals in a batch' }).waitFor();
    await dialog.locator('#batch-file').setInputFiles(bad);
    await dialog.getByRole('alert').getByText('The header line has no name (印章名称) column.').waitFor();
    await shot(page, 'gaps-seal-batch-error-en');
    await dialog.getByRole('button', { name: 'Close' }).last().click();
    await page.getByRole('button', { name: 'Language' }).click();
    await page.getByRole('button', { name: '批量制作' }).waitFor();
    page.assertNoErrors();
  });
});
