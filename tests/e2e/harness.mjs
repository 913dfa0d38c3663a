// Shared pieces of the console e2e tests: Chromium, pages that fail on console errors, sign-in, screenshots.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const env = {
  base: process.env.E2E_BASE_URL ?? 'http://127.0.0.1:8080',
  data: process.env.E2E_DATA,
  tmp: process.env.E2E_TMP ?? '/tmp',
  shots: process.env.E2E_SHOTS ?? 'build/e2e-screenshots',
  sysadminPw: process.env.E2E_SYSADMIN_PW,
  auditadminPw: process.env.E2E_AUDITADMIN_PW,
  heartbeatS: Number(process.env.E2E_HEARTBEAT_S ?? 3),
  graceS: Number(process.env.E2E_GRACE_S ?? 2),
};

export async function launch() {
  mkdirSync(env.shots, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/**
 * A fresh context + page at 1366×768. Every console error or page error fails the test, except
 * "Failed to load resource" for HTTP answers the test announced with page.expectHttpError(status, urlPart).
 */
export async function openPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, acceptDownloads: true, locale: 'zh-CN' });
  const page = await context.newPage();
  const errors = [];
  const allowed = [];
  const badResponses = [];
  page.on('pageerror', (e) => errors.push('pageerror: ' + e.message));
  page.on('response', (r) => {
    if (r.status() >= 400) badResponses.push({ status: r.status(), url: r.url() });
  });
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const text = m.text();
    const url = m.location()?.url ?? '';
    const m2 = /status of (\d+)/.exec(text);
    if (m2 && allowed.some((a) => a.status === Number(m2[1]) && url.includes(a.urlPart))) return;
    errors.push(`console: ${text} @ ${url}`);
  });
  page.expectHttpError = (status, urlPart) => allowed.push({ status, urlPart });
  page.assertNoErrors = () => {
    const unexpected = badResponses.filter((b) => !allowed.some((a) => a.status === b.status && b.url.includes(a.urlPart)));
    assert.deepEqual(errors, [], 'browser console errors');
    assert.deepEqual(unexpected, [], 'unexpected HTTP errors');
  };
  page.api = async (path) => {
    const r = await page.request.get(env.base + path);
    return { status: r.status(), body: r.headers()['content-type']?.includes('json') ? await r.json() : await r.text() };
  };
  return { context, page };
}

let shotNo = 0;
export async function shot(page, name) {
  shotNo += 1;
  await page.evaluate(() => window.scrollTo(0, 0)); // a sticky header would otherwise land mid-image
  await page.waitForTimeout(300); // let charts finish drawing
  const file = join(env.shots, `${String(shotNo).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export async function signIn(page, { username, password, keyFile, pin }) {
  await page.goto(env.base + '/');
  await page.locator('#login-username').fill(username);
  await page.locator('#login-password').fill(password);
  await page.locator('input[name=keyfile]').setInputFiles(keyFile);
  await page.locator('#login-pin').fill(pin);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByTestId('user-chip').waitFor();
}

/** The forced first change of a one-time password. */
export async function changeOneTimePassword(page, oldPw, newPw) {
  await page.getByText('必须先修改一次性密码').waitFor();
  await page.locator('#pw-old').fill(oldPw);
  await page.locator('#pw-new').fill(newPw);
  await page.locator('#pw-repeat').fill(newPw);
  await page.getByRole('button', { name: '修改密码' }).last().click();
  await page.getByText('密码已修改').waitFor();
}

export async function navLabels(page) {
  return page.locator('nav.side-nav a').evaluateAll((as) => as.map((a) => a.lastChild.textContent.trim()));
}

export async function gotoPage(page, id) {
  await page.locator(`nav.side-nav a[href="#/${id}"]`).click();
  await page.locator(`nav.side-nav a[href="#/${id}"][aria-current=page]`).waitFor();
}
