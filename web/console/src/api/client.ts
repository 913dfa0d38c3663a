// The typed MedSign API client. Sends the session cookie (same origin) and the CSRF token on every
// state-changing request; turns catalogue errors into ApiError.
import { PATHS, fillPath } from './paths';
import type {
  Account, ApiErrorBody, AuditFilter, AuditPage, AuditVerifyReport, Challenge, CreatedAccount, KeyInfo,
  NewAccount, Role, SessionInfo, SettingsImportResult, SystemConfig, SystemStatus, TimeStatus, TsaTokenDetails,
  SvsApp, SvsKey, SvsLogEntry, SvsLogFilter, TsaTokenFilter, TsaTokenPage, TsaUnit,
} from './types';
import type { RestoreSummary } from './types';
import type { ExpiryItem } from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(body.detail || body.message || body.code);
  }
  get code(): string {
    return this.body.code;
  }
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

let csrfToken = '';
let unauthorizedHandler: ((err: ApiError) => void) | null = null;

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** Called for 401 answers of authenticated calls (session ended, key absent). */
export function onUnauthorized(handler: ((err: ApiError) => void) | null): void {
  unauthorizedHandler = handler;
}

interface RequestOptions {
  params?: Record<string, string | number>;
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  text?: string;
  /** A binary body (uploads of DER files and images); sent with contentType. */
  binary?: Blob | ArrayBuffer;
  contentType?: string;
  /** Set for calls made before a session exists (no 401 handling). */
  anonymous?: boolean;
  /** Aborts the request (a newer one replaced it). */
  signal?: AbortSignal;
}

export function buildUrl(template: string, opts: Pick<RequestOptions, 'params' | 'query'> = {}): string {
  let url = fillPath(template, opts.params);
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined && v !== '') q.set(k, String(v));
  const qs = q.toString();
  if (qs) url += '?' + qs;
  return url;
}

async function request(method: Method, template: string, opts: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  let body: string | Blob | ArrayBuffer | undefined;
  if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.text !== undefined) {
    headers['Content-Type'] = opts.contentType ?? 'text/plain';
    body = opts.text;
  } else if (opts.binary !== undefined) {
    headers['Content-Type'] = opts.contentType ?? 'application/octet-stream';
    body = opts.binary;
  }
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  const res = await fetch(buildUrl(template, opts), { method, headers, body, credentials: 'same-origin', signal: opts.signal });
  if (!res.ok) {
    let errBody: ApiErrorBody = { code: 'http_' + res.status, message: res.statusText };
    try {
      const j = await res.json();
      if (j && j.error) errBody = j.error;
    } catch {
      /* not JSON */
    }
    const err = new ApiError(res.status, errBody);
    if (res.status === 401 && !opts.anonymous && unauthorizedHandler) unauthorizedHandler(err);
    throw err;
  }
  return res;
}

async function json<T>(method: Method, template: string, opts?: RequestOptions): Promise<T> {
  return (await request(method, template, opts)).json() as Promise<T>;
}

async function text(method: Method, template: string, opts?: RequestOptions): Promise<string> {
  return (await request(method, template, opts)).text();
}

export const api = {
  challenge: (username: string) =>
    json<Challenge>('POST', PATHS.authChallenge, { json: { username }, anonymous: true }),
  login: (username: string, password: string, challenge_id: string, signature: string) =>
    json<SessionInfo>('POST', PATHS.authLogin, {
      json: { username, password, challenge_id, signature },
      anonymous: true,
    }),
  me: () => json<SessionInfo>('GET', PATHS.authMe, { anonymous: true }),
  logout: () => json<{ logged_out: boolean }>('POST', PATHS.authLogout, { anonymous: true }),
  changePassword: (old_password: string, new_password: string) =>
    json<{ changed: boolean }>('POST', PATHS.authPassword, { json: { old_password, new_password } }),
  heartbeatChallenge: () => json<Challenge>('POST', PATHS.heartbeatChallenge),
  heartbeat: (challenge_id: string, signature: string) =>
    json<{ ok: boolean; next_in_s: number }>('POST', PATHS.heartbeat, { json: { challenge_id, signature } }),

  listAccounts: () => json<{ accounts: Account[] }>('GET', PATHS.accounts),
  getAccount: (id: number) => json<Account>('GET', PATHS.account, { params: { id } }),
  createAccount: (a: NewAccount) => json<CreatedAccount>('POST', PATHS.accounts, { json: a }),
  lockAccount: (id: number, reason: string) =>
    json<{ locked: boolean }>('POST', PATHS.accountLock, { params: { id }, json: { reason } }),
  unlockAccount: (id: number) => json<{ locked: boolean }>('POST', PATHS.accountUnlock, { params: { id }, json: {} }),
  resetPassword: (id: number) =>
    json<{ one_time_password: string }>('POST', PATHS.accountResetPassword, { params: { id }, json: {} }),
  setRole: (id: number, role: Role) => json<{ role: Role }>('PUT', PATHS.accountRole, { params: { id }, json: { role } }),

  systemStatus: () => json<SystemStatus>('GET', PATHS.systemStatus),
  permissions: () => json<{ roles: Record<Role, string[]> }>('GET', PATHS.systemPermissions),
  systemConfig: () => json<SystemConfig>('GET', PATHS.systemConfig),
  exportSettings: () => text('GET', PATHS.systemSettings),
  importSettings: (toml: string) =>
    json<SettingsImportResult>('PUT', PATHS.systemSettings, { text: toml, contentType: 'application/toml' }),
  metricsText: () => text('GET', PATHS.metrics),

  /** The encrypted archive and the file name the server proposes. */
  downloadBackup: async (passphrase: string) => {
    const res = await request('POST', PATHS.systemBackup, { json: { passphrase } });
    const cd = res.headers.get('Content-Disposition') ?? '';
    const name = /filename="([^"]+)"/.exec(cd)?.[1] ?? 'medsign-backup.msbak';
    return { blob: await res.blob(), filename: name };
  },
  /** Uploads an archive and restores it (replaces every table and the key, TLS and configuration files);
   *  the server answers, then restarts itself. XHR rather than fetch for upload progress (0..1). */
  restoreBackup: (file: Blob, filename: string, passphrase: string, onProgress?: (fraction: number) => void) =>
    new Promise<RestoreSummary>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', PATHS.systemRestore);
      xhr.setRequestHeader('Content-Type', 'application/octet-stream');
      xhr.setRequestHeader('X-Backup-Passphrase', encodeURIComponent(passphrase));
      xhr.setRequestHeader('X-Backup-Filename', encodeURIComponent(filename));
      if (csrfToken) xhr.setRequestHeader('X-CSRF-Token', csrfToken);
      xhr.upload.onprogress = (e) => e.lengthComputable && onProgress?.(e.loaded / e.total);
      xhr.onerror = () => reject(new ApiError(0, { code: 'network_error', message: 'network error' }));
      xhr.onload = () => {
        let j: { error?: ApiErrorBody } & Partial<RestoreSummary> = {};
        try {
          j = JSON.parse(xhr.responseText);
        } catch {
          /* not JSON */
        }
        if (xhr.status === 200) return resolve(j as RestoreSummary);
        const err = new ApiError(xhr.status, j.error ?? { code: 'http_' + xhr.status, message: xhr.statusText });
        if (xhr.status === 401 && unauthorizedHandler) unauthorizedHandler(err);
        reject(err);
      };
      xhr.send(file);
    }),
  /** True when the node answers /readyz with 200 (false while it restarts). */
  ready: async () => {
    try {
      return (await fetch(PATHS.readyz, { cache: 'no-store' })).ok;
    } catch {
      return false;
    }
  },

  timeStatus: () => json<TimeStatus>('GET', PATHS.timeStatus),
  tsaUnits: () => json<{ enabled: boolean; units: TsaUnit[] }>('GET', PATHS.tsaUnits),
  svsApps: () => json<{ apps: SvsApp[] }>('GET', PATHS.svsApps),
  svsCreateApp: (a: { name: string; allow: string[]; keys: number[] }) => json<SvsApp>('POST', PATHS.svsApps, { json: a }),
  svsSetEnabled: (id: string, enabled: boolean) =>
    json<SvsApp>('POST', enabled ? PATHS.svsAppEnable : PATHS.svsAppDisable, { params: { id } }),
  svsRotateSecret: (id: string) => json<SvsApp>('POST', PATHS.svsAppRotate, { params: { id } }),
  svsUpdateApp: (id: string, a: { name: string; allow: string[]; keys: number[]; policy: string }) =>
    json<SvsApp>('PUT', PATHS.svsApp, { params: { id }, json: a }),
  svsKeys: () => json<{ keys: SvsKey[] }>('GET', PATHS.svsKeys),
  svsLog: (f: SvsLogFilter) => json<{ entries: SvsLogEntry[] }>('GET', PATHS.svsLog, { query: { ...f } }),
  tsaTokens: (f: TsaTokenFilter) => json<TsaTokenPage>('GET', PATHS.tsaTokens, { query: { ...f } }),
  tsaToken: (serial: string) => json<TsaTokenDetails>('GET', PATHS.tsaToken, { params: { serial } }),
  tsaTokenUrl: (serial: string, format: 'reply' | 'token' = 'reply') =>
    buildUrl(PATHS.tsaTokenFile, { params: { serial }, query: { format: format === 'reply' ? undefined : format } }),

  listKeys: () => json<{ keys: KeyInfo[] }>('GET', PATHS.keys),
  keyCertificate: (name: string) =>
    json<{ name: string; complete: boolean; chain: { pem: string; details: unknown }[] }>('GET', PATHS.keyCertificate, { params: { name } }),
  /** Checks (dry_run) or imports a certificate, optionally followed by its chain, for a key-store key. */
  importKeyCertificate: (name: string, pem: string, dryRun: boolean) =>
    json<{ name: string; restart_required?: boolean; chain?: { pem: string; details: unknown }[] }>('PUT', PATHS.keyCertificate, {
      params: { name }, query: { dry_run: dryRun ? 'true' : undefined }, text: pem, contentType: 'application/x-pem-file',
    }),
  keyCsr: (name: string) => text('GET', PATHS.keyCsr, { params: { name } }),
  systemExpiry: () => json<{ warn_days: number; items: ExpiryItem[] }>('GET', PATHS.systemExpiry),

  queryAudit: (f: AuditFilter) => json<AuditPage>('GET', PATHS.audit, { query: { ...f } }),
  auditExportUrl: (f: AuditFilter) => buildUrl(PATHS.auditExport, { query: { ...f, page: undefined, page_size: undefined } }),
  verifyAudit: () => json<AuditVerifyReport>('GET', PATHS.auditVerify),
  reviewAudit: (seq: number, note: string) =>
    json<{ reviewed: boolean }>('POST', PATHS.auditReview, { params: { seq }, json: { note } }),
};

/** The request helpers for API modules beside this one (src/api/operations.ts). */
export const http = { request, json, text };
export type { RequestOptions };
