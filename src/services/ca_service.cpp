#include "services/ca_service.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "asn1/oids.h"
#include "ca/export.h"
#include "common/clock.h"
#include "common/logging.h"

namespace medsign::services {
namespace {
constexpr const char* kCaColumns =
    "name, parent, algorithm, certificate, crl_url, policies, crl_interval_s, crl_number, crl_this_update, "
    "crl_next_update, created_at";
constexpr const char* kCertColumns =
    "serial, ca, profile, subject, not_before, not_after, issued_at, status, revoked_at, reason, certificate, "
    "CASE WHEN sealed_key IS NULL THEN 0 ELSE 1 END";

std::string key_purpose(const std::string& ca) { return "medsign-ca:" + ca; }
std::string issued_key_purpose(const std::string& serial) { return "medsign-ca-issued:" + serial; }

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < s.size()) {
    auto end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

Result<CaRecord> ca_from_row(const store::Row& row) {
  CaRecord r;
  r.name = row.text(0);
  r.parent = row.text(1);
  r.algorithm = row.text(2);
  MEDSIGN_ASSIGN(r.certificate, pki::Certificate::parse_der(row.blob(3)));
  r.crl_url = row.text(4);
  r.policies = split_commas(row.text(5));
  r.crl_interval_s = row.int64(6);
  r.crl_number = row.int64(7);
  r.crl_this_update = row.int64(8);
  r.crl_next_update = row.int64(9);
  r.created_at = row.int64(10);
  return r;
}

Result<IssuedRecord> cert_from_row(const store::Row& row) {
  IssuedRecord r;
  r.serial = row.text(0);
  r.ca = row.text(1);
  r.profile = row.text(2);
  r.subject = row.text(3);
  r.not_before = row.int64(4);
  r.not_after = row.int64(5);
  r.issued_at = row.int64(6);
  r.status = row.text(7);
  r.revoked_at = row.int64(8);
  std::int64_t reason = row.int64(9);
  if (reason >= 0) r.reason = std::string(pki::crl_reason_name(static_cast<pki::CrlReason>(reason)));
  MEDSIGN_ASSIGN(r.certificate, pki::Certificate::parse_der(row.blob(10)));
  r.key_held = row.int64(11) != 0;
  return r;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

AuditEvent event(const CaActor& who, const char* action, const std::string& target, const std::string& detail) {
  return {who.name, who.role, action, target, "success", who.source, detail};
}

Status check_url(const std::string& url) {
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
    return Error(Errc::invalid_argument, "crl_base_url must start with http:// or https://");
  for (char c : url)
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
      return Error(Errc::invalid_argument, "crl_base_url must be plain ASCII without spaces");
  return {};
}
}  // namespace

Status check_ca_name(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 32 && std::isalnum(static_cast<unsigned char>(name[0]));
  for (char c : name) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_');
  if (!ok) return Error(Errc::invalid_argument, "CA name: 1 to 32 of a-z, 0-9, '-' and '_'");
  return {};
}

Result<pki::CrlReason> parse_crl_reason(const std::string& s) {
  for (int i = 0; i <= 10; ++i) {
    if (i == 7 || i == 8) continue;
    auto r = static_cast<pki::CrlReason>(i);
    if (s == pki::crl_reason_name(r) || s == std::to_string(i)) return r;
  }
  return Error(Errc::invalid_argument,
               "reason: unspecified, keyCompromise, cACompromise, affiliationChanged, superseded, "
               "cessationOfOperation, certificateHold, privilegeWithdrawn or aACompromise");
}

nlohmann::json ca_record_json(const CaRecord& r) {
  const auto& c = r.certificate;
  return {{"name", r.name},
          {"parent", r.parent.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.parent)},
          {"kind", r.parent.empty() ? "root" : "intermediate"},
          {"algorithm", r.algorithm},
          {"subject", c.subject().to_string()},
          {"serial", c.serial_hex()},
          {"not_before", iso8601_millis(c.not_before_ms())},
          {"not_after", iso8601_millis(c.not_after_ms())},
          {"sha256", c.fingerprint_sha256()},
          {"crl_url", r.crl_url},
          {"policies", r.policies},
          {"crl_interval_s", r.crl_interval_s},
          {"crl_number", r.crl_number},
          {"crl_this_update", r.crl_this_update ? iso8601_millis(r.crl_this_update) : ""},
          {"crl_next_update", r.crl_next_update ? iso8601_millis(r.crl_next_update) : ""},
          {"created_at", iso8601_millis(r.created_at)},
          {"certificate", c.to_pem()}};
}

nlohmann::json issued_record_json(const IssuedRecord& r) {
  nlohmann::json j = {{"serial", r.serial},
                      {"ca", r.ca},
                      {"profile", r.profile},
                      {"subject", r.subject},
                      {"algorithm", pki::key_type_name(r.certificate.key_type())},
                      {"not_before", iso8601_millis(r.not_before)},
                      {"not_after", iso8601_millis(r.not_after)},
                      {"issued_at", iso8601_millis(r.issued_at)},
                      {"status", r.status},
                      {"key_held", r.key_held},
                      {"sha256", r.certificate.fingerprint_sha256()}};
  if (r.status == "revoked") {
    j["revoked_at"] = iso8601_millis(r.revoked_at);
    j["reason"] = r.reason;
  }
  return j;
}

CaService::CaService(store::Database& db, const crypto::SoftKeyStore& keys, AuditLog& audit, std::string default_crl_base)
    : db_(db), keys_(keys), audit_(audit), default_crl_base_(std::move(default_crl_base)) {}

Result<std::vector<CaRecord>> CaService::list() {
  MEDSIGN_ASSIGN(store::Rows rows, db_.query(std::string("SELECT ") + kCaColumns + " FROM ca_authorities ORDER BY created_at, name"));
  std::vector<CaRecord> out;
  for (auto& row : rows) {
    MEDSIGN_ASSIGN(CaRecord r, ca_from_row(row));
    out.push_back(std::move(r));
  }
  return out;
}

Result<CaRecord> CaService::get(const std::string& name) {
  MEDSIGN_TRY(check_ca_name(name));
  MEDSIGN_ASSIGN(store::Rows rows, db_.query(std::string("SELECT ") + kCaColumns + " FROM ca_authorities WHERE name = ?", {name}));
  if (rows.empty()) return Error(Errc::not_found, "no CA named '" + name + "'");
  return ca_from_row(rows.front());
}

Result<ca::CertificateAuthority> CaService::load_authority(const CaRecord& r) {
  MEDSIGN_ASSIGN(store::Rows rows, db_.query("SELECT sealed_key FROM ca_authorities WHERE name = ?", {r.name}));
  if (rows.empty()) return Error(Errc::not_found, "no CA named '" + r.name + "'");
  MEDSIGN_ASSIGN(SecretBytes pkcs8, keys_.unseal_blob(rows.front().blob(0), key_purpose(r.name)));
  MEDSIGN_ASSIGN(crypto::KeyPair key, crypto::KeyPair::from_pkcs8(pkcs8.view()));
  ca::CaSettings s;
  s.crl_url = r.crl_url;
  for (const std::string& p : r.policies) {
    MEDSIGN_ASSIGN(asn1::Oid oid, asn1::Oid::from_string(p));
    s.policies.push_back(oid);
  }
  return ca::CertificateAuthority::load(r.certificate, std::move(key), std::move(s));
}

Result<CaRecord> CaService::create(const CaCreateRequest& req, const CaActor& who) {
  MEDSIGN_TRY(check_ca_name(req.name));
  MEDSIGN_ASSIGN(crypto::KeyAlg alg, crypto::parse_key_alg(req.algorithm));
  MEDSIGN_ASSIGN(Bytes subject, ca::name_from_text(req.subject));
  if (req.crl_interval_s < 3600 || req.crl_interval_s > 31 * 86'400)
    return Error(Errc::invalid_argument, "crl_interval_s: 3600 to 2678400 seconds");
  std::string base = req.crl_base_url.empty() ? default_crl_base_ : req.crl_base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  MEDSIGN_TRY(check_url(base));
  ca::CaSettings settings;
  settings.crl_url = base + "/crl/" + req.name + ".crl";
  for (const std::string& p : req.policies) {
    auto oid = asn1::Oid::from_string(p);
    if (!oid) return Error(Errc::invalid_argument, "policies: '" + p + "' is not a dotted OID");
    settings.policies.push_back(*oid);
  }
  auto existing = get(req.name);
  if (existing) return Error(Errc::conflict, "a CA named '" + req.name + "' exists already");
  Result<ca::CertificateAuthority> made = Error(Errc::internal);
  if (req.parent.empty()) {
    made = ca::CertificateAuthority::create_root(subject, alg, req.days, settings);
  } else {
    MEDSIGN_ASSIGN(CaRecord parent, get(req.parent));
    MEDSIGN_ASSIGN(ca::CertificateAuthority issuer, load_authority(parent));
    made = issuer.create_intermediate(subject, alg, req.days, settings);
  }
  if (!made) return made.error();
  MEDSIGN_ASSIGN(SecretBytes pkcs8, made->key().pkcs8());
  MEDSIGN_ASSIGN(Bytes sealed, keys_.seal_blob(pkcs8.view(), key_purpose(req.name)));
  std::string policies;
  for (const std::string& p : req.policies) policies.append(policies.empty() ? "" : ",").append(p);
  const std::int64_t now = unix_millis();
  const pki::Certificate& cert = made->certificate();
  MEDSIGN_TRY(db_.transaction([&](store::Tx& tx) -> Status {
    MEDSIGN_TRY(tx.exec(
        "INSERT INTO ca_authorities (name, parent, algorithm, certificate, sealed_key, crl_url, policies, "
        "crl_interval_s, crl_number, crl_this_update, crl_next_update, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, ?)",
        {req.name, req.parent, std::string(crypto::key_alg_name(alg)), cert.der(), sealed, settings.crl_url, policies,
         req.crl_interval_s, now}));
    MEDSIGN_TRY(audit_.record_in(tx, event(who, "ca.create", req.name,
                                           std::string(req.parent.empty() ? "root" : "intermediate under " + req.parent) +
                                               ", " + req.algorithm + ", " + cert.subject().to_string())));
    return {};
  }));
  MEDSIGN_TRY(publish_crl(req.name, who, now));
  return get(req.name);
}

Result<IssuedRecord> CaService::issue(const IssueRequest& req, const CaActor& who) {
  MEDSIGN_ASSIGN(CaRecord rec, get(req.ca));
  MEDSIGN_ASSIGN(ca::CertificateAuthority authority, load_authority(rec));
  Result<pki::Certificate> cert = Error(Errc::internal);
  std::optional<Bytes> sealed_key;
  std::optional<SecretBytes> pkcs8;
  if (!req.generate_key.empty()) {
    if (!req.csr.empty()) return Error(Errc::invalid_argument, "give either a csr or generate_key, not both");
    if (req.subject.empty()) return Error(Errc::missing_field, "subject: required when the key is generated here");
    MEDSIGN_ASSIGN(crypto::KeyAlg alg, crypto::parse_key_alg(req.generate_key));
    MEDSIGN_ASSIGN(crypto::KeyPair key, crypto::KeyPair::generate(alg));
    MEDSIGN_ASSIGN(Bytes subject, ca::name_from_text(req.subject));
    cert = authority.issue_for_key(subject, key.public_key_der(), req.options);
    if (!cert) return cert.error();
    MEDSIGN_ASSIGN(SecretBytes der, key.pkcs8());
    pkcs8 = std::move(der);
  } else {
    if (req.csr.empty()) return Error(Errc::missing_field, "csr: a PKCS#10 request (PEM) is required");
    MEDSIGN_ASSIGN(pki::CertificationRequest csr, pki::CertificationRequest::parse(as_bytes(req.csr)));
    if (req.subject.empty()) {
      cert = authority.issue(csr, req.options);
    } else {
      MEDSIGN_TRY(csr.verify_signature());
      MEDSIGN_ASSIGN(Bytes subject, ca::name_from_text(req.subject));
      cert = authority.issue_for_key(subject, csr.public_key().der, req.options);
    }
    if (!cert) return cert.error();
  }
  const std::string serial = cert->serial_hex();
  if (pkcs8) {
    MEDSIGN_ASSIGN(Bytes s, keys_.seal_blob(pkcs8->view(), issued_key_purpose(serial)));
    sealed_key = std::move(s);
  }
  const std::int64_t now = unix_millis();
  const std::string profile(ca::profile_name(req.options.profile));
  MEDSIGN_TRY(db_.transaction([&](store::Tx& tx) -> Status {
    MEDSIGN_TRY(tx.exec(
        "INSERT INTO ca_certificates (serial, ca, profile, subject, not_before, not_after, issued_at, status, revoked_at, "
        "reason, certificate, sealed_key) VALUES (?, ?, ?, ?, ?, ?, ?, 'valid', 0, -1, ?, ?)",
        {serial, req.ca, profile, cert->subject().to_string(), cert->not_before_ms(), cert->not_after_ms(), now,
         cert->der(), sealed_key ? store::Value(*sealed_key) : store::Value(nullptr)}));
    MEDSIGN_TRY(audit_.record_in(tx, event(who, "ca.issue", req.ca + "/" + serial,
                                           profile + ", " + cert->subject().to_string() +
                                               (sealed_key ? ", key generated here" : ", from PKCS#10"))));
    return {};
  }));
  return find(serial);
}

Result<IssuedPage> CaService::search(const IssuedQuery& q) {
  IssuedPage page;
  page.page = std::max(1, q.page);
  page.page_size = std::clamp(q.page_size, 1, 500);
  std::string where = " WHERE 1 = 1";
  store::Params params;
  auto add = [&](const char* clause, std::string value) {
    where += clause;
    params.emplace_back(std::move(value));
  };
  if (!q.ca.empty()) add(" AND ca = ?", q.ca);
  if (!q.profile.empty()) add(" AND profile = ?", q.profile);
  if (!q.status.empty()) {
    if (q.status != "valid" && q.status != "revoked") return Error(Errc::invalid_argument, "status: valid or revoked");
    add(" AND status = ?", q.status);
  }
  if (!q.subject.empty()) add(" AND subject LIKE ?", "%" + q.subject + "%");
  MEDSIGN_ASSIGN(store::Rows count, db_.query("SELECT count(*) FROM ca_certificates" + where, params));
  page.total = count.empty() ? 0 : count.front().int64(0);
  store::Params p2 = params;
  p2.emplace_back(std::int64_t{page.page_size});
  p2.emplace_back(std::int64_t{(page.page - 1) * page.page_size});
  MEDSIGN_ASSIGN(store::Rows rows, db_.query(std::string("SELECT ") + kCertColumns + " FROM ca_certificates" + where +
                                                 " ORDER BY issued_at DESC, serial LIMIT ? OFFSET ?",
                                             p2));
  for (auto& row : rows) {
    MEDSIGN_ASSIGN(IssuedRecord r, cert_from_row(row));
    page.items.push_back(std::move(r));
  }
  return page;
}

Result<std::vector<IssuedRecord>> CaService::expiring(std::int64_t before_ms) {
  MEDSIGN_ASSIGN(store::Rows rows, db_.query(std::string("SELECT ") + kCertColumns +
                                                 " FROM ca_certificates WHERE status = 'valid' AND not_after < ?"
                                                 " ORDER BY not_after, serial LIMIT 500",
                                             {before_ms}));
  std::vector<IssuedRecord> out;
  for (auto& row : rows) {
    MEDSIGN_ASSIGN(IssuedRecord r, cert_from_row(row));
    out.push_back(std::move(r));
  }
  return out;
}

Result<IssuedRecord> CaService::find(const std::string& serial) {
  const std::string s = lower(serial);
  if (s.empty() || s.size() > 42 || s.find_first_not_of("0123456789abcdef") != std::string::npos)
    return Error(Errc::invalid_argument, "serial: hexadecimal");
  MEDSIGN_ASSIGN(store::Rows rows, db_.query(std::string("SELECT ") + kCertColumns + " FROM ca_certificates WHERE serial = ?", {s}));
  if (rows.empty()) return Error(Errc::not_found, "no certificate with serial " + s + " was issued here");
  return cert_from_row(rows.front());
}

Result<std::vector<pki::Certificate>> CaService::chain(const std::string& serial) {
  MEDSIGN_ASSIGN(IssuedRecord r, find(serial));
  std::vector<pki::Certificate> out{r.certificate};
  std::string next = r.ca;
  for (int depth = 0; !next.empty() && depth < 8; ++depth) {
    MEDSIGN_ASSIGN(CaRecord ca, get(next));
    out.push_back(ca.certificate);
    next = ca.parent;
  }
  return out;
}

Result<Bytes> CaService::export_pkcs12(const std::string& serial, const std::string& password, const CaActor& who) {
  MEDSIGN_ASSIGN(IssuedRecord r, find(serial));
  if (!r.key_held) return Error(Errc::not_found, "the key of certificate " + r.serial + " was not generated here");
  MEDSIGN_ASSIGN(store::Rows rows, db_.query("SELECT sealed_key FROM ca_certificates WHERE serial = ?", {r.serial}));
  if (rows.empty()) return Error(Errc::not_found, "no certificate with serial " + r.serial);
  MEDSIGN_ASSIGN(SecretBytes pkcs8, keys_.unseal_blob(rows.front().blob(0), issued_key_purpose(r.serial)));
  MEDSIGN_ASSIGN(auto certs, chain(r.serial));
  MEDSIGN_ASSIGN(Bytes p12, ca::pkcs12(pkcs8.view(), certs, password, r.subject));
  MEDSIGN_TRY(audit_.record(event(who, "ca.pkcs12_export", r.ca + "/" + r.serial, r.subject)));
  return p12;
}

Result<IssuedRecord> CaService::revoke(const std::string& serial, pki::CrlReason reason, const CaActor& who,
                                       std::int64_t revoked_ms) {
  if (reason == pki::CrlReason::remove_from_crl)
    return Error(Errc::invalid_argument, "removeFromCRL is only for delta CRLs");
  MEDSIGN_ASSIGN(IssuedRecord r, find(serial));
  if (revoked_ms == 0) revoked_ms = unix_millis() / 1000 * 1000;
  MEDSIGN_TRY(db_.transaction([&](store::Tx& tx) -> Status {
    MEDSIGN_ASSIGN(std::int64_t n, tx.exec("UPDATE ca_certificates SET status = 'revoked', revoked_at = ?, reason = ? "
                                           "WHERE serial = ? AND status = 'valid'",
                                           {revoked_ms, std::int64_t{static_cast<int>(reason)}, r.serial}));
    if (n == 0) return Error(Errc::conflict, "certificate " + r.serial + " is already revoked");
    MEDSIGN_TRY(audit_.record_in(tx, event(who, "ca.revoke", r.ca + "/" + r.serial,
                                           std::string(pki::crl_reason_name(reason)) + ", " + r.subject)));
    return {};
  }));
  MEDSIGN_TRY(publish_crl(r.ca, who));
  return find(r.serial);
}

Result<pki::Crl> CaService::publish_crl(const std::string& name, const CaActor& who, std::int64_t now_ms) {
  if (now_ms == 0) now_ms = unix_millis();
  now_ms = now_ms / 1000 * 1000;
  MEDSIGN_ASSIGN(CaRecord rec, get(name));
  MEDSIGN_ASSIGN(ca::CertificateAuthority authority, load_authority(rec));
  std::optional<pki::Crl> crl;
  MEDSIGN_TRY(db_.transaction([&](store::Tx& tx) -> Status {
    // Claim the next number first (the row lock orders concurrent publishers).
    MEDSIGN_TRY(tx.exec("UPDATE ca_authorities SET crl_number = crl_number + 1 WHERE name = ?", {name}));
    MEDSIGN_ASSIGN(store::Rows num, tx.query("SELECT crl_number FROM ca_authorities WHERE name = ?", {name}));
    if (num.empty()) return Error(Errc::not_found, "no CA named '" + name + "'");
    const std::int64_t number = num.front().int64(0);
    MEDSIGN_ASSIGN(store::Rows rows, tx.query("SELECT serial, revoked_at, reason FROM ca_certificates WHERE ca = ? AND "
                                              "status = 'revoked' ORDER BY revoked_at, serial",
                                              {name}));
    std::vector<ca::Revocation> revoked;
    for (auto& row : rows) {
      MEDSIGN_ASSIGN(Bytes serial, hex_decode(row.text(0)));
      revoked.push_back({std::move(serial), row.int64(1), static_cast<pki::CrlReason>(row.int64(2))});
    }
    const std::int64_t next = now_ms + rec.crl_interval_s * 1000;
    MEDSIGN_ASSIGN(pki::Crl made, authority.build_crl(revoked, number, now_ms, next));
    MEDSIGN_TRY(tx.exec("UPDATE ca_authorities SET crl = ?, crl_this_update = ?, crl_next_update = ? WHERE name = ?",
                        {made.der(), now_ms, next, name}));
    MEDSIGN_TRY(audit_.record_in(tx, event(who, "ca.crl_publish", name,
                                           "CRL number " + std::to_string(number) + ", " + std::to_string(revoked.size()) +
                                               " entries, next update " + iso8601_millis(next))));
    crl = std::move(made);
    return {};
  }));
  return std::move(*crl);
}

Result<std::vector<std::string>> CaService::publish_due(std::int64_t now_ms) {
  if (now_ms == 0) now_ms = unix_millis();
  MEDSIGN_ASSIGN(auto cas, list());
  std::vector<std::string> done;
  for (const CaRecord& r : cas) {
    const std::int64_t half = r.crl_this_update + (r.crl_next_update - r.crl_this_update) / 2;
    if (r.crl_number > 0 && now_ms < half) continue;
    MEDSIGN_TRY(publish_crl(r.name, {"system", "system", "scheduler"}, now_ms));
    done.push_back(r.name);
  }
  return done;
}

Result<Bytes> CaService::current_crl(const std::string& name, std::int64_t now_ms) {
  if (now_ms == 0) now_ms = unix_millis();
  MEDSIGN_ASSIGN(CaRecord r, get(name));
  const std::int64_t half = r.crl_this_update + (r.crl_next_update - r.crl_this_update) / 2;
  if (r.crl_number == 0 || now_ms >= half) {
    MEDSIGN_ASSIGN(pki::Crl crl, publish_crl(name, {"system", "system", "scheduler"}, now_ms));
    return crl.der();
  }
  MEDSIGN_ASSIGN(store::Rows rows, db_.query("SELECT crl FROM ca_authorities WHERE name = ?", {name}));
  if (rows.empty()) return Error(Errc::not_found, "no CA named '" + name + "'");
  return rows.front().blob(0);
}

CrlPublishTimer::CrlPublishTimer(CaService& svc, int interval_ms) : svc_(svc) {
  thread_ = std::thread([this, interval_ms] {
    std::unique_lock lock(mu_);
    while (!stop_) {
      lock.unlock();
      auto done = svc_.publish_due(unix_millis());
      if (!done) log::warn("CRL publication failed", {{"error", done.error().to_string()}});
      else if (!done->empty()) log::info("CRLs published", {{"cas", *done}});
      lock.lock();
      cv_.wait_for(lock, std::chrono::milliseconds(interval_ms), [this] { return stop_; });
    }
  });
}

CrlPublishTimer::~CrlPublishTimer() { stop(); }

void CrlPublishTimer::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace medsign::services
