// PDF stamping and verification: an operator opens a PDF in the pdf.js viewer, drags the RSA demo seal to a
// spot, stamps; the downloaded PDF verifies with pdfsig and shows red seal pixels where the seal was dropped
// (pdftoppm); a second stamp with a timestamp goes onto a rotated page, a third is placed by keyword; the
// verification page reports the file as valid, with the time of the second signature from the timestamp.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { env, gotoPage, launch, shot } from './harness.mjs';
import { signInNewOperator } from './operator.mjs';

/** A two-page PDF written by hand: page 1 A4 portrait, page 2 A4 with /Rotate 90; Helvetica text. */
function samplePdf() {
  const text = (lines) => lines.map(([x, y, s, str]) => `BT /F1 ${s} Tf ${x} ${y} Td (${str}) Tj ET`).join('\n');
  const c1 = text([[72, 770, 20, 'Discharge summary'], [72, 740, 11, 'Patient: Test Patient  MRN 000123'],
    [72, 300, 12, 'Physician signature:']]) + '\n0.6 g 72 280 450 0.8 re f';
  const c2 = text([[72, 770, 16, 'Consent form (rotated page)'], [72, 200, 12, 'Signature:']]);
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 6 0 R >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Rotate 90 /Resources << /Font << /F1 5 0 R >> >> /Contents 7 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    `<< /Length ${c1.length} >>\nstream\n${c1}\nendstream`,
    `<< /Length ${c2.length} >>\nstream\n${c2}\nendstream`,
  ];
  let out = '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n';
  const offsets = [];
  objs.forEach((o, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** Red pixels of page `n` rendered at 72 dpi (1 px = 1 pt as displayed), inside and outside a box. */
function redPixels(pdf, n, box) {
  const prefix = join(env.tmp, `page-${n}`);
  execFileSync('pdftoppm', ['-r', '72', '-f', String(n), '-l', String(n), '-singlefile', pdf, prefix]);
  const ppm = readFileSync(prefix + '.ppm');
  const m = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(ppm.subarray(0, 40).toString('latin1'));
  const [w, h, off] = [Number(m[1]), Number(m[2]), m[0].length];
  let inside = 0, outside = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = off + (y * w + x) * 3;
      if (ppm[i] > 150 && ppm[i + 1] < 90 && ppm[i + 2] < 90) {
        if (x >= box.x && x <= box.x + box.w && y >= box.y && y <= box.y + box.h) inside++;
        else outside++;
      }
    }
  }
  return { inside, outside, w, h };
}

let browser, ctx, page, signedPath, lastSignUrl;
const inputPath = () => join(env.tmp, 'discharge.pdf');
before(async () => {
  browser = await launch();
  ({ context: ctx, page } = await signInNewOperator(browser, 'pdf-op', '褚医生'));
  writeFileSync(inputPath(), samplePdf());
});
after(async () => {
  await ctx?.close();
  await browser?.close();
});

async function rendered() {
  await page.locator('[data-testid=pdf-canvas][data-rendered=true]').waitFor();
}

/** Drags the seal overlay so that its top-left corner lands at (px, py) CSS pixels on the page. */
async function dragSealTo(px, py) {
  await page.getByTestId('seal-overlay').scrollIntoViewIfNeeded();
  const canvas = await page.getByTestId('pdf-canvas').boundingBox();
  const seal = await page.getByTestId('seal-overlay').boundingBox();
  const grabX = seal.x + seal.width / 2, grabY = seal.y + seal.height / 2;
  await page.mouse.move(grabX, grabY);
  await page.mouse.down();
  await page.mouse.move(canvas.x + px + seal.width / 2 - 40, canvas.y + py + seal.height / 2 - 40, { steps: 4 });
  await page.mouse.move(canvas.x + px + seal.width / 2, canvas.y + py + seal.height / 2, { steps: 4 });
  await page.mouse.up();
  return { scale: canvas.width / 595, size: seal.width };
}

async function stampAndDownload(name) {
  const signed = page.waitForResponse((r) => r.url().includes('/api/v1/pdf/sign'));
  await page.getByRole('button', { name: '签章', exact: true }).click();
  const res = await signed;
  assert.equal(res.status(), 200, await res.text());
  lastSignUrl = res.url();
  await page.getByTestId('pdf-signed').waitFor();
  await rendered();
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /下载已签章 PDF/ }).click()]);
  const path = join(env.tmp, name);
  await dl.saveAs(path);
  return path;
}

describe('PDF stamping and verification (operator)', () => {
  test('opens the PDF, drags the RSA demo seal to a spot, stamps; pdfsig and pdftoppm confirm', async () => {
    await gotoPage(page, 'pdf-sign');
    await shot(page, 'pdf-empty');
    await page.locator('#pdf-file').setInputFiles(inputPath());
    await rendered();
    await page.getByTestId('pdf-page-of').getByText('第 1 / 2 页').waitFor();
    const rsa = await page.locator('#pdf-seal option').evaluateAll((os) => os.find((o) => o.textContent.includes('RSA'))?.value);
    assert.ok(rsa, 'the RSA demo seal is offered');
    await page.locator('#pdf-seal').selectOption(rsa);
    await page.getByTestId('seal-overlay').waitFor();

    const { scale } = await dragSealTo(330 * (600 / 595), 200 * (600 / 595));
    const x = Number(await page.locator('#pdf-x').inputValue());
    const y = Number(await page.locator('#pdf-y').inputValue());
    assert.ok(Math.abs(x - 330) < 3 && Math.abs(y - 200) < 3, `the fields follow the drag (${x}, ${y}; scale ${scale})`);
    // The keyboard alternative moves the seal and keeps the fields in step.
    await page.getByTestId('seal-overlay').focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    assert.equal(Number(await page.locator('#pdf-x').inputValue()), Math.round((x + 2) * 10) / 10);
    await page.locator('#pdf-reason').fill('同意出院');
    await shot(page, 'pdf-placed');

    signedPath = await stampAndDownload('discharge-signed.pdf');
    assert.equal(await page.getByTestId('seal-overlay').count(), 0, 'the signed PDF is shown without the drag handle');
    await shot(page, 'pdf-signed');

    const sig = execFileSync('pdfsig', [signedPath], { encoding: 'utf8' });
    assert.match(sig, /Signature #1/);
    assert.match(sig, /Signature Validation: Signature is Valid\./, sig);
    assert.match(sig, /Total document signed/);

    const sealPt = 40 * 72 / 25.4; // the demo seals are 40 mm
    const red = redPixels(signedPath, 1, { x: x + 2 - 2, y: y + 2 - 2, w: sealPt + 4, h: sealPt + 4 });
    assert.ok(red.inside > 400, `red seal pixels where the seal was dropped (${red.inside})`);
    assert.ok(red.outside < red.inside / 50, `hardly any red elsewhere (${red.outside})`);
    page.assertNoErrors();
  });

  test('stamps again on the rotated page 2 at the spot chosen in the viewer', async () => {
    await page.locator('#pdf-file').setInputFiles(signedPath);
    await rendered();
    await page.getByTestId('pdf-page-of').getByText('第 1 / 2 页').waitFor();
    await page.getByRole('button', { name: '下一页' }).click();
    await page.getByTestId('pdf-page-of').getByText('第 2 / 2 页').waitFor();
    await rendered();
    // Page 2 is shown landscape (842 × 595 pt): use the number fields, the keyboard alternative to the drag.
    await page.locator('#pdf-x').fill('600');
    await page.locator('#pdf-y').fill('60');
    await page.locator('#pdf-certify').selectOption('none');
    await page.locator('#pdf-tsa').selectOption('default'); // PAdES B-T with the default TSA unit
    await shot(page, 'pdf-rotated-placed');
    const twice = await stampAndDownload('discharge-signed-twice.pdf');
    const sig = execFileSync('pdfsig', [twice], { encoding: 'utf8' });
    assert.match(sig, /Signature #2/);
    assert.equal((sig.match(/Signature is Valid\./g) ?? []).length, 2, sig);
    const sealPt = 40 * 72 / 25.4;
    const red = redPixels(twice, 2, { x: 598, y: 58, w: sealPt + 4, h: sealPt + 4 });
    assert.equal(red.w, 842, 'page 2 renders landscape');
    assert.ok(red.inside > 400, `red seal pixels at the chosen spot on the rotated page (${red.inside}, ${red.outside} elsewhere; ${lastSignUrl})`);
    assert.ok(red.outside < red.inside / 50, `hardly any red elsewhere (${red.outside})`);
    signedPath = twice;
    page.assertNoErrors();
  });

  test('places a seal by keyword instead of by position', async () => {
    await page.locator('#pdf-file').setInputFiles(inputPath());
    await rendered();
    await page.getByTestId('pdf-page-of').getByText('第 1 / 2 页').waitFor();
    await page.getByRole('radio', { name: '关键字定位' }).check();
    await page.locator('#pdf-keyword').fill('Physician signature');
    assert.equal(await page.getByTestId('seal-overlay').count(), 0, 'no drag handle in keyword mode');
    await shot(page, 'pdf-keyword');
    const path = await stampAndDownload('discharge-keyword.pdf');
    const sig = execFileSync('pdfsig', [path], { encoding: 'utf8' });
    assert.match(sig, /Signature Validation: Signature is Valid\./, sig);
    // The text sits at y = 300 pt from the bottom (542 pt from the top), x 72..185: the seal is centred on it.
    const red = redPixels(path, 1, { x: 40, y: 542 - 90, w: 200, h: 180 });
    assert.ok(red.inside > 400, `red seal pixels around the keyword (${red.inside})`);
    assert.ok(red.outside < red.inside / 50, `hardly any red elsewhere (${red.outside})`);
    await page.getByRole('radio', { name: '指定位置' }).check();
    page.assertNoErrors();
  });

  test('the verification page reports the stamped PDF as valid', async () => {
    await gotoPage(page, 'pdf-verify');
    await shot(page, 'pdf-verify-empty');
    const verified = page.waitForResponse((r) => r.url().includes('/api/v1/pdf/verify'));
    await page.locator('#verify-file').setInputFiles(signedPath);
    assert.equal((await verified).status(), 200);
    const verdict = page.getByTestId('verify-verdict');
    await verdict.waitFor();
    assert.equal(await verdict.getAttribute('data-status'), 'valid');
    await verdict.getByText('所有签章均有效').waitFor();
    const cards = page.getByTestId('signature-report');
    assert.equal(await cards.count(), 2);
    assert.equal(await cards.nth(0).getAttribute('data-status'), 'valid');
    await cards.nth(0).getByText('未被篡改').waitFor();
    await cards.nth(0).getByText('同意出院').waitFor();
    await cards.nth(0).getByText('可信', { exact: true }).waitFor();
    await cards.nth(1).getByText('覆盖整个文档').waitFor();
    await cards.nth(0).getByText('签章人声明（未经证明）').waitFor();
    await cards.nth(1).getByText('来自可信时间戳').waitFor();
    await shot(page, 'pdf-verify-report');
    await page.getByText('原始验证报告（JSON）').click();
    const raw = JSON.parse(await page.getByTestId('verify-raw').textContent());
    assert.equal(raw.status, 'valid');
    assert.equal(raw.signatures.length, 2);
    await page.getByRole('button', { name: '界面语言' }).click();
    await verdict.getByText('All signatures are valid').waitFor();
    await cards.nth(0).getByText('Unaltered').waitFor();
    await shot(page, 'pdf-verify-report-en');
    page.assertNoErrors();
  });
});
