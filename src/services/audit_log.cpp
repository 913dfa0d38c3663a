#include "services/audit_log.h"

#include <algorithm>
#include <map>

#include "common/clock.h"

namespace medsign::services {
namespace {
void put_field(Bytes& b, std::string_view s) {
  std::uint64_t n = s.size();
  for (int i = 7; i >= 0; --i) b.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
  b.insert(b.end(), s.begin(), s.end());
}

constexpr const char* kColumns =
    "a.seq, a.ts, a.actor, a.role, a.action, a.target, a.result, a.source, a.detail, a.prev_hash, a.hash, "
    "r.reviewer, r.ts, r.note";

AuditEntry from_row(const store::Row& r) {
  AuditEntry e;
  e.seq = r.int64(0);
  e.ts = r.int64(1);
  e.actor = r.text(2);
  e.role = r.text(3);
  e.action = r.text(4);
  e.target = r.text(5);
  e.result = r.text(6);
  e.source = r.text(7);
  e.detail = r.text(8);
  e.prev_hash = r.text(9);
  e.hash = r.text(10);
  if (!r.is_null(11)) {
    e.reviewed_by = r.text(11);
    e.reviewed_at = r.int64(12);
    e.review_note = r.text(13);
  }
  return e;
}
}  // namespace

AuditLog::AuditLog(store::Database& db, const crypto::EvpKey* signer, int checkpoint_every)
    : db_(db), signer_(signer), checkpoint_every_(checkpoint_every < 1 ? 1 : checkpoint_every) {}

std::string AuditLog::entry_hash(const AuditEntry& e) {
  Bytes b;
  put_field(b, "medsign-audit-v1");
  put_field(b, std::to_string(e.seq));
  put_field(b, std::to_string(e.ts));
  for (const std::string* f : {&e.actor, &e.role, &e.action, &e.target, &e.result, &e.source, &e.detail})
    put_field(b, *f);
  put_field(b, e.prev_hash);
  return hex_encode(crypto::sha256(b));
}

std::string AuditLog::checkpoint_message(std::int64_t seq, const std::string& hash, std::int64_t ts) {
  return "medsign-audit-checkpoint-v1|" + std::to_string(seq) + "|" + hash + "|" + std::to_string(ts);
}

Result<std::int64_t> AuditLog::record(const AuditEvent& e) {
  std::int64_t seq = 0;
  MEDSIGN_TRY(db_.transaction([&](store::Tx& tx) -> Status {
    MEDSIGN_ASSIGN(seq, record_in(tx, e));
    return {};
  }));
  return seq;
}

Result<std::int64_t> AuditLog::record_in(store::Tx& tx, const AuditEvent& ev) {
  // Taking the head row first serialises appenders on both backends (row lock / write lock).
  MEDSIGN_ASSIGN(auto head, tx.query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash"));
  if (head.size() != 1) return Error(Errc::storage_error, "audit_head row is missing");
  AuditEntry e;
  static_cast<AuditEvent&>(e) = ev;
  e.seq = head[0].int64(0);
  e.prev_hash = head[0].text(1);
  e.ts = unix_millis();
  e.hash = entry_hash(e);
  MEDSIGN_TRY(tx.exec(
      "INSERT INTO audit_log (seq, ts, actor, role, action, target, result, source, detail, prev_hash, hash) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {e.seq, e.ts, e.actor, e.role, e.action, e.target, e.result, e.source, e.detail, e.prev_hash, e.hash}));
  MEDSIGN_TRY(tx.exec("UPDATE audit_head SET hash = ? WHERE id = 1", {e.hash}));
  if (signer_ && signer_->valid() && e.seq % checkpoint_every_ == 0) {
    MEDSIGN_ASSIGN(Bytes sig, signer_->sign(as_bytes(checkpoint_message(e.seq, e.hash, e.ts))));
    MEDSIGN_TRY(tx.exec("INSERT INTO audit_checkpoints (seq, hash, ts, signature) VALUES (?, ?, ?, ?)",
                        {e.seq, e.hash, e.ts, base64_encode(sig)}));
  }
  return e.seq;
}

Result<AuditPage> AuditLog::query(const AuditQuery& q) {
  std::string where = " WHERE 1 = 1";
  store::Params params;
  if (q.from_ms > 0) {
    where += " AND a.ts >= ?";
    params.emplace_back(q.from_ms);
  }
  if (q.to_ms > 0) {
    where += " AND a.ts <= ?";
    params.emplace_back(q.to_ms);
  }
  if (!q.actor.empty()) {
    where += " AND a.actor = ?";
    params.emplace_back(q.actor);
  }
  if (!q.action.empty()) {
    if (q.action.back() == '*') {
      where += " AND a.action LIKE ?";
      params.emplace_back(q.action.substr(0, q.action.size() - 1) + "%");
    } else {
      where += " AND a.action = ?";
      params.emplace_back(q.action);
    }
  }
  if (!q.result.empty()) {
    where += " AND a.result = ?";
    params.emplace_back(q.result);
  }
  if (q.reviewed) where += *q.reviewed ? " AND r.seq IS NOT NULL" : " AND r.seq IS NULL";
  const std::string from = " FROM audit_log a LEFT JOIN audit_reviews r ON r.seq = a.seq";
  AuditPage page;
  MEDSIGN_ASSIGN(auto count, db_.query("SELECT COUNT(*)" + from + where, params));
  page.total = count.empty() ? 0 : count[0].int64(0);
  int size = std::clamp(q.page_size, 1, 1000);
  int pg = std::max(1, q.page);
  params.emplace_back(static_cast<std::int64_t>(size));
  params.emplace_back(static_cast<std::int64_t>(pg - 1) * size);
  MEDSIGN_ASSIGN(auto rows, db_.query(std::string("SELECT ") + kColumns + from + where +
                                          " ORDER BY a.seq DESC LIMIT ? OFFSET ?",
                                      params));
  for (auto& r : rows) page.entries.push_back(from_row(r));
  return page;
}

Status AuditLog::review(std::int64_t seq, const std::string& reviewer, const std::string& note) {
  return db_.transaction([&](store::Tx& tx) -> Status {
    MEDSIGN_ASSIGN(auto rows, tx.query("SELECT seq FROM audit_log WHERE seq = ?", {seq}));
    if (rows.empty()) return Error(Errc::not_found, "no audit entry " + std::to_string(seq));
    MEDSIGN_ASSIGN(auto done, tx.query("SELECT reviewer FROM audit_reviews WHERE seq = ?", {seq}));
    if (!done.empty()) return Error(Errc::conflict, "entry " + std::to_string(seq) + " was already reviewed");
    MEDSIGN_TRY(tx.exec("INSERT INTO audit_reviews (seq, reviewer, ts, note) VALUES (?, ?, ?, ?)",
                        {seq, reviewer, unix_millis(), note}));
    return {};
  });
}

Result<AuditVerifyReport> AuditLog::verify(const crypto::EvpKey& verifier) {
  AuditVerifyReport rep;
  auto fail = [&](std::int64_t seq, std::string why) {
    rep.ok = false;
    rep.first_bad_seq = seq;
    rep.problem = std::move(why);
    return rep;
  };
  std::map<std::int64_t, std::string> checkpoints;  // seq -> signed hash
  MEDSIGN_ASSIGN(auto cps, db_.query("SELECT seq, hash, ts, signature FROM audit_checkpoints ORDER BY seq"));
  for (auto& r : cps) {
    std::int64_t seq = r.int64(0);
    auto sig = base64_decode(r.text(3));
    if (!sig || !verifier.verify(as_bytes(checkpoint_message(seq, r.text(1), r.int64(2))), *sig).ok())
      return fail(seq, "checkpoint at entry " + std::to_string(seq) + " has an invalid signature");
    checkpoints[seq] = r.text(1);
  }
  std::string prev(64, '0');
  std::int64_t expect = 1;
  const std::int64_t batch = 5000;
  for (;;) {
    MEDSIGN_ASSIGN(auto rows, db_.query("SELECT a.seq, a.ts, a.actor, a.role, a.action, a.target, a.result, a.source, "
                                        "a.detail, a.prev_hash, a.hash, NULL, NULL, NULL FROM audit_log a "
                                        "WHERE a.seq > ? ORDER BY a.seq LIMIT ?",
                                        {expect - 1, batch}));
    for (auto& r : rows) {
      AuditEntry e = from_row(r);
      if (e.seq != expect)
        return fail(expect, "entry " + std::to_string(expect) + " is missing (deleted); next present is " +
                                std::to_string(e.seq));
      if (e.prev_hash != prev)
        return fail(e.seq, "entry " + std::to_string(e.seq) + " does not follow its predecessor (reordered or altered)");
      if (entry_hash(e) != e.hash) return fail(e.seq, "entry " + std::to_string(e.seq) + " was altered");
      auto cp = checkpoints.find(e.seq);
      if (cp != checkpoints.end()) {
        if (cp->second != e.hash)
          return fail(e.seq, "entry " + std::to_string(e.seq) + " differs from its signed checkpoint (chain rewritten)");
        ++rep.checkpoints;
      }
      prev = e.hash;
      ++expect;
      ++rep.entries;
    }
    if (static_cast<std::int64_t>(rows.size()) < batch) break;
  }
  for (auto& [seq, v] : checkpoints)
    if (seq >= expect) return fail(seq, "entries up to " + std::to_string(seq) + " were deleted (checkpoint exists)");
  MEDSIGN_ASSIGN(auto head, db_.query("SELECT seq, hash FROM audit_head WHERE id = 1"));
  if (head.size() != 1) return fail(0, "audit head is missing");
  if (head[0].int64(0) != expect - 1)
    return fail(expect, "the log ends at entry " + std::to_string(expect - 1) + " but " +
                            std::to_string(head[0].int64(0)) + " entries were written (tail deleted)");
  if (head[0].text(1) != prev) return fail(expect - 1, "the last entry does not match the recorded head");
  return rep;
}

}  // namespace medsign::services
