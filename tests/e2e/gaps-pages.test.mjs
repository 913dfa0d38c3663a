// Every page of every role, at 1366×768: no console errors, every control labelled and reachable with the Tab
// key, and the English switch translating the page's headings, table heads, labels and buttons. A screenshot of
// each page in Chinese, and in English for the operator.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { changeOneTimePassword, env, gotoPage, launch, openPage, shot, signIn } from './harness.mjs';

const medsignBin = process.env.E2E_MEDSIGN_BIN;
const ROLES = ['sysadmin', 'operator', 'audit_admin', 'auditor'];
let browser;
before(async () => {
  assert.ok(env.data && medsignBin, 'run through scripts/e2e.sh (E2E_DATA, E2E_MEDSIGN_BIN)');
  browser = await launch();
});
after(async () => browser?.close());

async function signInAs(role) {
  const username = `gaps-${role.replace('_', '-')}`;
  const keyFile = join(env.tmp, `${username}.key.pem`);
  const out = execFileSync(medsignBin, ['admin', '--data', env.data, 'create', username, '--role', role,
    '--display-name', `巡检 ${role}`, '--key-type', 'ecdsa-p256', '--key-out', keyFile], { encoding: 'utf8' });
  const otp = /one-time password: (\S+)/.exec(out)?.[1];
  assert.ok(otp);
  const { context, page } = await openPage(browser);
  await signIn(page, { username, password: otp, keyFile, pin: otp });
  await changeOneTimePassword(page, otp, `${username}#2026-Secure-pw`);
  return { context, page };
}

/** Controls without an accessible name, and visible controls taken out of the Tab order. */
function unlabelled(page) {
  return page.evaluate(() => {
    const visible = (el) => el.offsetParent !== null || el.getClientRects().length > 0;
    const named = (el) => (el.labels && el.labels.length > 0 && [...el.labels].some((l) => l.textContent.trim()))
      || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.getAttribute('title');
    const out = [];
    for (const el of document.querySelectorAll('main input, main select, main textarea')) {
      if (el.type === 'hidden' || !visible(el)) continue;
      if (!named(el)) out.push(`${el.tagName.toLowerCase()}#${el.id || '?'}[name=${el.name || ''}]`);
    }
    for (const el of document.querySelectorAll('main button, main a[href]')) {
      if (!visible(el)) continue;
      if (!(el.textContent.trim() || el.getAttribute('aria-label') || el.getAttribute('title'))) out.push(el.outerHTML.slice(0, 80));
      // Tabs use a roving tab stop (WAI-ARIA tabs): only the selected tab is in the Tab order, arrows move.
      const rovingTab = el.getAttribute('role') === 'tab' && el.closest('[role=tablist]')?.querySelector('[role=tab][aria-selected=true]')?.tabIndex === 0;
      if (el.tabIndex < 0 && !rovingTab) out.push('not tabbable: ' + el.outerHTML.slice(0, 80));
    }
    return out;
  });
}

/** Presses Tab from the page top until focus comes round again; answers the visible enabled controls of the
 *  main area that focus never reached. */
async function unreachable(page) {
  await page.evaluate(() => {
    document.activeElement?.blur();
    window.__reached = new Set();
    window.__mark = () => { if (document.activeElement) window.__reached.add(document.activeElement); };
  });
  let first = null;
  for (let i = 0; i < 300; i++) {
    await page.keyboard.press('Tab');
    const key = await page.evaluate(() => {
      window.__mark();
      const a = document.activeElement;
      return a ? a.outerHTML.slice(0, 120) + '@' + [...document.querySelectorAll('*')].indexOf(a) : '';
    });
    if (first === null) first = key;
    else if (key === first) break;
  }
  return page.evaluate(() => {
    const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
    const missing = [];
    for (const el of document.querySelectorAll('main button:not([disabled]), main a[href], main input:not([disabled]), main select:not([disabled]), main textarea:not([disabled])')) {
      if (el.type === 'hidden' || !visible(el) || window.__reached.has(el)) continue;
      if (el.getAttribute('role') === 'tab' && [...el.closest('[role=tablist]').querySelectorAll('[role=tab]')].some((x) => window.__reached.has(x))) continue;
      // One radio of a group is enough: arrow keys move within it.
      if (el.type === 'radio' && [...document.querySelectorAll(`input[type=radio][name="${el.name}"]`)].some((r) => window.__reached.has(r))) continue;
      missing.push(el.outerHTML.slice(0, 100));
    }
    return missing;
  });
}

/** Structural text (headings, table heads, labels, buttons) still in Chinese after switching to English.
 *  Data shown inside them (names of people, seals, demo CAs) is skipped by its data-* or code markers. */
function untranslated(page) {
  return page.evaluate(() => {
    const han = /[\u4e00-\u9fff]/;
    const out = [];
    for (const el of document.querySelectorAll('h1, h2, h3, th, label, legend, button, .stat-label, nav a')) {
      if (el.closest('.lang-switch, [data-user-content], code, .mono, .dn, td, .user-chip, [data-testid=user-chip], option')) continue;
      // Only the element's own text, without children that show data.
      let own = '';
      for (const n of el.childNodes) if (n.nodeType === 3) own += n.textContent;
      if (han.test(own)) out.push(`${el.tagName.toLowerCase()}: ${own.trim().slice(0, 60)}`);
    }
    return [...new Set(out)];
  });
}

for (const role of ROLES) {
  describe(`every page of the ${role} role`, () => {
    let ctx, page, pages;
    before(async () => {
      ({ context: ctx, page } = await signInAs(role));
      pages = await page.locator('nav.side-nav a').evaluateAll((as) => as.map((a) => a.getAttribute('href').slice(2)));
    });
    after(async () => ctx?.close());

    test('opens each page without errors; controls are labelled and reachable by keyboard', async () => {
      assert.ok(pages.length >= 3, `${role} sees ${pages.join(', ')}`);
      for (const id of pages) {
        await gotoPage(page, id);
        await page.locator('main h1').first().waitFor();
        await page.waitForLoadState('networkidle');
        if (id === 'dashboard') {
          // Trusted time next to the warnings and the request charts (ECharts canvases).
          await page.getByTestId('dash-time').getByText('可用').first().waitFor();
          for (const s of ['HTTP', 'TSA', 'SVS', 'SNTP']) await page.getByTestId('status-cards').getByText(`${s} · 运行中`).waitFor();
          assert.ok(await page.locator('main canvas').count() >= 3, 'request, latency and rate charts');
        }
        assert.deepEqual(await unlabelled(page), [], `${role} ${id}: unlabelled or untabbable controls`);
        assert.deepEqual(await unreachable(page), [], `${role} ${id}: controls the Tab key never reaches`);
        await page.evaluate(() => document.activeElement?.blur());
        await shot(page, `gaps-${role}-${id}`);
      }
      page.assertNoErrors();
    });

    test('switches every page to English and back', async () => {
      await page.getByRole('button', { name: '界面语言' }).click();
      for (const id of pages) {
        await gotoPage(page, id);
        await page.locator('main h1').first().waitFor();
        await page.waitForLoadState('networkidle');
        assert.deepEqual(await untranslated(page), [], `${role} ${id}: Chinese left in English mode`);
        if (role === 'operator') await shot(page, `gaps-${role}-${id}-en`);
      }
      await page.getByRole('button', { name: 'Language' }).click();
      await page.locator('nav.side-nav').getByText('修改密码').waitFor();
      page.assertNoErrors();
    });
  });
}
