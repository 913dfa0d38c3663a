// The tamper-evident audit log: every administrative and business action, append-only.
//
// Entry n carries hash_n = SHA-256("medsign-audit-v1" | seq | ts | actor | role | action | target | result |
// source | detail | hash_{n-1}) (each field length-prefixed), so altering, deleting or reordering an entry
// breaks the chain from that point. audit_head holds the latest (seq, hash); every `checkpoint_every`
// entries a checkpoint signs (seq, hash) with the system audit key, so rewriting the whole chain needs that
// key. Reviews are separate rows: reviewing never changes an entry.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crypto/soft/evp_key.h"
#include "store/database.h"

namespace medsign::services {

struct AuditEvent {
  std::string actor;   // account name, application id, or "system"
  std::string role;    // role name or "application" / "system" / "anonymous"
  std::string action;  // dotted name, e.g. "account.create", "auth.login"
  std::string target;  // what was acted on
  std::string result;  // "success", "denied" or "failure"
  std::string source;  // client address or "cli"
  std::string detail;  // short free text (never secrets)
};

struct AuditEntry : AuditEvent {
  std::int64_t seq = 0, ts = 0;
  std::string prev_hash, hash;
  std::optional<std::string> reviewed_by;
  std::int64_t reviewed_at = 0;
  std::string review_note;
};

struct AuditQuery {
  std::int64_t from_ms = 0, to_ms = 0;  // 0 = open
  std::string actor, action, result;   // exact match; action may end with '*' for a prefix
  std::optional<bool> reviewed;
  int page = 1, page_size = 50;
};

struct AuditPage {
  std::vector<AuditEntry> entries;
  std::int64_t total = 0;
};

struct AuditVerifyReport {
  bool ok = true;
  std::int64_t entries = 0, checkpoints = 0;
  std::int64_t first_bad_seq = 0;  // 0 when ok
  std::string problem;             // e.g. "entry 17 was altered"
};

class AuditLog {
 public:
  // signer: the system audit key (may be null in tools that only read/verify).
  AuditLog(store::Database& db, const crypto::EvpKey* signer, int checkpoint_every);

  // Appends in its own transaction. Returns the entry's seq.
  Result<std::int64_t> record(const AuditEvent& e);
  // Appends inside the caller's transaction, so the record commits (or not) with the action.
  Result<std::int64_t> record_in(store::Tx& tx, const AuditEvent& e);

  Result<AuditPage> query(const AuditQuery& q);
  // Marks an entry reviewed (once). not_found when there is no such entry, conflict when already reviewed.
  Status review(std::int64_t seq, const std::string& reviewer, const std::string& note);
  // Walks the chain; checkpoint signatures are checked with verifier (the audit certificate's key).
  Result<AuditVerifyReport> verify(const crypto::EvpKey& verifier);

  static std::string entry_hash(const AuditEntry& e);
  static std::string checkpoint_message(std::int64_t seq, const std::string& hash, std::int64_t ts);

 private:
  store::Database& db_;
  const crypto::EvpKey* signer_;
  int checkpoint_every_;
};

}  // namespace medsign::services
