// End-to-end tests of the web console: each of the four roles signs in with password + soft key in real
// Chromium against a real `medsign serve`, and carries out every page's main action.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { changeOneTimePassword, env, gotoPage, launch, navLabels, openPage, shot, signIn } from './harness.mjs';

const NEW_PW = {
  sysadmin: 'Sys-Admin#2025-secure',
  auditadmin: 'Audit-Admin#2025-secure',
  op1: 'Operator#2025-secure',
  aud1: 'Auditor#2025-secure',
};
const people = {}; // username -> { otp, keyFile }

let browser;
before(async () => {
  assert.ok(env.data && env.sysadminPw && env.auditadminPw, 'run through scripts/e2e.sh (E2E_* variables)');
  browser = await launch();
});
after(async () => browser?.close());

async function createAccount(page, { username, displayName, role, keyType }) {
  await page.getByRole('button', { name: '新建账户' }).click();
  const dlg = page.getByRole('dialog');
  await dlg.locator('#new-username').fill(username);
  await dlg.locator('#new-display').fill(displayName);
  await dlg.locator('#new-role').selectOption(role);
  await dlg.locator('#new-keytype').selectOption(keyType);
  await dlg.getByRole('button', { name: '新建账户' }).click();
  const otp = (await page.getByTestId('one-time-password').innerText()).trim();
  assert.match(otp, /^\S{8,}$/);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /下载软密钥文件/ }).click()]);
  assert.equal(download.suggestedFilename(), `${username}.key.pem`);
  const keyFile = join(env.tmp, `${username}.key.pem`);
  await download.saveAs(keyFile);
  assert.match(readFileSync(keyFile, 'utf8'), /BEGIN ENCRYPTED PRIVATE KEY/);
  people[username] = { otp, keyFile };
  return { otp, keyFile };
}

describe('sysadmin (bootstrap SM2 key)', () => {
  let ctx, page;
  before(async () => ({ context: ctx, page } = await openPage(browser)));
  after(async () => ctx?.close());

  test('login page is in Chinese and switches to English', async () => {
    await page.goto(env.base + '/');
    await page.getByRole('heading', { name: '管理员登录' }).waitFor();
    await shot(page, 'login-zh');
    await page.getByRole('button', { name: '界面语言' }).click();
    await page.getByRole('heading', { name: 'Administrator sign-in' }).waitFor();
    await shot(page, 'login-en');
    await page.getByRole('button', { name: 'Language' }).click();
    await page.getByRole('heading', { name: '管理员登录' }).waitFor();
    page.assertNoErrors();
  });

  test('a wrong PIN is refused before anything is sent', async () => {
    await page.locator('#login-username').fill('sysadmin');
    await page.locator('#login-password').fill(env.sysadminPw);
    await page.locator('input[name=keyfile]').setInputFiles(join(env.data, 'bootstrap/sysadmin.key.pem'));
    await page.locator('#login-pin').fill('not-the-pin');
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByText('PIN 码错误').waitFor();
    page.assertNoErrors();
  });

  test('signs in with password + SM2 soft key and must change the one-time password', async () => {
    await signIn(page, { username: 'sysadmin', password: env.sysadminPw, keyFile: join(env.data, 'bootstrap/sysadmin.key.pem'), pin: env.sysadminPw });
    assert.deepEqual(await navLabels(page), ['修改密码'], 'only the password page before the change');
    await shot(page, 'sysadmin-forced-password');
    await changeOneTimePassword(page, env.sysadminPw, NEW_PW.sysadmin);
    const me = await page.api('/api/v1/auth/me');
    assert.equal(me.body.must_change_password, false);
    assert.deepEqual(await navLabels(page), ['运行概览', '时间源', '管理员账户', '系统配置', '备份与恢复', '修改密码']);
    page.assertNoErrors();
  });

  test('dashboard shows status and request charts from /metrics', async () => {
    await gotoPage(page, 'dashboard');
    const status = await page.api('/api/v1/system/status');
    await page.getByTestId('version').getByText(status.body.version).waitFor();
    await page.getByText('HTTP · 运行中').waitFor();
    await page.waitForTimeout(5500); // two /metrics readings give a rate point
    assert.ok((await page.locator('canvas').count()) >= 3, 'three charts are drawn');
    await shot(page, 'sysadmin-dashboard');
    page.assertNoErrors();
  });

  test('creates an operator (ECDSA soft key), locks and unlocks it', async () => {
    await gotoPage(page, 'accounts');
    await page.locator('tr[data-username=sysadmin]').waitFor();
    await createAccount(page, { username: 'op1', displayName: '王工程师', role: 'operator', keyType: 'ecdsa-p256' });
    await shot(page, 'sysadmin-account-created');
    await page.getByRole('dialog').getByRole('button', { name: '关闭' }).first().click();
    const row = page.locator('tr[data-username=op1]');
    await row.getByText('待改密').waitFor();

    await row.getByRole('button', { name: '锁定' }).click();
    await page.locator('#lock-reason').fill('休假期间停用');
    await page.getByRole('dialog').getByRole('button', { name: '锁定' }).click();
    await row.getByText('已锁定').waitFor();
    let list = (await page.api('/api/v1/accounts')).body.accounts;
    let op1 = list.find((a) => a.username === 'op1');
    assert.equal(op1.locked, true);
    assert.equal(op1.lock_reason, '休假期间停用');
    await shot(page, 'sysadmin-accounts-locked');

    await row.getByRole('button', { name: '解锁' }).click();
    await row.getByText('正常').waitFor();
    list = (await page.api('/api/v1/accounts')).body.accounts;
    op1 = list.find((a) => a.username === 'op1');
    assert.equal(op1.locked, false);
    page.assertNoErrors();
  });

  test('creates a second account, resets its password and changes its role', async () => {
    await createAccount(page, { username: 'op2', displayName: '李工程师', role: 'operator', keyType: 'rsa-2048' });
    await page.getByRole('dialog').getByRole('button', { name: '关闭' }).first().click();
    const row = page.locator('tr[data-username=op2]');
    page.once('dialog', (d) => d.accept());
    await row.getByRole('button', { name: '重置密码' }).click();
    await page.getByRole('heading', { name: '密码已重置' }).waitFor();
    const otp = (await page.getByTestId('one-time-password').innerText()).trim();
    assert.notEqual(otp, people.op2.otp);
    await page.getByRole('dialog').getByRole('button', { name: '关闭' }).first().click();

    await row.getByRole('button', { name: '变更角色' }).click();
    await page.locator('#role-select').selectOption('sysadmin');
    await page.getByRole('dialog').getByRole('button', { name: '保存' }).click();
    await row.getByText('系统管理员').waitFor();
    const op2 = (await page.api('/api/v1/accounts')).body.accounts.find((a) => a.username === 'op2');
    assert.equal(op2.role, 'sysadmin');
    await shot(page, 'sysadmin-accounts');
    page.assertNoErrors();
  });

  test('configuration: table, settings export, import with a validation error, valid import', async () => {
    await gotoPage(page, 'config');
    await page.locator('td', { hasText: 'heartbeat_interval_s' }).first().waitFor();
    await shot(page, 'sysadmin-config');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /导出设置文件/ }).click()]);
    const exported = readFileSync(await download.path(), 'utf8');
    assert.match(exported, /\[server\]/);

    await page.getByRole('button', { name: '载入当前设置' }).click();
    await page.waitForFunction(() => document.querySelector('#settings-text').value.includes('[server]'));
    assert.equal(await page.locator('#settings-text').inputValue(), exported);

    page.expectHttpError(400, '/api/v1/system/settings');
    const broken = exported.replace(/heartbeat_interval_s = \d+/, 'heartbeat_interval_s = "often"');
    assert.notEqual(broken, exported);
    await page.locator('#settings-text').fill(broken);
    await page.getByRole('button', { name: '校验并导入' }).click();
    const err = page.getByRole('alert').filter({ hasText: '设置文件未通过校验' });
    await err.waitFor();
    await shot(page, 'sysadmin-config-invalid');

    await page.locator('#settings-text').fill(exported);
    await page.getByRole('button', { name: '校验并导入' }).click();
    await page.getByText('设置已保存，重启服务后生效').waitFor();
    page.assertNoErrors();
  });

  test('time sources page: usable, no sources configured, live offset chart', async () => {
    await checkTimePage(page, 'sysadmin');
    page.assertNoErrors();
  });

  test('backup page downloads an encrypted backup and keeps the CLI commands', async () => {
    await gotoPage(page, 'backup');
    await page.getByText('medsign restore', { exact: false }).first().waitFor();
    const submit = page.getByRole('button', { name: '生成并下载备份' });
    await page.locator('#backup-pass').fill('Backup#2025-pass');
    await page.locator('#backup-repeat').fill('Backup#2025-typo');
    assert.equal(await submit.isDisabled(), true, 'mismatched passphrases are refused');
    await page.locator('#backup-repeat').fill('Backup#2025-pass');
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30000 }), submit.click()]);
    assert.match(download.suggestedFilename(), /^medsign-\d{4}-\d{2}-\d{2}\.msbak$/);
    const archive = readFileSync(await download.path());
    assert.ok(archive.length > 64, 'the archive is not empty');
    assert.equal(archive.subarray(0, 6).toString('latin1'), 'MSBAK1');
    await page.getByTestId('backup-done').waitFor();
    await shot(page, 'sysadmin-backup');
    await page.getByRole('button', { name: '退出登录' }).click();
    await page.getByText('您已安全退出').waitFor();
    assert.equal((await page.api('/api/v1/auth/me')).status, 401);
    page.expectHttpError(401, '/api/v1/auth/me');
    page.assertNoErrors();
  });
});

describe('audit_admin (bootstrap SM2 key)', () => {
  let ctx, page;
  before(async () => ({ context: ctx, page } = await openPage(browser)));
  after(async () => ctx?.close());

  test('signs in, changes password, sees only its pages', async () => {
    await signIn(page, { username: 'auditadmin', password: env.auditadminPw, keyFile: join(env.data, 'bootstrap/auditadmin.key.pem'), pin: env.auditadminPw });
    await changeOneTimePassword(page, env.auditadminPw, NEW_PW.auditadmin);
    assert.deepEqual(await navLabels(page), ['运行概览', '时间源', '审计员账户', '时间戳服务', '签名服务', '签章验证', '审计日志', '修改密码']);
    page.assertNoErrors();
  });

  test('creates an auditor (RSA soft key); lists only audit accounts', async () => {
    await gotoPage(page, 'accounts');
    await page.locator('tr[data-username=auditadmin]').waitFor();
    await createAccount(page, { username: 'aud1', displayName: '赵审计', role: 'auditor', keyType: 'rsa-2048' });
    await page.getByRole('dialog').getByRole('button', { name: '关闭' }).first().click();
    await page.locator('tr[data-username=aud1]').waitFor();
    const list = (await page.api('/api/v1/accounts')).body.accounts;
    assert.deepEqual(list.map((a) => a.role).sort(), ['audit_admin', 'auditor']);
    assert.equal(await page.locator('tr[data-username=sysadmin]').count(), 0);
    await shot(page, 'auditadmin-accounts');
    page.assertNoErrors();
  });

  test('reads the audit log and verifies the chain', async () => {
    await gotoPage(page, 'audit');
    await page.getByTestId('verify-card').getByRole('button', { name: /校验审计链/ }).click();
    await page.getByTestId('verify-result').getByText('审计链完整').waitFor();
    assert.equal(await page.getByRole('button', { name: '复核' }).count(), 0, 'audit_admin may not review');
    await shot(page, 'auditadmin-audit');
    page.assertNoErrors();
  });

  test('opens the time sources page and reads the TSA units (read-only)', async () => {
    await checkTimePage(page, 'auditadmin');
    await gotoPage(page, 'timestamps');
    const units = (await page.api('/api/v1/tsa/units')).body.units;
    for (const u of units) await page.locator(`tr[data-unit="${u.name}"]`).waitFor();
    page.assertNoErrors();
  });
});

describe('operator (ECDSA P-256 soft key made in the console)', () => {
  let ctx, page;
  before(async () => ({ context: ctx, page } = await openPage(browser)));
  after(async () => ctx?.close());

  test('signs in with the downloaded key and lists keys', async () => {
    await signIn(page, { username: 'op1', password: people.op1.otp, keyFile: people.op1.keyFile, pin: people.op1.otp });
    await changeOneTimePassword(page, people.op1.otp, NEW_PW.op1);
    assert.deepEqual(await navLabels(page), ['运行概览', '时间源', '密钥管理', '证书与信任', '证书签发', '时间戳服务', '签名服务', '印章图像', '电子印章', 'PDF签章', '签章验证', '修改密码']);
    await gotoPage(page, 'keys');
    const keys = (await page.api('/api/v1/keys')).body.keys;
    assert.ok(keys.length > 0);
    for (const k of keys) await page.locator(`tr[data-key="${k.name}"]`).waitFor();
    await shot(page, 'operator-keys');
    await gotoPage(page, 'dashboard');
    await page.getByTestId('status-cards').waitFor();
    await shot(page, 'operator-dashboard');
    page.assertNoErrors();
  });

  test('time sources page', async () => {
    await checkTimePage(page, 'operator');
    page.assertNoErrors();
  });

  test('sees the TSA units and finds a token issued by POST /tsa/ecdsa by imprint and serial', async () => {
    const { imprint, reply } = await issueTimestamp('ecdsa');
    assert.ok(reply.length > 100, 'a TimeStampResp came back');

    await gotoPage(page, 'timestamps');
    const units = (await page.api('/api/v1/tsa/units')).body.units;
    assert.ok(units.some((u) => u.name === 'ecdsa'), 'an ecdsa unit exists');
    for (const u of units) await page.locator(`tr[data-unit="${u.name}"]`).waitFor();
    const def = units.find((u) => u.default);
    await page.locator(`tr[data-unit="${def.name}"]`).getByText('默认').waitFor();
    const [chain] = await Promise.all([page.waitForEvent('download'),
      page.locator('tr[data-unit="ecdsa"]').getByRole('button', { name: /下载 PEM/ }).click()]);
    assert.equal(chain.suggestedFilename(), 'tsa-ecdsa-chain.pem');
    assert.match(readFileSync(await chain.path(), 'utf8'), /BEGIN CERTIFICATE/);

    const found = (await page.api(`/api/v1/tsa/tokens?imprint=${imprint}`)).body;
    assert.equal(found.total, 1);
    const serial = found.items[0].serial;
    assert.equal(found.items[0].unit, 'ecdsa');

    await page.locator('#t-imprint').fill(imprint.toUpperCase());
    await page.locator('#t-unit').selectOption('ecdsa');
    await page.getByRole('button', { name: '查询' }).click();
    await page.getByTestId('token-total').getByText('共 1 条').waitFor();
    const row = page.locator(`tr[data-serial="${serial}"]`);
    await row.waitFor();
    await shot(page, 'operator-timestamps');

    await row.getByRole('button', { name: /详情/ }).click();
    const details = page.getByTestId('token-details');
    await details.getByText('签名有效').waitFor();
    await details.getByText(imprint).waitFor();
    await shot(page, 'operator-token-details');
    const [tsr] = await Promise.all([page.waitForEvent('download'),
      page.getByRole('dialog').getByRole('link', { name: /下载响应/ }).click()]);
    assert.equal(tsr.suggestedFilename(), `${serial}.tsr`);
    const tsrBytes = readFileSync(await tsr.path());
    assert.equal(tsrBytes[0], 0x30, 'a DER TimeStampResp');
    await page.getByRole('dialog').getByRole('button', { name: '关闭' }).click();

    await page.getByRole('button', { name: '重置' }).click();
    await page.locator('#t-serial').fill(serial);
    await page.getByRole('button', { name: '查询' }).click();
    await page.getByTestId('token-total').getByText('共 1 条').waitFor();
    await row.waitFor();
    const [again] = await Promise.all([page.waitForEvent('download'), row.getByRole('link', { name: /下载/ }).click()]);
    assert.deepEqual(readFileSync(await again.path()), tsrBytes);
    page.assertNoErrors();
  });
  test('registers a business application, uses its one-time secret and finds the call in the signing log', async () => {
    await gotoPage(page, 'signing');
    await page.locator('tr[data-key-index="1"]').waitFor();
    await page.getByRole('button', { name: /注册应用/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('#app-name').fill('EMR 电子病历');
    await dialog.getByLabel(/1 · sm2-sign/).check();
    await shot(page, 'operator-signing-register');
    await dialog.getByRole('button', { name: '注册' }).click();
    const id = (await page.getByTestId('app-id').textContent()).trim();
    const secret = (await page.getByTestId('app-secret').textContent()).trim();
    assert.match(id, /^app-[0-9a-f]{16}$/);
    assert.ok(secret.length >= 30);
    await shot(page, 'operator-signing-secret');
    await page.getByRole('dialog').getByRole('button', { name: '关闭' }).first().click();
    await page.locator('tr[data-app="EMR 电子病历"]').getByText('启用').first().waitFor();

    // The business system signs with its credentials; the call is in the log.
    const auth = 'Basic ' + Buffer.from(`${id}:${secret}`).toString('base64');
    const res = await fetch(`${env.base}/api/v1/svs/sign-data`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: auth },
      body: JSON.stringify({ key: '1', data: Buffer.from('病历 0042').toString('base64') }),
    });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).algorithm, 'sm2-sm3');
    const denied = await fetch(`${env.base}/api/v1/svs/sign-data`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: auth },
      body: JSON.stringify({ key: '2', data: 'AA==' }),
    });
    assert.equal(denied.status, 403, 'key 2 was not granted');

    await page.locator('#svs-app').fill(id);
    await page.getByRole('button', { name: '查询' }).click();
    await page.locator('tbody tr[data-log-id]').nth(1).waitFor();
    assert.equal(await page.locator('tbody tr[data-log-id]').count(), 2);
    await shot(page, 'operator-signing');

    // Disabling the application stops it at once.
    await page.locator('tr[data-app="EMR 电子病历"]').getByRole('button', { name: '停用' }).click();
    await page.locator('tr[data-app="EMR 电子病历"]').getByText('停用').first().waitFor();
    const off = await fetch(`${env.base}/api/v1/svs/hash`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: auth },
      body: JSON.stringify({ data: 'AA==' }),
    });
    assert.equal(off.status, 401);
    page.assertNoErrors();
  });
});

describe('auditor (RSA-2048 soft key made in the console)', () => {
  let ctx, page;
  before(async () => ({ context: ctx, page } = await openPage(browser)));
  after(async () => ctx?.close());

  test('signs in and changes the one-time password', async () => {
    await signIn(page, { username: 'aud1', password: people.aud1.otp, keyFile: people.aud1.keyFile, pin: people.aud1.otp });
    await changeOneTimePassword(page, people.aud1.otp, NEW_PW.aud1);
    assert.deepEqual(await navLabels(page), ['运行概览', '时间源', '时间戳服务', '签名服务', '签章验证', '审计日志', '修改密码']);
    page.assertNoErrors();
  });

  test('time sources page and the token log (read-only)', async () => {
    await checkTimePage(page, 'auditor');
    await gotoPage(page, 'timestamps');
    const total = (await page.api('/api/v1/tsa/tokens')).body.total;
    assert.ok(total >= 1, 'the operator issued a token');
    await page.getByTestId('token-total').getByText(`共 ${total} 条`).waitFor();
    await shot(page, 'auditor-timestamps');
    page.assertNoErrors();
  });

  test('filters the audit log, reviews an entry, exports CSV, verifies the chain', async () => {
    await gotoPage(page, 'audit');
    await page.locator('#f-actor').fill('sysadmin');
    await page.locator('#f-result').selectOption('success');
    await page.getByRole('button', { name: '查询' }).click();
    await page.waitForFunction(() => {
      const cells = [...document.querySelectorAll('.audit-table tbody tr[data-seq] td:nth-child(3)')];
      return cells.length > 0 && cells.every((c) => c.textContent.startsWith('sysadmin'));
    });
    const q = (await page.api('/api/v1/audit?actor=sysadmin&result=success&page_size=20')).body;
    await page.getByTestId('audit-total').getByText(`共 ${q.total} 条`).waitFor();

    const seq = q.entries.find((e) => !e.reviewed).seq;
    const row = page.locator(`tr[data-seq="${seq}"]`);
    await row.getByRole('button', { name: '复核' }).click();
    await page.locator('#review-note').fill('已核对，操作合规');
    await shot(page, 'auditor-review-dialog');
    await page.getByRole('dialog').getByRole('button', { name: '标记为已复核' }).click();
    await row.getByText('已复核').waitFor();
    const reviewed = (await page.api(`/api/v1/audit?actor=sysadmin&result=success&reviewed=true&page_size=1000`)).body;
    const entry = reviewed.entries.find((e) => e.seq === seq);
    assert.ok(entry, 'the entry is reviewed on the server');
    assert.equal(entry.reviewed_by, 'aud1');
    assert.equal(entry.review_note, '已核对，操作合规');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
    const csv = readFileSync(await download.path(), 'utf8');
    assert.match(csv, /^\uFEFFseq,time,actor,role,action/);
    const lines = csv.trim().split('\r\n');
    assert.equal(lines.length - 1, q.total, 'CSV has the filtered entries');
    assert.ok(lines.slice(1).every((l) => l.split(',')[2] === '"sysadmin"'));

    await page.getByTestId('verify-card').getByRole('button', { name: /校验审计链/ }).click();
    await page.getByTestId('verify-result').getByText('审计链完整').waitFor();
    const v = (await page.api('/api/v1/audit/verify')).body;
    assert.equal(v.ok, true);
    await shot(page, 'auditor-audit');
    page.assertNoErrors();
  });

  test('English switch on a working page', async () => {
    await page.getByRole('button', { name: '界面语言' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    await shot(page, 'auditor-audit-en');
    await page.getByRole('button', { name: 'Language' }).click();
    await page.getByRole('heading', { name: '审计日志' }).waitFor();
    page.assertNoErrors();
  });

  test('removing the smart key ends the session after the heartbeat grace', async () => {
    await page.getByTestId('key-device').getByRole('button', { name: '拔出密钥' }).click();
    await page.getByTestId('key-removed-banner').waitFor();
    await shot(page, 'auditor-key-removed');
    page.expectHttpError(401, '/api/v1/auth/');
    page.expectHttpError(401, '/api/v1/');
    const deadline = (env.heartbeatS + env.graceS) * 1000 + 8000;
    await page.getByTestId('login-notice').getByText('智能密钥已拔出').waitFor({ timeout: deadline });
    const me = await page.api('/api/v1/auth/me');
    assert.equal(me.status, 401);
    await shot(page, 'login-key-removed');
    page.assertNoErrors();
  });
});

/** Every role: the time sources page shows usable time, that no sources are configured, and the offset chart. */
async function checkTimePage(page, who) {
  await gotoPage(page, 'time');
  await page.getByRole('heading', { name: '时间源', level: 1 }).waitFor();
  const st = (await page.api('/api/v1/time/status')).body;
  assert.equal(st.watched, true);
  await page.getByTestId('time-usable').getByText(st.usable ? '可用' : '不可用', { exact: false }).waitFor();
  if (st.sources.length === 0 && !st.chrony) {
    assert.match(st.reason, /no time sources configured/);
    await page.getByTestId('no-sources').getByText('未配置时间源').waitFor();
  }
  for (const s of st.sources) await page.locator(`tr[data-source="${s.name}"]`).waitFor();
  assert.equal(await page.locator('canvas').count(), 1, 'the offset chart is drawn');
  if (who === 'sysadmin') {
    // the page polls every 5 s: a second reading arrives
    await page.waitForResponse((r) => r.url().endsWith('/api/v1/time/status'), { timeout: 8000 });
    await shot(page, 'time-sources');
  }
}

/** An RFC 3161 request built by openssl, posted to the TSA; returns the imprint (hex) and the DER reply. */
async function issueTimestamp(unit) {
  const data = join(env.tmp, `tsa-data-${unit}.txt`);
  const query = join(env.tmp, `tsa-${unit}.tsq`);
  const content = `MedSign e2e ${unit} ${Date.now()} ${Math.random()}`;
  writeFileSync(data, content);
  execFileSync('openssl', ['ts', '-query', '-data', data, '-sha256', '-cert', '-out', query]);
  const res = await fetch(`${env.base}/tsa/${unit}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/timestamp-query' },
    body: readFileSync(query),
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/timestamp-reply');
  return { imprint: createHash('sha256').update(content).digest('hex'), reply: Buffer.from(await res.arrayBuffer()) };
}
