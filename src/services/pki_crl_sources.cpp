// PkiPolicyService: CRL sources, scheduled and manual fetches, CRL upload.
#include <algorithm>
#include <map>

#include "common/clock.h"
#include "common/logging.h"
#include "services/pki_policy.h"

namespace medsign::services {
namespace {
// True when `a` is newer than `b` (CrlStore's rule: cRLNumber, else thisUpdate).
bool newer(const pki::Crl& a, const pki::Crl& b) {
  if (a.crl_number() && b.crl_number()) return pki::compare_magnitudes(*a.crl_number(), *b.crl_number()) > 0;
  return a.this_update_ms() > b.this_update_ms();
}

constexpr const char* kSourceColumns =
    "id, ca_fingerprint, url, interval_s, timeout_ms, enabled, last_fetch_at, last_status, last_error, "
    "next_fetch_at, crl_next_update";

CrlSource source_from_row(const store::Row& r) {
  CrlSource s;
  s.id = r.int64(0);
  s.ca_fingerprint = r.text(1);
  s.url = r.text(2);
  s.interval_s = r.int64(3);
  s.timeout_ms = static_cast<int>(r.int64(4));
  s.enabled = r.int64(5) != 0;
  s.last_fetch_at = r.int64(6);
  s.last_status = r.text(7);
  s.last_error = r.text(8);
  s.next_fetch_at = r.int64(9);
  s.crl_next_update = r.int64(10);
  return s;
}

Status check_source(const CrlSource& s) {
  MEDSIGN_TRY(pki::parse_crl_source_url(s.url));
  if (s.interval_s < 60 || s.interval_s > 30LL * 86400) return Error(Errc::invalid_argument, "interval_s: 60 to 2592000");
  if (s.timeout_ms < 100 || s.timeout_ms > 120000) return Error(Errc::invalid_argument, "timeout_ms: 100 to 120000");
  return {};
}

// After a failed fetch, retry sooner than the interval (but not more often than a minute).
std::int64_t retry_after_ms(const CrlSource& s) { return std::min<std::int64_t>(s.interval_s, 300) * 1000; }
}  // namespace

Result<CrlSource> PkiPolicyService::add_crl_source(CrlSource s, const PkiActor& actor) {
  MEDSIGN_TRY(check_source(s));
  auto snap = snapshot();
  auto ca = certificates("");
  if (std::none_of(ca.begin(), ca.end(), [&](auto& c) { return c.fingerprint == s.ca_fingerprint; }))
    return Error(Errc::not_found, "no trust anchor or intermediate " + s.ca_fingerprint);
  std::int64_t id = 0;
  MEDSIGN_TRY(change(actor, "pki.crl_source_add", s.url, [&](store::Tx& tx) -> Status {
    // change() has updated pki_state first, so PKI writers are serialised and MAX + 1 is free (plain
    // ids also survive a backup and restore on either backend).
    MEDSIGN_ASSIGN(store::Rows rows, tx.query("SELECT COALESCE(MAX(id), 0) + 1 FROM pki_crl_sources"));
    id = rows.empty() ? 1 : rows[0].int64(0);
    MEDSIGN_TRY(tx.exec("INSERT INTO pki_crl_sources (id, ca_fingerprint, url, interval_s, timeout_ms, enabled, "
                        "last_fetch_at, last_status, last_error, next_fetch_at, crl_next_update, created_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, 0, 'never', '', 0, 0, ?)",
                        {id, s.ca_fingerprint, s.url, s.interval_s, std::int64_t{s.timeout_ms},
                         std::int64_t{s.enabled ? 1 : 0}, unix_millis()}));
    return {};
  }, "CA " + s.ca_fingerprint));
  return crl_source(id);
}

Status PkiPolicyService::update_crl_source(const CrlSource& s, const PkiActor& actor) {
  MEDSIGN_TRY(check_source(s));
  MEDSIGN_TRY(crl_source(s.id));
  return change(actor, "pki.crl_source_update", std::to_string(s.id), [&](store::Tx& tx) -> Status {
    MEDSIGN_TRY(tx.exec("UPDATE pki_crl_sources SET url = ?, interval_s = ?, timeout_ms = ?, enabled = ?, "
                        "next_fetch_at = 0 WHERE id = ?",
                        {s.url, s.interval_s, std::int64_t{s.timeout_ms}, std::int64_t{s.enabled ? 1 : 0}, s.id}));
    return {};
  }, s.url);
}

Result<CrlSource> PkiPolicyService::crl_source(std::int64_t id) const {
  MEDSIGN_ASSIGN(store::Rows rows,
                 db_.query(std::string("SELECT ") + kSourceColumns + " FROM pki_crl_sources WHERE id = ?", {id}));
  if (rows.empty()) return Error(Errc::not_found, "no CRL source " + std::to_string(id));
  return source_from_row(rows[0]);
}

Result<std::vector<CrlSource>> PkiPolicyService::crl_sources() const {
  MEDSIGN_ASSIGN(store::Rows rows, db_.query(std::string("SELECT ") + kSourceColumns + " FROM pki_crl_sources ORDER BY id"));
  std::vector<CrlSource> out;
  for (auto& r : rows) out.push_back(source_from_row(r));
  return out;
}

Status PkiPolicyService::remove_crl_source(std::int64_t id, const PkiActor& actor) {
  MEDSIGN_ASSIGN(CrlSource s, crl_source(id));
  return change(actor, "pki.crl_source_remove", std::to_string(id), [&](store::Tx& tx) -> Status {
    MEDSIGN_TRY(tx.exec("DELETE FROM pki_crl_sources WHERE id = ?", {id}));
    return {};
  }, s.url);
}

Result<StoredCrlInfo> PkiPolicyService::store_crl(pki::Crl crl, const std::string& ca_fingerprint,
                                                  const std::string& source, const PkiActor& actor) {
  auto snap = snapshot();
  // The issuing CA: the named one, else every stored CA certificate with the CRL's issuer name.
  std::vector<const PkiCertificateInfo*> candidates;
  for (auto& [fp, c] : snap->certs)
    if (ca_fingerprint.empty() ? c.cert->subject() == crl.issuer() : fp == ca_fingerprint) candidates.push_back(&c);
  if (candidates.empty())
    return Error(Errc::not_found, ca_fingerprint.empty() ? "no stored CA certificate named " + crl.issuer().to_string()
                                                         : "no trust anchor or intermediate " + ca_fingerprint);
  const PkiCertificateInfo* issuer = nullptr;
  Error last(Errc::bad_signature, "");
  for (auto* c : candidates) {
    Status st = crl.verify(*c->cert);
    if (st) {
      issuer = c;
      break;
    }
    last = st.error();
  }
  if (!issuer) {
    std::string d = "the CRL was not issued by ";
    d.append(candidates.size() == 1 ? candidates[0]->cert->subject().to_string() : "any stored CA of that name");
    d.append(": ").append(last.detail);
    return Error(last.code, d);
  }
  if (!crl.usable()) {
    std::string d = "the CRL has unprocessed critical extensions:";
    for (auto& u : crl.unknown_critical_extensions()) d.append(" ").append(u);
    return Error(Errc::invalid_argument, d);
  }
  StoredCrlInfo info{issuer->fingerprint, crl.issuer().to_string(), crl.this_update_ms(), crl.next_update_ms().value_or(0),
                     crl.crl_number() ? hex_encode(*crl.crl_number()) : "", crl.revoked().size(), source, unix_millis()};
  if (auto cur = snap->crls.find(issuer->fingerprint); cur != snap->crls.end()) {
    if (cur->second.der() == crl.der()) return snap->crl_info.at(issuer->fingerprint);
    if (!newer(crl, cur->second))
      return Error(Errc::conflict, "a CRL as new or newer is stored for " + info.issuer + " (thisUpdate " +
                                       iso8601_millis(cur->second.this_update_ms()) + ")");
  }
  MEDSIGN_TRY(change(actor, "pki.crl_store", issuer->fingerprint, [&](store::Tx& tx) -> Status {
    MEDSIGN_TRY(tx.exec("DELETE FROM pki_crls WHERE ca_fingerprint = ?", {issuer->fingerprint}));
    MEDSIGN_TRY(tx.exec("INSERT INTO pki_crls (ca_fingerprint, der, this_update, next_update, source, stored_at) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        {issuer->fingerprint, crl.der(), info.this_update, info.next_update, source, info.stored_at}));
    MEDSIGN_TRY(tx.exec("UPDATE pki_crl_sources SET crl_next_update = ? WHERE ca_fingerprint = ?",
                        {info.next_update, issuer->fingerprint}));
    return {};
  }, "from " + source + ", " + std::to_string(info.revoked) + " entries, thisUpdate " + iso8601_millis(info.this_update)));
  return info;
}

Result<StoredCrlInfo> PkiPolicyService::upload_crl(ByteView data, const std::string& ca_fingerprint,
                                                   const PkiActor& actor) {
  auto crl = pki::Crl::parse(data);
  if (!crl) {
    (void)audit_.record({actor.name, actor.role, "pki.crl_upload", ca_fingerprint, "failure", actor.source,
                         crl.error().detail});
    return crl.error();
  }
  auto r = store_crl(std::move(*crl), ca_fingerprint, "upload", actor);
  if (!r)
    (void)audit_.record({actor.name, actor.role, "pki.crl_upload", ca_fingerprint, "failure", actor.source,
                         r.error().detail});
  return r;
}

std::vector<StoredCrlInfo> PkiPolicyService::crls() const {
  std::vector<StoredCrlInfo> out;
  for (auto& [fp, c] : snapshot()->crl_info) out.push_back(c);
  return out;
}

Result<CrlSource> PkiPolicyService::fetch_crl_source(std::int64_t id, std::int64_t now_ms, const PkiActor& actor) {
  MEDSIGN_ASSIGN(CrlSource s, crl_source(id));
  pki::CrlFetchOptions o = fetch_options_;
  o.timeout_ms = s.timeout_ms;
  o.connect_timeout_ms = std::min(o.connect_timeout_ms, s.timeout_ms);
  auto crl = pki::fetch_crl(s.url, o);
  Result<StoredCrlInfo> stored = crl ? store_crl(std::move(*crl), s.ca_fingerprint, s.url, actor)
                                     : Result<StoredCrlInfo>(crl.error());
  std::string status = "ok", error;
  if (!stored && stored.error().code == Errc::conflict) {
    status = "unchanged";  // the source still serves an older CRL than the stored one
    error = stored.error().detail;
  } else if (!stored) {
    status = "error";
    error = stored.error().to_string();
  }
  const std::int64_t next = now_ms + (status == "error" ? retry_after_ms(s) : s.interval_s * 1000);
  // nextUpdate of the CA's current CRL, whichever way it arrived.
  std::int64_t crl_next = 0;
  {
    auto snap = snapshot();
    if (auto it = snap->crl_info.find(s.ca_fingerprint); it != snap->crl_info.end()) crl_next = it->second.next_update;
  }
  Status st = db_.transaction([&](store::Tx& tx) -> Status {
    MEDSIGN_TRY(tx.exec("UPDATE pki_crl_sources SET last_fetch_at = ?, last_status = ?, last_error = ?, "
                        "next_fetch_at = ?, crl_next_update = ? WHERE id = ?",
                        {now_ms, status, error, next, crl_next, id}));
    MEDSIGN_TRY(audit_.record_in(tx, {actor.name, actor.role, "pki.crl_fetch", std::to_string(id),
                                      status == "error" ? "failure" : "success", actor.source,
                                      s.url + ": " + (error.empty() ? status : error)}));
    return {};
  });
  if (!st) return st.error();
  if (status == "error") return stored.error();
  return crl_source(id);
}

int PkiPolicyService::run_due_crl_fetches(std::int64_t now_ms) {
  if (auto st = reload_if_changed(); !st) log::warn("pki reload failed", {{"error", st.error().to_string()}});
  auto rows = db_.query("SELECT id FROM pki_crl_sources WHERE enabled = 1 AND next_fetch_at <= ? ORDER BY id", {now_ms});
  if (!rows) {
    log::warn("CRL sources unreadable", {{"error", rows.error().to_string()}});
    return 0;
  }
  int n = 0;
  for (auto& r : *rows) {
    ++n;
    auto res = fetch_crl_source(r.int64(0), now_ms, PkiActor{"system", "system", "scheduler"});
    if (!res) log::warn("CRL fetch failed", {{"source", r.int64(0)}, {"error", res.error().to_string()}});
  }
  return n;
}

CrlFetchTimer::CrlFetchTimer(PkiPolicyService& svc, int interval_ms) : svc_(svc) {
  thread_ = std::thread([this, interval_ms] {
    std::unique_lock lock(mu_);
    while (!stop_) {
      lock.unlock();
      svc_.run_due_crl_fetches(unix_millis());
      lock.lock();
      cv_.wait_for(lock, std::chrono::milliseconds(interval_ms), [this] { return stop_; });
    }
  });
}

CrlFetchTimer::~CrlFetchTimer() { stop(); }

void CrlFetchTimer::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace medsign::services
