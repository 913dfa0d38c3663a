// Trust configuration for certificate validation: pools of certificates, fingerprint lists, and the
// named policies a verification request refers to.
//
//   TrustPolicy         one "project": trust anchors from any number of CA systems, an intermediate
//                       pool, the purpose certificates must serve, revocation and list rules.
//   VerificationPolicy  a named combination of projects; a certificate is valid under the policy when
//                       it is valid under any of them.
//
// Pools and policies are values built once and then read concurrently. FingerprintLists are shared
// (std::shared_ptr) and may change while in use; their generation tells caches to forget.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/error.h"
#include "pki/certificate.h"

namespace medsign::pki {

// What the end-entity certificate must be fit for. keyUsage is checked only when present (absent
// means unrestricted); extendedKeyUsage likewise unless stated.
enum class Purpose {
  any,               // no usage check
  document_signing,  // keyUsage digitalSignature or nonRepudiation
  timestamping,      // critical extendedKeyUsage holding only timeStamping (RFC 3161 §2.3); keyUsage
                     // digitalSignature or nonRepudiation
  tls_client,        // EKU clientAuth or anyExtendedKeyUsage; keyUsage digitalSignature or keyAgreement
  tls_server,        // EKU serverAuth or anyExtendedKeyUsage; keyUsage digitalSignature,
                     // keyEncipherment or keyAgreement
  encryption,        // keyUsage keyEncipherment or dataEncipherment
  ca,                // basicConstraints cA and keyUsage keyCertSign
};
// "any", "document_signing", "timestamping", "tls_client", "tls_server", "encryption", "ca".
std::string_view purpose_name(Purpose p);
Result<Purpose> purpose_from_name(std::string_view name);

enum class RevocationMode {
  off,           // CRLs are not consulted
  crl_required,  // fail closed: every issuer must have a CRL whose nextUpdate + grace is not past
  crl_best_effort,  // a CRL is used when there is one (stale or not); none is not an error
};
// "off", "crl_required", "crl_best_effort".
std::string_view revocation_mode_name(RevocationMode m);
Result<RevocationMode> revocation_mode_from_name(std::string_view name);

// A set of certificate SHA-256 fingerprints (lower-case hex). Thread-safe; every change bumps
// generation(). Each list starts at a distinct generation so sums over lists change with any list.
class FingerprintList {
 public:
  FingerprintList();
  // Errors: invalid_argument unless 64 hex digits (either case; stored lower-case).
  Status add(std::string_view sha256_hex);
  void add(const Certificate& cert) { (void)add(cert.fingerprint_sha256()); }
  bool remove(std::string_view sha256_hex);
  bool contains(std::string_view sha256_hex) const;
  std::size_t size() const;
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  mutable std::shared_mutex mu_;
  std::set<std::string, std::less<>> items_;
  std::atomic<std::uint64_t> generation_;
};

// Certificates indexed by subject Name for issuer lookup. Not thread-safe for writes; build first.
class CertificatePool {
 public:
  struct Entry {
    std::shared_ptr<const Certificate> cert;
    std::string fingerprint;  // SHA-256 hex
  };

  void add(Certificate cert);
  void add(std::shared_ptr<const Certificate> cert);
  // Adds every certificate in PEM text or one DER. Errors: bad_encoding.
  Status add_encoded(ByteView data);

  // Certificates whose subject equals `child`'s issuer and, when `child` has an AKI keyIdentifier
  // and the candidate an SKI, whose SKI matches it. In insertion order.
  std::vector<const Entry*> issuers_of(const Certificate& child) const;
  // The entry with this fingerprint, or nullptr.
  const Entry* find(std::string_view sha256_hex) const;
  const std::vector<Entry>& entries() const { return entries_; }
  std::size_t size() const { return entries_.size(); }

 private:
  std::vector<Entry> entries_;
  std::unordered_multimap<std::string, std::size_t> by_subject_;
  std::unordered_map<std::string, std::size_t> by_fingerprint_;
};

struct TrustPolicy {
  std::string name;
  CertificatePool anchors;
  CertificatePool intermediates;
  Purpose purpose = Purpose::any;
  RevocationMode revocation = RevocationMode::off;
  std::int64_t crl_grace_ms = 0;  // tolerance past nextUpdate in crl_required mode
  // When set, only end-entity certificates on this list are accepted (they must still validate).
  std::shared_ptr<FingerprintList> whitelist;
  // When set, certificates on this list are refused wherever they appear in the chain.
  std::shared_ptr<FingerprintList> blacklist;
  // Most certificates in a chain, end entity and anchor included.
  std::size_t max_path_length = 8;
};

struct VerificationPolicy {
  std::string name;  // cache key: must be unique among policies sharing a cache
  std::vector<TrustPolicy> projects;

  // Sum of the generations of every list of every project.
  std::uint64_t lists_generation() const;
};

}  // namespace medsign::pki
