#include "pki/validation_cache.h"

namespace medsign::pki {

ValidationResult ValidationCache::validate(const Certificate& cert, std::int64_t at_ms,
                                           const VerificationPolicy& policy, const CrlStore& crls) {
  std::string key = cert.fingerprint_sha256();
  key.push_back('\n');
  key.append(policy.name);
  // Generations are read before validating so a change during validation makes the entry stale.
  const std::uint64_t crl_gen = crls.generation();
  const std::uint64_t lists_gen = policy.lists_generation();
  {
    std::lock_guard lock(mu_);
    auto it = index_.find(key);
    if (it != index_.end()) {
      const Entry& e = *it->second;
      if (e.crl_generation == crl_gen && e.lists_generation == lists_gen && at_ms >= e.result.valid_from_ms &&
          at_ms <= e.result.valid_until_ms) {
        lru_.splice(lru_.begin(), lru_, it->second);
        ++hits_;
        return e.result;
      }
      lru_.erase(it->second);
      index_.erase(it);
    }
    ++misses_;
  }
  ValidationResult r = pki::validate(cert, at_ms, policy, crls);
  if (!r.ok) return r;
  std::lock_guard lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) {
    lru_.erase(it->second);
    index_.erase(it);
  }
  lru_.push_front(Entry{key, r, crl_gen, lists_gen});
  index_.emplace(std::move(key), lru_.begin());
  while (lru_.size() > capacity_) {
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
  return r;
}

ValidationCache::Stats ValidationCache::stats() const {
  std::lock_guard lock(mu_);
  return Stats{hits_, misses_, lru_.size()};
}

void ValidationCache::clear() {
  std::lock_guard lock(mu_);
  lru_.clear();
  index_.clear();
}

}  // namespace medsign::pki
