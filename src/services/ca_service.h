// The embedded CA of a data dir (docs/CA.md): CA records with their keys sealed under the data dir's KEK,
// issued certificates (with keys generated here, sealed too), revocations and CRLs, in the database
// (tables ca_authorities, ca_certificates). Every state change is recorded in the audit log inside the
// same transaction. CRLs are republished when half their validity has passed (publish_due, called
// periodically by the server and whenever a CRL is fetched) and at once after a revocation.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <thread>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "ca/authority.h"
#include "crypto/soft/keystore.h"
#include "services/audit_log.h"
#include "store/database.h"

namespace medsign::services {

// Who asks (for the audit log).
struct CaActor {
  std::string name = "cli";
  std::string role = "offline";
  std::string source = "cli";
};

struct CaRecord {
  std::string name;
  std::string parent;     // "" for a root
  std::string algorithm;  // crypto::key_alg_name
  pki::Certificate certificate;
  std::string crl_url;    // where its CRL is served (and what its certificates name)
  std::vector<std::string> policies;
  std::int64_t crl_interval_s = 0;
  std::int64_t crl_number = 0;  // of the last CRL published (0 = none yet)
  std::int64_t crl_this_update = 0, crl_next_update = 0;
  std::int64_t created_at = 0;
};

struct IssuedRecord {
  std::string serial;  // lower-case hex of the INTEGER contents
  std::string ca, profile, subject;
  std::int64_t not_before = 0, not_after = 0, issued_at = 0;
  std::string status;  // "valid" or "revoked"
  std::int64_t revoked_at = 0;
  std::string reason;  // RFC 5280 name when revoked
  bool key_held = false;  // the key was generated here and can be exported as PKCS#12
  pki::Certificate certificate;
};

struct CaCreateRequest {
  std::string name;        // 1..32 of [a-z0-9_-]
  std::string parent;      // "" = a root CA; else the issuing CA's name
  std::string subject;     // "C=CN, O=..., CN=..."
  std::string algorithm = "sm2";  // sm2, rsa-2048, rsa-3072, ecdsa-p256, ...
  int days = 3650;
  std::string crl_base_url;  // "http://host:port"; the CRL is at <base>/crl/<name>.crl ("" = service default)
  std::vector<std::string> policies;  // dotted OIDs for certificatePolicies of end-entity certificates
  std::int64_t crl_interval_s = 86'400;
};

struct IssueRequest {
  std::string ca;
  std::string csr;          // PKCS#10, PEM or DER; or empty with generate_key set
  std::string generate_key; // "" or a key algorithm: the key is generated here and kept sealed
  std::string subject;      // overrides the request's subject; required with generate_key
  ca::IssueOptions options;
};

struct IssuedQuery {
  std::string ca, profile, status;
  std::string subject;  // substring
  int page = 1, page_size = 50;
};
struct IssuedPage {
  std::vector<IssuedRecord> items;
  std::int64_t total = 0;
  int page = 1, page_size = 50;
};

// Names: 1..32 of [a-z0-9_-], starting with a letter or digit.
Status check_ca_name(const std::string& name);
// RFC 5280 reason names ("keyCompromise", ...) or their numbers; removeFromCRL is refused.
Result<pki::CrlReason> parse_crl_reason(const std::string& s);

nlohmann::json ca_record_json(const CaRecord& r);
nlohmann::json issued_record_json(const IssuedRecord& r);

class CaService {
 public:
  // default_crl_base: "http://<listen>:<port>" of this server, used when a CA is created without one.
  CaService(store::Database& db, const crypto::SoftKeyStore& keys, AuditLog& audit, std::string default_crl_base);

  Result<std::vector<CaRecord>> list();
  // not_found when there is no such CA.
  Result<CaRecord> get(const std::string& name);
  // Creates a root (no parent) or an intermediate CA and publishes its first CRL. conflict when the name
  // is taken.
  Result<CaRecord> create(const CaCreateRequest& req, const CaActor& who);
  Result<IssuedRecord> issue(const IssueRequest& req, const CaActor& who);
  Result<IssuedPage> search(const IssuedQuery& q);
  Result<IssuedRecord> find(const std::string& serial);
  // Certificates still valid (not revoked) whose notAfter is before before_ms, soonest first (at most 500).
  Result<std::vector<IssuedRecord>> expiring(std::int64_t before_ms);
  // The certificate followed by its CA chain up to the root.
  Result<std::vector<pki::Certificate>> chain(const std::string& serial);
  // PKCS#12 of a certificate whose key was generated here (audited). not_found when the key is not held.
  Result<Bytes> export_pkcs12(const std::string& serial, const std::string& password, const CaActor& who);
  // Revokes and publishes a new CRL at once. conflict when already revoked.
  Result<IssuedRecord> revoke(const std::string& serial, pki::CrlReason reason, const CaActor& who,
                              std::int64_t revoked_ms = 0);
  // Signs and stores a new CRL (next CRL number; nextUpdate = now + the CA's interval).
  Result<pki::Crl> publish_crl(const std::string& name, const CaActor& who, std::int64_t now_ms = 0);
  // Republishes every CRL that is missing or past half of its validity. Returns the CAs republished.
  Result<std::vector<std::string>> publish_due(std::int64_t now_ms = 0);
  // The current CRL (DER), republished first when due.
  Result<Bytes> current_crl(const std::string& name, std::int64_t now_ms = 0);

 private:
  Result<ca::CertificateAuthority> load_authority(const CaRecord& r);

  store::Database& db_;
  const crypto::SoftKeyStore& keys_;
  AuditLog& audit_;
  std::string default_crl_base_;
};

// Calls CaService::publish_due every interval_ms on its own thread until stopped (what `medsign serve` runs so
// that CRLs are republished before their nextUpdate even when nobody fetches them).
class CrlPublishTimer {
 public:
  CrlPublishTimer(CaService& svc, int interval_ms);
  ~CrlPublishTimer();  // stops
  void stop();

 private:
  CaService& svc_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace medsign::services
