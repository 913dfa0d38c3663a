// pki::ValidationCache — successful validations remembered by (certificate SHA-256, policy name).
//
// A cached answer is reused only while nothing it depended on has changed: the CRL store's
// generation, the policy's list generations (VerificationPolicy::lists_generation) and the
// validation time staying inside the result's [valid_from_ms, valid_until_ms]. Failures are not
// cached (they are cheap to recompute and may be transient, e.g. a CRL not yet loaded).
//
// Policies must keep the same name only while their anchors, pools and rules stay the same; call
// clear() after changing a policy in place. Bounded: the least recently used entry goes first.
// Thread-safe.
#pragma once

#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

#include "pki/validation.h"

namespace medsign::pki {

class ValidationCache {
 public:
  // REQUIRES: capacity > 0.
  explicit ValidationCache(std::size_t capacity = 4096) : capacity_(capacity) {}

  // The cached result when still current, else validate() and cache a success.
  ValidationResult validate(const Certificate& cert, std::int64_t at_ms, const VerificationPolicy& policy,
                            const CrlStore& crls);

  struct Stats {
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;
    std::size_t size = 0;
  };
  Stats stats() const;
  void clear();

 private:
  struct Entry {
    std::string key;
    ValidationResult result;
    std::uint64_t crl_generation = 0;
    std::uint64_t lists_generation = 0;
  };

  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::list<Entry> lru_;  // most recent first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  std::uint64_t hits_ = 0;
  std::uint64_t misses_ = 0;
};

}  // namespace medsign::pki
