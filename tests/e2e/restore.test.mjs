// Restore from the console: the state at the start of this test is backed up (offline CLI, same format as
// the console's download), a system administrator made for the test signs in, uploads the archive, confirms,
// watches the server restart in place and lands on the sign-in page with a notice. The account made after
// the backup is gone, the audit chain verifies and holds system.restore, the server PID is unchanged.
// Tests share one server: the restore puts back exactly the state this test started from.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { changeOneTimePassword, env, gotoPage, launch, openPage, shot, signIn } from './harness.mjs';
import { medsignBin } from './operator.mjs';

const PASS = 'Restore#2025-passphrase';
const ADMIN = 'restore-admin';
const archive = join(env.tmp, 'restore-e2e.msbak');

const admins = () => execFileSync(medsignBin, ['admin', 'list', '--data', env.data], { encoding: 'utf8' });
// The PID listening on the console's port (ss; empty when ss cannot tell).
const serverPid = () => {
  const out = execFileSync('ss', ['-ltnpH', `sport = :${new URL(env.base).port}`], { encoding: 'utf8' });
  return /pid=(\d+)/.exec(out)?.[1] ?? '';
};
const ready = async () => {
  try {
    return (await fetch(env.base + '/readyz')).status === 200;
  } catch {
    return false;
  }
};

let browser, ctx, page;
before(async () => {
  assert.ok(env.data && medsignBin, 'run through scripts/e2e.sh (E2E_DATA, E2E_MEDSIGN_BIN)');
  const passFile = join(env.tmp, 'restore-e2e.pass');
  writeFileSync(passFile, PASS + '\n', { mode: 0o600 });
  execFileSync(medsignBin, ['backup', archive, '--passphrase-file', passFile, '--data', env.data], { encoding: 'utf8' });
  browser = await launch();
});
after(async () => {
  await ctx?.close();
  await browser?.close();
});

describe('restore from the console (sysadmin)', () => {
  test('uploads the archive, confirms, the server restarts and the later change is gone', async () => {
    // The change made after the backup: a system administrator account (it does the restore itself).
    const keyFile = join(env.tmp, `${ADMIN}.key.pem`);
    const out = execFileSync(medsignBin, ['admin', '--data', env.data, 'create', ADMIN, '--role', 'sysadmin',
      '--display-name', '恢复管理员', '--key-type', 'ecdsa-p256', '--key-out', keyFile], { encoding: 'utf8' });
    const otp = /one-time password: (\S+)/.exec(out)?.[1];
    assert.ok(otp);
    assert.match(admins(), new RegExp(`^\\d+\\t${ADMIN}\\t`, 'm'));
    ({ context: ctx, page } = await openPage(browser));
    await signIn(page, { username: ADMIN, password: otp, keyFile, pin: otp });
    await changeOneTimePassword(page, otp, `${ADMIN}#2025-Secure-pw`);
    const pidBefore = serverPid();

    await gotoPage(page, 'backup');
    const card = page.getByTestId('restore-card');
    const submit = card.getByRole('button', { name: '恢复…' });
    assert.equal(await submit.isDisabled(), true, 'nothing to restore yet');
    await page.locator('#restore-file').setInputFiles(archive);
    await page.locator('#restore-pass').fill(PASS);
    await submit.click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('将用“restore-e2e.msbak”替换本节点的全部数据').waitFor();
    await shot(page, 'restore-confirm');
    // During the restart the heartbeat and /readyz polls may see 503 and the final call 401: announced.
    page.expectHttpError(503, '/readyz');
    page.expectHttpError(401, '/api/v1/');
    await dialog.getByRole('button', { name: '替换并重启' }).click();
    await page.getByTestId('restore-restarting').waitFor({ timeout: 60000 });
    await shot(page, 'restore-restarting');
    // Back, and sent to the sign-in page with a notice (every session ended).
    await page.getByTestId('login-notice').waitFor({ timeout: 60000 });
    assert.match(await page.getByTestId('login-notice').innerText(), /已从备份恢复并重启服务，所有会话已结束/);
    await shot(page, 'restore-login');
    assert.equal(await ready(), true);

    // Same process, restored state: the account made after the backup is gone; the audit chain verifies.
    if (pidBefore) assert.equal(serverPid(), pidBefore, 'the server restarts in place (same PID)');
    assert.doesNotMatch(admins(), new RegExp(`^\\d+\\t${ADMIN}\\t`, 'm'));
    const verify = execFileSync(medsignBin, ['audit', 'verify', '--data', env.data], { encoding: 'utf8' });
    assert.match(verify, /audit chain OK/);
    // The restore is on the restored chain (the SQLite database of the e2e data dir).
    const rows = execFileSync('sqlite3', [join(env.data, 'medsign.db'),
      "SELECT actor, action, target, result FROM audit_log WHERE action = 'system.restore'"], { encoding: 'utf8' });
    assert.match(rows, /^restore-admin\|system\.restore\|restore-e2e\.msbak\|success$/m);
  });
});
