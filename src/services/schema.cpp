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
};
}  // namespace

std::span<const store::Migration> migrations() { return kMigrations; }
const std::vector<TableSpec>& backup_tables() { return kTables; }

}  // namespace medsign::services
