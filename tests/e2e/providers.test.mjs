// Crypto providers on the keys page: an operator sees the providers with their status, generates an SM2 key
// with a label and an access password in the soft provider, sees it listed, downloads its public key (read
// by openssl), and on the timestamps page generates a TSA unit key inside that provider.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { env, gotoPage, launch, shot } from './harness.mjs';
import { openssl, signInNewOperator } from './operator.mjs';

const LABEL = 'e2e-ward-7';
const UNIT = 'e2e-prov-unit';

let browser, ctx, page;
before(async () => {
  browser = await launch();
  ({ context: ctx, page } = await signInNewOperator(browser, 'prov-op', '钱工程师'));
});
after(async () => {
  await ctx?.close();
  await browser?.close();
});

describe('crypto providers (operator)', () => {
  test('lists the providers and generates a key in the soft provider', async () => {
    await gotoPage(page, 'keys');
    const soft = page.getByTestId('providers').locator('tr[data-provider="soft"]');
    await soft.getByText('可用').waitFor();
    const panel = page.getByTestId('provider-keys-soft');
    await panel.getByRole('button', { name: /生成密钥/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('#prov-gen-alg').selectOption('sm2');
    await dialog.locator('#prov-gen-label').fill(LABEL);
    await dialog.locator('#prov-gen-password').fill('e2e-access-pw-1');
    await shot(page, 'providers-generate');
    await dialog.getByRole('button', { name: '生成密钥' }).click();
    await dialog.waitFor({ state: 'detached' });
    const row = panel.locator('tr', { hasText: LABEL });
    await row.waitFor();
    assert.match(await row.innerText(), /SM2/);
    assert.match(await row.innerText(), /已设置/);
    await soft.locator('td').nth(3).getByText('1').waitFor();
    await shot(page, 'providers-keys');

    const listed = (await page.api('/api/v1/providers/soft/keys')).body.keys;
    const key = listed.find((k) => k.label === LABEL);
    assert.equal(key?.algorithm, 'sm2');
    assert.equal(key?.has_password, true);
    page.assertNoErrors();
  });

  test('downloads the public key as PEM that openssl reads', async () => {
    const row = page.getByTestId('provider-keys-soft').locator('tr', { hasText: LABEL });
    const [d] = await Promise.all([page.waitForEvent('download'), row.getByRole('button', { name: '下载公钥' }).click()]);
    assert.match(d.suggestedFilename(), /^soft-\d+\.pub\.pem$/);
    const pem = readFileSync(await d.path(), 'utf8');
    assert.match(pem, /^-----BEGIN PUBLIC KEY-----/);
    const file = join(env.tmp, 'provider-key.pub.pem');
    writeFileSync(file, pem);
    assert.match(openssl(['pkey', '-pubin', '-in', file, '-noout', '-text']), /SM2|sm2/);
    page.assertNoErrors();
  });

  test('generates a TSA unit key inside the soft provider from the timestamps page', async () => {
    await gotoPage(page, 'timestamps');
    await page.getByRole('button', { name: /生成时间戳密钥/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('#tsa-gen-name').fill(UNIT);
    await dialog.locator('#tsa-gen-alg').selectOption('sm2');
    await dialog.locator('#tsa-gen-where').selectOption('soft');
    await dialog.locator('#tsa-gen-password').fill('e2e-unit-pw-1');
    await shot(page, 'providers-tsa-generate');
    await dialog.getByRole('button', { name: '下一步' }).click();
    await dialog.getByText('密钥位置: 软件密码模块').waitFor();
    await dialog.getByRole('button', { name: '生成密钥' }).click();
    await page.locator(`tr[data-unit="${UNIT}"]`).waitFor();
    const keys = (await page.api('/api/v1/providers/soft/keys')).body.keys;
    assert.equal(keys.length, 2, 'the unit key was generated in the soft provider');
    page.assertNoErrors();
  });
});
