#include "services/schema.h"

namespace medsign::services {
namespace {
const std::vector<store::Migration> kMigrations = {
    {1, "accounts, sessions and challenges",
     R"sql(
CREATE TABLE accounts (
  id {id},
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  must_change_password INTEGER NOT NULL DEFAULT 1,
  key_certificate TEXT NOT NULL,
  locked INTEGER NOT NULL DEFAULT 0,
  lock_reason TEXT NOT NULL DEFAULT '',
  locked_until {bigint} NOT NULL DEFAULT 0,
  failed_logins INTEGER NOT NULL DEFAULT 0,
  last_login_at {bigint} NOT NULL DEFAULT 0,
  created_at {bigint} NOT NULL,
  updated_at {bigint} NOT NULL
);
CREATE TABLE auth_challenges (
  id TEXT PRIMARY KEY,
  account_id {bigint} NOT NULL,
  purpose TEXT NOT NULL,
  session_id TEXT NOT NULL DEFAULT '',
  nonce {blob} NOT NULL,
  expires_at {bigint} NOT NULL,
  used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  account_id {bigint} NOT NULL,
  csrf_token TEXT NOT NULL,
  source TEXT NOT NULL,
  created_at {bigint} NOT NULL,
  last_seen_at {bigint} NOT NULL,
  last_heartbeat_at {bigint} NOT NULL,
  ended_at {bigint} NOT NULL DEFAULT 0,
  end_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_account ON sessions(account_id);
)sql"},
    {2, "tamper-evident audit log",
     R"sql(
CREATE TABLE audit_log (
  seq {bigint} PRIMARY KEY,
  ts {bigint} NOT NULL,
  actor TEXT NOT NULL,
  role TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  result TEXT NOT NULL,
  source TEXT NOT NULL,
  detail TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_log_ts ON audit_log(ts);
CREATE INDEX audit_log_actor ON audit_log(actor);
CREATE INDEX audit_log_action ON audit_log(action);
CREATE TABLE audit_head (
  id INTEGER PRIMARY KEY,
  seq {bigint} NOT NULL,
  hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
CREATE TABLE audit_checkpoints (
  seq {bigint} PRIMARY KEY,
  hash TEXT NOT NULL,
  ts {bigint} NOT NULL,
  signature TEXT NOT NULL
);
CREATE TABLE audit_reviews (
  seq {bigint} PRIMARY KEY,
  reviewer TEXT NOT NULL,
  ts {bigint} NOT NULL,
  note TEXT NOT NULL
);
)sql"},
    {3, "issued timestamp tokens",
     R"sql(
CREATE TABLE tsa_tokens (
  serial TEXT PRIMARY KEY,
  unit TEXT NOT NULL,
  gen_time {bigint} NOT NULL,
  policy TEXT NOT NULL,
  hash_algorithm TEXT NOT NULL,
  imprint TEXT NOT NULL,
  nonce TEXT NOT NULL,
  requester TEXT NOT NULL,
  token {blob} NOT NULL
);
CREATE INDEX tsa_tokens_time ON tsa_tokens(gen_time);
CREATE INDEX tsa_tokens_imprint ON tsa_tokens(imprint);
CREATE INDEX tsa_tokens_requester ON tsa_tokens(requester);
)sql"},
    {4, "certificate trust: anchors, projects, lists, verification policies, CRL sources and CRLs",
     R"sql(
CREATE TABLE pki_state (
  id INTEGER PRIMARY KEY,
  version {bigint} NOT NULL
);
INSERT INTO pki_state (id, version) VALUES (1, 0);
CREATE TABLE pki_certificates (
  fingerprint TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  subject TEXT NOT NULL,
  der {blob} NOT NULL,
  created_at {bigint} NOT NULL,
  created_by TEXT NOT NULL
);
CREATE TABLE pki_projects (
  name TEXT PRIMARY KEY,
  description TEXT NOT NULL,
  purpose TEXT NOT NULL,
  revocation TEXT NOT NULL,
  crl_grace_ms {bigint} NOT NULL,
  list_mode TEXT NOT NULL,
  max_path_length INTEGER NOT NULL,
  updated_at {bigint} NOT NULL
);
CREATE TABLE pki_project_anchors (
  project TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  PRIMARY KEY (project, fingerprint)
);
CREATE TABLE pki_list_entries (
  project TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  note TEXT NOT NULL,
  added_at {bigint} NOT NULL,
  PRIMARY KEY (project, fingerprint)
);
CREATE TABLE pki_policies (
  name TEXT PRIMARY KEY,
  description TEXT NOT NULL,
  crl_failure TEXT NOT NULL,
  updated_at {bigint} NOT NULL
);
CREATE TABLE pki_policy_projects (
  policy TEXT NOT NULL,
  project TEXT NOT NULL,
  position INTEGER NOT NULL,
  PRIMARY KEY (policy, project)
);
CREATE TABLE pki_crl_sources (
  id {bigint} PRIMARY KEY,
  ca_fingerprint TEXT NOT NULL,
  url TEXT NOT NULL,
  interval_s {bigint} NOT NULL,
  timeout_ms INTEGER NOT NULL,
  enabled INTEGER NOT NULL,
  last_fetch_at {bigint} NOT NULL,
  last_status TEXT NOT NULL,
  last_error TEXT NOT NULL,
  next_fetch_at {bigint} NOT NULL,
  crl_next_update {bigint} NOT NULL,
  created_at {bigint} NOT NULL
);
CREATE TABLE pki_crls (
  ca_fingerprint TEXT PRIMARY KEY,
  der {blob} NOT NULL,
  this_update {bigint} NOT NULL,
  next_update {bigint} NOT NULL,
  source TEXT NOT NULL,
  stored_at {bigint} NOT NULL
);
)sql"},
    {5, "embedded CA: authorities, issued certificates, revocations, CRLs",
     R"sql(
CREATE TABLE ca_authorities (
  name TEXT PRIMARY KEY,
  parent TEXT NOT NULL,
  algorithm TEXT NOT NULL,
  certificate {blob} NOT NULL,
  sealed_key {blob} NOT NULL,
  crl_url TEXT NOT NULL,
  policies TEXT NOT NULL,
  crl_interval_s {bigint} NOT NULL,
  crl_number {bigint} NOT NULL,
  crl {blob},
  crl_this_update {bigint} NOT NULL,
  crl_next_update {bigint} NOT NULL,
  created_at {bigint} NOT NULL
);
CREATE TABLE ca_certificates (
  serial TEXT PRIMARY KEY,
  ca TEXT NOT NULL,
  profile TEXT NOT NULL,
  subject TEXT NOT NULL,
  not_before {bigint} NOT NULL,
  not_after {bigint} NOT NULL,
  issued_at {bigint} NOT NULL,
  status TEXT NOT NULL,
  revoked_at {bigint} NOT NULL,
  reason INTEGER NOT NULL,
  certificate {blob} NOT NULL,
  sealed_key {blob}
);
CREATE INDEX ca_certificates_ca ON ca_certificates(ca, status);
CREATE INDEX ca_certificates_issued ON ca_certificates(issued_at);
)sql"},
    {10, "signing service: business applications, signing keys, signing log",
     R"sql(
CREATE TABLE svs_apps (
  app_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  secret_hash {blob} NOT NULL,
  allow_list TEXT NOT NULL,
  key_indexes TEXT NOT NULL,
  policy TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  created_at {bigint} NOT NULL
);
CREATE TABLE svs_keys (
  key_index INTEGER PRIMARY KEY,
  key_name TEXT NOT NULL,
  access_hash {blob} NOT NULL,
  created_at {bigint} NOT NULL
);
CREATE TABLE svs_log (
  id {id},
  ts {bigint} NOT NULL,
  app_id TEXT NOT NULL,
  operation TEXT NOT NULL,
  key_name TEXT NOT NULL,
  data_sm3 TEXT NOT NULL,
  result TEXT NOT NULL,
  detail TEXT NOT NULL,
  source TEXT NOT NULL
);
CREATE INDEX svs_log_ts ON svs_log(ts);
CREATE INDEX svs_log_app ON svs_log(app_id, ts);
)sql"},
    {11, "electronic seals: seals, bound certificates, seal users, grants",
     R"sql(
CREATE TABLE seals (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  type INTEGER NOT NULL,
  owner TEXT NOT NULL,
  version INTEGER NOT NULL,
  state TEXT NOT NULL,
  state_reason TEXT NOT NULL,
  docmdp INTEGER NOT NULL,
  width_mm INTEGER NOT NULL,
  height_mm INTEGER NOT NULL,
  valid_start {bigint} NOT NULL,
  valid_end {bigint} NOT NULL,
  created_by TEXT NOT NULL,
  created_at {bigint} NOT NULL,
  updated_at {bigint} NOT NULL,
  eseal {blob} NOT NULL,
  picture {blob} NOT NULL
);
CREATE INDEX seals_state ON seals(state);
CREATE INDEX seals_owner ON seals(owner);
CREATE TABLE seal_certs (
  seal_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  key_name TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  certificate {blob} NOT NULL,
  PRIMARY KEY (seal_id, position)
);
CREATE TABLE seal_users (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL,
  display_name TEXT NOT NULL,
  certificate {blob} NOT NULL,
  fingerprint TEXT NOT NULL,
  created_at {bigint} NOT NULL
);
CREATE INDEX seal_users_username ON seal_users(username);
CREATE TABLE seal_grants (
  seal_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  granted_by TEXT NOT NULL,
  granted_at {bigint} NOT NULL,
  PRIMARY KEY (seal_id, user_id)
);
)sql"},
    {12, "electronic seals: state history (seal_events); seals made before it get one 'made' event",
     R"sql(
CREATE TABLE seal_events (
  seal_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  ts {bigint} NOT NULL,
  actor TEXT NOT NULL,
  source TEXT NOT NULL,
  action TEXT NOT NULL,
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  reason TEXT NOT NULL,
  user_id TEXT NOT NULL,
  user_name TEXT NOT NULL,
  PRIMARY KEY (seal_id, seq)
);
INSERT INTO seal_events (seal_id, seq, ts, actor, source, action, from_state, to_state, reason, user_id, user_name)
  SELECT id, 1, created_at, created_by, 'migration', 'made', '', 'made', '', '', '' FROM seals;
)sql"},
    {13, "timestamp log: the imprint index is kept in its own table, written in imprint order in bulk",
     R"sql(
CREATE TABLE tsa_token_imprints (
  imprint_key TEXT NOT NULL,
  serial TEXT NOT NULL,
  PRIMARY KEY (imprint_key, serial)
){without_rowid};
CREATE TABLE tsa_index_state (
  id INTEGER PRIMARY KEY,
  indexed_through {bigint} NOT NULL,
  indexed_rows {bigint} NOT NULL
);
INSERT INTO tsa_token_imprints (imprint_key, serial) SELECT substr(imprint, 1, 16), serial FROM tsa_tokens;
INSERT INTO tsa_index_state (id, indexed_through, indexed_rows)
  SELECT 1, MAX(gen_time) + 1, COUNT(*) FROM tsa_tokens HAVING COUNT(*) > 0;
DROP INDEX tsa_tokens_imprint;
)sql"},
};

const std::vector<TableSpec> kTables = {
    {"accounts",
     {"id", "username", "display_name", "role", "password_hash", "must_change_password", "key_certificate", "locked",
      "lock_reason", "locked_until", "failed_logins", "last_login_at", "created_at", "updated_at"},
     "id"},
    {"audit_head", {"id", "seq", "hash"}, "id"},
    {"audit_log",
     {"seq", "ts", "actor", "role", "action", "target", "result", "source", "detail", "prev_hash", "hash"},
     "seq"},
    {"audit_checkpoints", {"seq", "hash", "ts", "signature"}, "seq"},
    {"audit_reviews", {"seq", "reviewer", "ts", "note"}, "seq"},
    {"tsa_tokens",
     {"serial", "unit", "gen_time", "policy", "hash_algorithm", "imprint", "nonce", "requester", "token"},
     "serial"},
    {"tsa_token_imprints", {"imprint_key", "serial"}, "imprint_key, serial"},
    {"tsa_index_state", {"id", "indexed_through", "indexed_rows"}, "id"},
    {"pki_certificates", {"fingerprint", "kind", "subject", "der", "created_at", "created_by"}, "fingerprint"},
    {"pki_projects",
     {"name", "description", "purpose", "revocation", "crl_grace_ms", "list_mode", "max_path_length", "updated_at"},
     "name"},
    {"pki_project_anchors", {"project", "fingerprint"}, "project, fingerprint"},
    {"pki_list_entries", {"project", "fingerprint", "note", "added_at"}, "project, fingerprint"},
    {"pki_policies", {"name", "description", "crl_failure", "updated_at"}, "name"},
    {"pki_policy_projects", {"policy", "project", "position"}, "policy, project"},
    {"pki_crl_sources",
     {"id", "ca_fingerprint", "url", "interval_s", "timeout_ms", "enabled", "last_fetch_at", "last_status",
      "last_error", "next_fetch_at", "crl_next_update", "created_at"},
     "id"},
    {"pki_crls", {"ca_fingerprint", "der", "this_update", "next_update", "source", "stored_at"}, "ca_fingerprint"},
    {"ca_authorities",
     {"name", "parent", "algorithm", "certificate", "sealed_key", "crl_url", "policies", "crl_interval_s", "crl_number",
      "crl", "crl_this_update", "crl_next_update", "created_at"},
     "name"},
    {"ca_certificates",
     {"serial", "ca", "profile", "subject", "not_before", "not_after", "issued_at", "status", "revoked_at", "reason",
      "certificate", "sealed_key"},
     "serial"},
    {"svs_apps", {"app_id", "name", "secret_hash", "allow_list", "key_indexes", "policy", "enabled", "created_at"},
     "app_id"},
    {"svs_keys", {"key_index", "key_name", "access_hash", "created_at"}, "key_index"},
    {"svs_log", {"id", "ts", "app_id", "operation", "key_name", "data_sm3", "result", "detail", "source"}, "id"},
    {"seals",
     {"id", "name", "type", "owner", "version", "state", "state_reason", "docmdp", "width_mm", "height_mm",
      "valid_start", "valid_end", "created_by", "created_at", "updated_at", "eseal", "picture"},
     "id"},
    {"seal_certs", {"seal_id", "position", "key_name", "fingerprint", "certificate"}, "seal_id, position"},
    {"seal_users", {"id", "username", "display_name", "certificate", "fingerprint", "created_at"}, "id"},
    {"seal_grants", {"seal_id", "user_id", "granted_by", "granted_at"}, "seal_id, user_id"},
    {"seal_events",
     {"seal_id", "seq", "ts", "actor", "source", "action", "from_state", "to_state", "reason", "user_id", "user_name"},
     "seal_id, seq"},
};
}  // namespace

std::span<const store::Migration> migrations() { return kMigrations; }
const std::vector<TableSpec>& backup_tables() { return kTables; }

}  // namespace medsign::services
