// Seal image studio: the seal is re-rendered live as the operator types (debounced POST
// /api/v1/seal-images/render), templates switch, the PNG downloads; a photographed signature is cleaned into
// a transparent PNG with a before/after preview.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gotoPage, launch, shot } from './harness.mjs';
import { signInNewOperator } from './operator.mjs';

const PNG = '89504e470d0a1a0a';
let browser, ctx, page;
before(async () => {
  browser = await launch();
  ({ context: ctx, page } = await signInNewOperator(browser, 'seal-op', '吴工程师'));
});
after(async () => {
  await ctx?.close();
  await browser?.close();
});

/** The bytes of the preview image now shown. */
async function previewBytes() {
  return page.evaluate(async () => {
    const img = document.querySelector('[data-testid=seal-preview]');
    const b = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
    return { head: [...b.slice(0, 8)].map((x) => x.toString(16).padStart(2, '0')).join(''), size: b.length };
  });
}

describe('seal image studio (operator)', () => {
  test('renders a round seal, then re-renders once after typing a new name', async () => {
    const first = page.waitForResponse((r) => r.url().endsWith('/api/v1/seal-images/render'));
    await gotoPage(page, 'seal-images');
    assert.equal((await first).status(), 200);
    await page.getByTestId('seal-preview').waitFor();
    await page.getByTestId('seal-size').getByText('实际尺寸 42.0 × 42.0 毫米').waitFor();
    let bytes = await previewBytes();
    assert.equal(bytes.head, PNG);
    assert.ok(bytes.size > 5000, `a non-trivial PNG (${bytes.size} bytes)`);

    const renders = [];
    page.on('request', (r) => r.url().endsWith('/seal-images/render') && renders.push(r.postDataJSON()));
    const next = page.waitForResponse((r) => r.url().endsWith('/api/v1/seal-images/render') && r.request().postDataJSON().name === '仁济医院');
    await page.locator('#seal-name').fill('');
    await page.locator('#seal-name').pressSequentially('仁济医院', { delay: 30 });
    await page.locator('#seal-text').fill('合同专用章');
    assert.equal((await next).status(), 200);
    await page.waitForTimeout(500);
    assert.ok(renders.length <= 2, `typing is debounced (${renders.length} renders)`);
    bytes = await previewBytes();
    assert.equal(bytes.head, PNG);
    await shot(page, 'seal-round');
    page.assertNoErrors();
  });

  test('switches templates (oval, name seal) and downloads the PNG', async () => {
    const oval = page.waitForResponse((r) => r.url().endsWith('/seal-images/render') && r.request().postDataJSON().kind === 'oval');
    await page.getByText('椭圆章').click();
    const ovalRes = await oval;
    assert.equal(ovalRes.status(), 200, await ovalRes.text());
    await page.getByTestId('seal-size').getByText(/45\.0 × 30\.0/).waitFor();

    const named = page.waitForResponse((r) => r.url().endsWith('/seal-images/render') &&
      r.request().postDataJSON().kind === 'name' && r.request().postDataJSON().name === '张三之印');
    await page.getByText('方形名章').click();
    await page.locator('#seal-name').fill('张三之印');
    assert.equal((await named).status(), 200);
    await page.getByTestId('seal-size').getByText(/实际尺寸/).waitFor();
    const [d] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /下载 PNG/ }).click()]);
    assert.equal(d.suggestedFilename(), 'seal-name.png');
    const png = readFileSync(await d.path());
    assert.equal(png.subarray(0, 8).toString('hex'), PNG);
    await shot(page, 'seal-name');
    page.assertNoErrors();
  });

  test('cleans a photographed signature into a transparent PNG with before/after', async () => {
    // A "photo": grey paper with noise and dark ink strokes, drawn in the browser.
    const b64 = await page.evaluate(() => {
      const c = document.createElement('canvas');
      c.width = 480; c.height = 200;
      const g = c.getContext('2d');
      g.fillStyle = '#d9d4c7'; g.fillRect(0, 0, 480, 200);
      for (let i = 0; i < 400; i++) { g.fillStyle = `rgba(90,80,70,${Math.random() * 0.3})`; g.fillRect(Math.random() * 480, Math.random() * 200, 2, 2); }
      g.strokeStyle = '#1b1b3a'; g.lineWidth = 6; g.lineCap = 'round';
      g.beginPath(); g.moveTo(40, 140); g.bezierCurveTo(120, 20, 160, 180, 240, 80); g.bezierCurveTo(300, 20, 360, 170, 440, 90); g.stroke();
      return c.toDataURL('image/png').split(',')[1];
    });
    const cleaned = page.waitForResponse((r) => r.url().includes('/seal-images/clean'));
    await page.locator('#clean-file').setInputFiles({ name: 'signature.png', mimeType: 'image/png', buffer: Buffer.from(b64, 'base64') });
    assert.equal((await cleaned).status(), 200);
    await page.getByTestId('clean-result').waitFor();
    await page.getByRole('img', { name: '处理前' }).waitFor();
    const [d] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /下载处理结果/ }).click()]);
    const png = readFileSync(await d.path());
    assert.equal(png.subarray(0, 8).toString('hex'), PNG);
    assert.equal(png[25], 6, 'RGBA (colour type 6): transparent background');
    await shot(page, 'seal-clean');
    page.assertNoErrors();
  });
});
