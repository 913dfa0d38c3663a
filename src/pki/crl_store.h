// pki::CrlStore — the newest verified CRL of each issuing CA, shared by every validation.
//
// A CRL enters only through add(), which checks it against its issuer's certificate (Crl::verify)
// and refuses unusable CRLs. Entries are keyed by the issuer's subject Name DER and its
// subjectKeyIdentifier (empty when it has none), so two CAs with the same name but different keys
// keep separate lists. A newer CRL replaces the stored one: a higher cRLNumber, or — when either has
// no number — a later thisUpdate. Every change bumps generation(), which caches compare.
//
// Thread-safe: concurrent readers and writers. Readers get shared pointers that stay valid after a
// replacement.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>

#include "common/error.h"
#include "pki/certificate.h"
#include "pki/crl.h"

namespace medsign::pki {

struct StoredCrl {
  Crl crl;
  Bytes issuer_key_der;  // SubjectPublicKeyInfo DER the signature was checked with
};

class CrlStore {
 public:
  enum class AddOutcome { added, replaced, kept_newer };

  // Verifies `crl` against `issuer` and stores it unless the stored one is as new or newer
  // (kept_newer, nothing changes). Errors: invalid_argument for an unusable CRL (unknown critical
  // extension, with the list in the detail) or one `issuer` did not issue (name, AKI, keyUsage),
  // bad_signature when the signature does not verify.
  Result<AddOutcome> add(Crl crl, const Certificate& issuer);
  // The stored CRL of this issuing CA (by its subject and SKI), or nullptr.
  std::shared_ptr<const StoredCrl> find(const Certificate& issuer) const;
  // Removes the CRL of this issuing CA; true when there was one.
  bool remove(const Certificate& issuer);
  void clear();

  std::size_t size() const;
  // Starts at 0; incremented by every add that stores, every remove and every clear of a non-empty
  // store.
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  static std::string key_of(const Certificate& issuer);

  mutable std::shared_mutex mu_;
  std::map<std::string, std::shared_ptr<const StoredCrl>> by_issuer_;
  std::atomic<std::uint64_t> generation_{0};
};

}  // namespace medsign::pki
