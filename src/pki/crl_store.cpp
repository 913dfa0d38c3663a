#include "pki/crl_store.h"

#include <mutex>

namespace medsign::pki {
namespace {

// True when `candidate` is newer than `stored`.
bool is_newer(const Crl& candidate, const Crl& stored) {
  if (candidate.crl_number() && stored.crl_number()) {
    return compare_magnitudes(*candidate.crl_number(), *stored.crl_number()) > 0;
  }
  return candidate.this_update_ms() > stored.this_update_ms();
}

}  // namespace

std::string CrlStore::key_of(const Certificate& issuer) {
  std::string key(as_chars(issuer.subject().der()));
  key.push_back('\0');
  if (issuer.subject_key_identifier()) key.append(as_chars(*issuer.subject_key_identifier()));
  return key;
}

Result<CrlStore::AddOutcome> CrlStore::add(Crl crl, const Certificate& issuer) {
  if (!crl.usable()) {
    std::string list;
    for (const std::string& s : crl.unknown_critical_extensions()) list.append(list.empty() ? "" : ", ").append(s);
    return Error(Errc::invalid_argument, "crl: unknown critical extension " + list);
  }
  MEDSIGN_TRY(crl.verify(issuer));
  auto stored = std::make_shared<StoredCrl>(StoredCrl{std::move(crl), issuer.public_key().der});
  const std::string key = key_of(issuer);
  std::unique_lock lock(mu_);
  auto it = by_issuer_.find(key);
  if (it == by_issuer_.end()) {
    by_issuer_.emplace(key, std::move(stored));
    generation_.fetch_add(1, std::memory_order_acq_rel);
    return AddOutcome::added;
  }
  if (!is_newer(stored->crl, it->second->crl)) return AddOutcome::kept_newer;
  it->second = std::move(stored);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  return AddOutcome::replaced;
}

std::shared_ptr<const StoredCrl> CrlStore::find(const Certificate& issuer) const {
  const std::string key = key_of(issuer);
  std::shared_lock lock(mu_);
  auto it = by_issuer_.find(key);
  return it == by_issuer_.end() ? nullptr : it->second;
}

bool CrlStore::remove(const Certificate& issuer) {
  const std::string key = key_of(issuer);
  std::unique_lock lock(mu_);
  if (by_issuer_.erase(key) == 0) return false;
  generation_.fetch_add(1, std::memory_order_acq_rel);
  return true;
}

void CrlStore::clear() {
  std::unique_lock lock(mu_);
  if (by_issuer_.empty()) return;
  by_issuer_.clear();
  generation_.fetch_add(1, std::memory_order_acq_rel);
}

std::size_t CrlStore::size() const {
  std::shared_lock lock(mu_);
  return by_issuer_.size();
}

}  // namespace medsign::pki
