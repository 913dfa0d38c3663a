// Response shapes of the MedSign API (see src/server/api_*.cpp and api/openapi.yaml).
export type Role = 'sysadmin' | 'operator' | 'audit_admin' | 'auditor';
export const ALL_ROLES: Role[] = ['sysadmin', 'operator', 'audit_admin', 'auditor'];

export type Permission =
  | 'manage_admin_accounts'
  | 'manage_audit_accounts'
  | 'read_system_config'
  | 'write_system_config'
  | 'run_backup'
  | 'read_system_status'
  | 'operate_business'
  | 'read_audit'
  | 'review_audit'
  | 'verify_audit'
  | 'manage_audit_policy';

export interface ApiErrorBody {
  code: string;
  message: string;
  detail?: string;
  request_id?: string;
}

export interface Challenge {
  challenge_id: string;
  to_sign: string;
  to_sign_b64: string;
  expires_at: string;
}

export interface SessionInfo {
  username: string;
  role: Role;
  role_title: string;
  csrf_token: string;
  must_change_password: boolean;
  heartbeat_interval_s: number;
  idle_timeout_s: number;
  permissions: Permission[];
}

export interface Account {
  id: number;
  username: string;
  display_name: string;
  role: Role;
  locked: boolean;
  lock_reason: string;
  locked_until: string;
  failed_logins: number;
  must_change_password: boolean;
  key_certificate: string;
  created_at: string;
  last_login_at: string;
}

export type SoftKeyType = 'sm2' | 'ecdsa-p256' | 'rsa-2048';

export interface NewAccount {
  username: string;
  display_name: string;
  role: Role;
  key_type?: SoftKeyType;
  key_certificate?: string;
}

export interface CreatedAccount {
  account: Account;
  one_time_password: string;
  soft_key_pem?: string;
}

export interface SystemStatus {
  version: string;
  started_at: string;
  uptime_s: number;
  database: string;
  services: Record<string, string>;
  /** kind: certificate_expiry, crl_stale, crl_expiring, crl_fetch_failed. */
  warnings: { kind: string; key?: string; not_after?: string; detail?: string }[];
}

export interface ConfigKey {
  section: string;
  key: string;
  value: string | number | boolean;
  doc: string;
}

export interface SystemConfig {
  keys: ConfigKey[];
  toml: string;
}

export interface SettingsImportResult {
  saved: boolean;
  restart_required: boolean;
}

/** A certificate expired or expiring soon (GET /api/v1/system/expiry). */
export interface ExpiryItem {
  kind: 'key' | 'tls' | 'tsa_unit' | 'provider_key' | 'ca' | 'ca_issued' | 'trust_anchor' | 'intermediate';
  name: string;
  subject: string;
  not_after: string;
  days_left: number;
  level: 'error' | 'warning';
}

export interface KeyInfo {
  name: string;
  provider: string;
  algorithm?: string;
  certificate?: {
    subject: string;
    issuer: string;
    serial: string;
    not_before: string;
    not_after: string;
    sha256: string;
  };
}

export interface AuditEntry {
  seq: number;
  time: string;
  actor: string;
  role: string;
  action: string;
  target: string;
  result: string;
  source: string;
  detail: string;
  hash: string;
  reviewed: boolean;
  reviewed_by?: string;
  reviewed_at?: string;
  review_note?: string;
}

export interface AuditPage {
  entries: AuditEntry[];
  total: number;
  page: number;
  page_size: number;
}

export interface AuditFilter {
  from?: string;
  to?: string;
  actor?: string;
  action?: string;
  result?: string;
  reviewed?: '' | 'true' | 'false';
  page?: number;
  page_size?: number;
}

export interface AuditVerifyReport {
  ok: boolean;
  entries: number;
  checkpoints: number;
  first_bad_seq: number;
  problem: string;
}

export interface TimeSource {
  name: string;
  reachable: boolean;
  offset_ms: number;
  delay_ms: number;
  stratum: number;
  reference_id: string;
  last_sync: string;
  last_error: string;
  polls: number;
  failures: number;
  /** [ISO time, offset ms] samples, oldest first. */
  history: [string, number][];
}

export interface ChronyTracking {
  reference: string;
  stratum: number;
  system_offset_ms: number;
  rms_offset_ms: number;
  leap_status: string;
}

/** GET /api/v1/time/status; only `watched` when the server runs no clock monitor. */
export interface TimeStatus {
  watched: boolean;
  usable?: boolean;
  reason?: string;
  offset_ms?: number;
  stratum?: number;
  max_offset_ms?: number;
  holdover_s?: number;
  poll_interval_s?: number;
  sources?: TimeSource[];
  chrony?: ChronyTracking;
}

export interface TsaUnit {
  name: string;
  default: boolean;
  algorithm: string;
  subject: string;
  serial: string;
  not_after_ms: number;
  chain_pem: string;
}

export interface TsaToken {
  serial: string;
  unit: string;
  gen_time: string;
  gen_time_ms: number;
  policy: string;
  hash_algorithm: string;
  imprint: string;
  nonce: string;
  requester: string;
}

export interface TsaTokenDetails extends TsaToken {
  token: {
    serial: string;
    gen_time: string;
    policy: string;
    hash_algorithm: string;
    imprint: string;
    nonce: string;
    ordering: boolean;
    signature_valid: boolean;
    problem: string;
    accuracy?: { seconds: number; millis: number; micros: number };
    tsa?: string;
    signer?: { subject: string; issuer: string; serial: string; algorithm: string; sha256: string };
  };
}

export interface TsaTokenPage {
  items: TsaToken[];
  total: number;
  page: number;
  page_size: number;
}

export interface TsaTokenFilter {
  serial?: string;
  from?: string;
  to?: string;
  requester?: string;
  imprint?: string;
  unit?: string;
  page?: number;
  page_size?: number;
}

export interface SvsApp {
  id: string;
  name: string;
  allow: string[];
  keys: number[];
  policy: string;
  enabled: boolean;
  created_at: string;
  /** Only in the answer that creates the application or rotates its secret. */
  secret?: string;
}

export interface SvsKey {
  index: number;
  name: string;
  algorithm: string;
  access_code: boolean;
  certificate: { subject: string; issuer: string; serial: string; not_before: string; not_after: string };
}

export interface SvsLogEntry {
  id: number;
  time: string;
  app: string;
  operation: string;
  key: string;
  data_sm3: string;
  result: string;
  detail: string;
  source: string;
}

export interface SvsLogFilter {
  app?: string;
  operation?: string;
  result?: string;
  /** ISO 8601 UTC bounds of the log time. */
  from?: string;
  to?: string;
  limit?: number;
  offset?: number;
}

/** POST /api/v1/system/restore: what was restored; the server restarts right after answering. */
export interface RestoreSummary {
  restored: boolean;
  id: string;
  rows: number;
  files: number;
  bytes: number;
  /** Folder in the data dir keeping the replaced state (restore-previous-<id>). */
  previous: string;
  files_pending: boolean;
  restarting: boolean;
}
