// An operator account for the page tests: made with the offline `medsign admin create` (the server keeps
// running; accounts live in its database), then signed in through the console with its soft key.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { changeOneTimePassword, env, openPage, signIn } from './harness.mjs';

export const medsignBin = process.env.E2E_MEDSIGN_BIN;

/** Creates `username` (operator, ECDSA P-256 soft key), signs in and changes the one-time password. */
export async function signInNewOperator(browser, username, displayName) {
  assert.ok(env.data && medsignBin, 'run through scripts/e2e.sh (E2E_DATA, E2E_MEDSIGN_BIN)');
  const keyFile = join(env.tmp, `${username}.key.pem`);
  const out = execFileSync(medsignBin, ['admin', '--data', env.data, 'create', username, '--role', 'operator',
    '--display-name', displayName, '--key-type', 'ecdsa-p256', '--key-out', keyFile], { encoding: 'utf8' });
  const otp = /one-time password: (\S+)/.exec(out)?.[1];
  assert.ok(otp, 'admin create printed a one-time password');
  const { context, page } = await openPage(browser);
  await signIn(page, { username, password: otp, keyFile, pin: otp });
  await changeOneTimePassword(page, otp, `${username}#2025-Secure-pw`);
  return { context, page };
}

/** Runs openssl with the arguments; returns stdout as text. */
export function openssl(args, opts = {}) {
  return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], ...opts });
}
