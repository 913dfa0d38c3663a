// Certificate trust configuration kept in the database, and certificate verification against it.
//
//   trust anchors       CA certificates from any number of CA systems (root or not: an anchor is trusted as is)
//   intermediates       CA certificates used for path building by every project
//   projects            a set of anchors, the purpose end entities must serve, a revocation mode, and an
//                       optional white-list (only listed certificates) or black-list (listed ones refused)
//   policies            named; combine one or more projects; may override the projects' handling of stale or
//                       missing CRLs (fail closed / soft fail)
//   CRL sources         per CA certificate: an http:// or ldap:// URL fetched every interval_s, with the last
//                       fetch's time, status and error and the current CRL's nextUpdate
//   CRLs                the newest verified CRL of each CA, from a source or uploaded by an operator
//
// A PkiPolicyService holds the whole configuration in memory (rebuilt after every change) and one
// ValidationCache, cleared whenever a CRL, list, anchor, project or policy changes. Every state change is
// audited with the actor inside the same transaction. Changes made by another process (the offline CLI
// while a server runs) are picked up by the next run_due_crl_fetches or reload_if_changed.
// Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "pki/crl_fetch.h"
#include "pki/crl_store.h"
#include "pki/validation.h"
#include "pki/validation_cache.h"
#include "services/audit_log.h"
#include "store/database.h"

namespace medsign::services {

// Who changes the configuration, for the audit log.
struct PkiActor {
  std::string name = "system";
  std::string role = "system";
  std::string source = "local";
};

struct PkiCertificateInfo {
  std::string fingerprint;  // SHA-256 hex
  std::string kind;         // "anchor" or "intermediate"
  std::shared_ptr<const pki::Certificate> cert;
  std::int64_t added_at = 0;
  std::string added_by;
};

enum class ListMode { none, whitelist, blacklist };
std::string_view list_mode_name(ListMode m);  // "none", "whitelist", "blacklist"
Result<ListMode> list_mode_from_name(std::string_view s);

struct PkiProject {
  std::string name;  // 1..64 of [A-Za-z0-9_.-]
  std::string description;
  std::vector<std::string> anchors;  // fingerprints of stored anchors
  pki::Purpose purpose = pki::Purpose::any;
  pki::RevocationMode revocation = pki::RevocationMode::crl_best_effort;
  std::int64_t crl_grace_ms = 0;
  ListMode list_mode = ListMode::none;
  std::vector<std::string> list;  // fingerprints on the project's list (filled by get/list)
  int max_path_length = 8;
};

// How a policy treats a missing or stale CRL in projects that consult CRLs.
enum class CrlFailure {
  project,      // as each project's revocation mode says
  fail_closed,  // refuse (crl_unavailable)
  soft_fail,    // accept, using a stale CRL when there is one
};
std::string_view crl_failure_name(CrlFailure f);  // "project", "fail_closed", "soft_fail"
Result<CrlFailure> crl_failure_from_name(std::string_view s);

struct PkiPolicy {
  std::string name;
  std::string description;
  std::vector<std::string> projects;  // in order
  CrlFailure crl_failure = CrlFailure::project;
};

struct CrlSource {
  std::int64_t id = 0;
  std::string ca_fingerprint;  // a stored anchor or intermediate
  std::string url;             // http:// or ldap://
  std::int64_t interval_s = 3600;
  int timeout_ms = 15000;
  bool enabled = true;
  std::int64_t last_fetch_at = 0;  // ms, 0 = never
  std::string last_status = "never";  // "never", "ok", "unchanged", "error"
  std::string last_error;
  std::int64_t next_fetch_at = 0;
  std::int64_t crl_next_update = 0;  // of the CA's current CRL, 0 = none
};

struct StoredCrlInfo {
  std::string ca_fingerprint;
  std::string issuer;
  std::int64_t this_update = 0, next_update = 0;
  std::string crl_number;  // hex
  std::size_t revoked = 0;
  std::string source;  // "upload" or the source URL
  std::int64_t stored_at = 0;
};

struct VerifyRequest {
  std::string policy;
  Bytes certificate;  // DER or PEM
  std::optional<std::int64_t> at_ms;  // default: now
};

class PkiPolicyService {
 public:
  // Loads the configuration and the stored CRLs. REQUIRES: db and audit outlive the service.
  static Result<std::unique_ptr<PkiPolicyService>> open(store::Database& db, AuditLog& audit);

  // ---- anchors and intermediates ----
  // `data`: PEM (every certificate in it) or one DER. Must be CA certificates (basicConstraints cA).
  // Adding one that is there already is a no-op. Errors: bad_encoding, invalid_argument.
  Result<std::vector<PkiCertificateInfo>> add_certificates(const std::string& kind, ByteView data,
                                                           const PkiActor& actor);
  std::vector<PkiCertificateInfo> certificates(const std::string& kind) const;
  // not_found; conflict while a project or CRL source uses it.
  Status remove_certificate(const std::string& kind, const std::string& fingerprint, const PkiActor& actor);

  // ---- projects ----
  Status put_project(const PkiProject& p, bool create, const PkiActor& actor);  // create: conflict if exists
  Result<PkiProject> project(const std::string& name) const;
  std::vector<PkiProject> projects() const;
  Status remove_project(const std::string& name, const PkiActor& actor);  // conflict while a policy uses it
  // `entry`: a SHA-256 fingerprint (64 hex digits) or a certificate (PEM/DER). Returns the fingerprint.
  Result<std::string> add_to_list(const std::string& project, ByteView entry, const PkiActor& actor);
  Status remove_from_list(const std::string& project, const std::string& fingerprint, const PkiActor& actor);

  // ---- policies ----
  Status put_policy(const PkiPolicy& p, bool create, const PkiActor& actor);
  Result<PkiPolicy> policy(const std::string& name) const;
  std::vector<PkiPolicy> policies() const;
  Status remove_policy(const std::string& name, const PkiActor& actor);

  // ---- CRL sources and CRLs ----
  Result<CrlSource> add_crl_source(CrlSource s, const PkiActor& actor);
  Status update_crl_source(const CrlSource& s, const PkiActor& actor);  // url, interval_s, timeout_ms, enabled
  Result<CrlSource> crl_source(std::int64_t id) const;
  Result<std::vector<CrlSource>> crl_sources() const;
  Status remove_crl_source(std::int64_t id, const PkiActor& actor);
  // Fetches now and records the outcome on the source. Returns the source as updated; the error of the
  // fetch (or of the CRL's check against its CA) when it failed.
  Result<CrlSource> fetch_crl_source(std::int64_t id, std::int64_t now_ms, const PkiActor& actor);
  // Fetches every enabled source whose next_fetch_at is due. Returns how many were attempted. Also
  // reloads the configuration when another process changed it.
  int run_due_crl_fetches(std::int64_t now_ms);
  // Checks the CRL against its CA — `ca_fingerprint` when given, else the stored CA certificate whose
  // subject is the CRL's issuer and whose key verifies it — and stores it when newer than the current one.
  // Errors: bad_encoding, not_found (no CA certificate with the CRL's issuer name), bad_signature (wrong
  // signer), invalid_argument (unusable CRL).
  Result<StoredCrlInfo> upload_crl(ByteView data, const std::string& ca_fingerprint, const PkiActor& actor);
  std::vector<StoredCrlInfo> crls() const;

  // ---- verification ----
  // Errors: not_found (policy), bad_encoding (certificate). A refused certificate is a result, not an error.
  Result<pki::ValidationResult> verify(const VerifyRequest& req) const;
  pki::ValidationCache::Stats cache_stats() const { return cache_.stats(); }

  // Rebuilds the in-memory configuration when the database's change counter moved (another process).
  Status reload_if_changed();

  // Options used for every fetch apart from the per-source timeout (tests shorten them).
  void set_fetch_options(const pki::CrlFetchOptions& o) { fetch_options_ = o; }

 private:
  struct Snapshot;
  PkiPolicyService(store::Database& db, AuditLog& audit);
  Status reload();
  // Runs fn and the audit record in one transaction, bumps the change counter, then reloads.
  Status change(const PkiActor& actor, const std::string& action, const std::string& target,
                const std::function<Status(store::Tx&)>& fn, const std::string& detail = {});
  std::shared_ptr<const Snapshot> snapshot() const;
  Result<StoredCrlInfo> store_crl(pki::Crl crl, const std::string& ca_fingerprint, const std::string& source,
                                  const PkiActor& actor);

  store::Database& db_;
  AuditLog& audit_;
  mutable std::mutex mu_;  // guards snap_ and version_
  std::shared_ptr<const Snapshot> snap_;
  std::int64_t version_ = -1;
  std::shared_ptr<pki::CrlStore> crls_;
  mutable pki::ValidationCache cache_;
  pki::CrlFetchOptions fetch_options_;
};

// The configuration as loaded by the last reload (an implementation detail shared by the service's files).
struct PkiPolicyService::Snapshot {
  std::int64_t version = 0;
  std::map<std::string, PkiCertificateInfo> certs;  // by fingerprint
  std::map<std::string, PkiProject> projects;
  std::map<std::string, PkiPolicy> policies;
  std::map<std::string, pki::VerificationPolicy> built;  // by policy name
  std::map<std::string, StoredCrlInfo> crl_info;         // by CA fingerprint
  std::map<std::string, pki::Crl> crls;                  // by CA fingerprint
  std::shared_ptr<pki::CrlStore> crl_store = std::make_shared<pki::CrlStore>();
};

// JSON views for the API and the CLI.
nlohmann::json to_json(const PkiCertificateInfo& c);
nlohmann::json to_json(const PkiProject& p);
nlohmann::json to_json(const PkiPolicy& p);
nlohmann::json to_json(const CrlSource& s);
nlohmann::json to_json(const StoredCrlInfo& c);
nlohmann::json to_json(const pki::ValidationResult& r);

// Calls PkiPolicyService::run_due_crl_fetches every interval_ms on its own thread until stopped.
class CrlFetchTimer {
 public:
  CrlFetchTimer(PkiPolicyService& svc, int interval_ms);
  ~CrlFetchTimer();  // stops
  void stop();

 private:
  PkiPolicyService& svc_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace medsign::services
