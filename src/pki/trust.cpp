#include "pki/trust.h"

#include <algorithm>
#include <cctype>

namespace medsign::pki {
namespace {

// Generations of all lists come from one counter, so values never repeat across lists.
std::atomic<std::uint64_t> g_list_generation{0};
std::uint64_t next_generation() { return g_list_generation.fetch_add(1, std::memory_order_acq_rel) + 1; }

std::string subject_key(const Name& n) { return std::string(as_chars(n.der())); }

}  // namespace

std::string_view purpose_name(Purpose p) {
  switch (p) {
    case Purpose::any: return "any";
    case Purpose::document_signing: return "document_signing";
    case Purpose::timestamping: return "timestamping";
    case Purpose::tls_client: return "tls_client";
    case Purpose::tls_server: return "tls_server";
    case Purpose::encryption: return "encryption";
    case Purpose::ca: return "ca";
  }
  return "any";
}

Result<Purpose> purpose_from_name(std::string_view name) {
  for (Purpose p : {Purpose::any, Purpose::document_signing, Purpose::timestamping, Purpose::tls_client,
                    Purpose::tls_server, Purpose::encryption, Purpose::ca}) {
    if (purpose_name(p) == name) return p;
  }
  return Error(Errc::invalid_argument, std::string("unknown purpose ").append(name));
}

std::string_view revocation_mode_name(RevocationMode m) {
  switch (m) {
    case RevocationMode::off: return "off";
    case RevocationMode::crl_required: return "crl_required";
    case RevocationMode::crl_best_effort: return "crl_best_effort";
  }
  return "off";
}

Result<RevocationMode> revocation_mode_from_name(std::string_view name) {
  for (RevocationMode m : {RevocationMode::off, RevocationMode::crl_required, RevocationMode::crl_best_effort}) {
    if (revocation_mode_name(m) == name) return m;
  }
  return Error(Errc::invalid_argument, std::string("unknown revocation mode ").append(name));
}

FingerprintList::FingerprintList() : generation_(next_generation()) {}

Status FingerprintList::add(std::string_view sha256_hex) {
  if (sha256_hex.size() != 64 || !std::all_of(sha256_hex.begin(), sha256_hex.end(), [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c)) != 0;
      })) {
    return Error(Errc::invalid_argument, "fingerprint: expected 64 hex digits of SHA-256");
  }
  std::string lower(sha256_hex);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::unique_lock lock(mu_);
  if (items_.insert(std::move(lower)).second) generation_.store(next_generation(), std::memory_order_release);
  return {};
}

bool FingerprintList::remove(std::string_view sha256_hex) {
  std::string lower(sha256_hex);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::unique_lock lock(mu_);
  if (items_.erase(lower) == 0) return false;
  generation_.store(next_generation(), std::memory_order_release);
  return true;
}

bool FingerprintList::contains(std::string_view sha256_hex) const {
  std::shared_lock lock(mu_);
  return items_.find(sha256_hex) != items_.end();
}

std::size_t FingerprintList::size() const {
  std::shared_lock lock(mu_);
  return items_.size();
}

void CertificatePool::add(Certificate cert) { add(std::make_shared<const Certificate>(std::move(cert))); }

void CertificatePool::add(std::shared_ptr<const Certificate> cert) {
  std::string fp = cert->fingerprint_sha256();
  if (by_fingerprint_.count(fp) != 0) return;
  const std::size_t i = entries_.size();
  by_subject_.emplace(subject_key(cert->subject()), i);
  by_fingerprint_.emplace(fp, i);
  entries_.push_back(Entry{std::move(cert), std::move(fp)});
}

Status CertificatePool::add_encoded(ByteView data) {
  if (!data.empty() && data[0] == 0x30) {
    MEDSIGN_ASSIGN(Certificate c, Certificate::parse_der(data));
    add(std::move(c));
    return {};
  }
  MEDSIGN_ASSIGN(std::vector<Certificate> all, Certificate::parse_pem(as_chars(data)));
  for (Certificate& c : all) add(std::move(c));
  return {};
}

std::vector<const CertificatePool::Entry*> CertificatePool::issuers_of(const Certificate& child) const {
  std::vector<const Entry*> out;
  auto [lo, hi] = by_subject_.equal_range(subject_key(child.issuer()));
  const auto& aki = child.authority_key_identifier();
  for (auto it = lo; it != hi; ++it) {
    const Entry& e = entries_[it->second];
    const auto& ski = e.cert->subject_key_identifier();
    if (aki && aki->key_id && ski && *aki->key_id != *ski) continue;
    out.push_back(&e);
  }
  std::sort(out.begin(), out.end());  // entries_ order is insertion order
  return out;
}

const CertificatePool::Entry* CertificatePool::find(std::string_view sha256_hex) const {
  auto it = by_fingerprint_.find(std::string(sha256_hex));
  return it == by_fingerprint_.end() ? nullptr : &entries_[it->second];
}

std::uint64_t VerificationPolicy::lists_generation() const {
  std::uint64_t sum = 0;
  for (const TrustPolicy& p : projects) {
    if (p.whitelist) sum += p.whitelist->generation();
    if (p.blacklist) sum += p.blacklist->generation();
  }
  return sum;
}

}  // namespace medsign::pki
