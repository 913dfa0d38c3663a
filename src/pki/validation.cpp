#include "pki/validation.h"

#include <algorithm>

#include "asn1/der_time.h"
#include "asn1/oids.h"

namespace medsign::pki {
namespace {

namespace id = asn1::oid;
using CertPtr = std::shared_ptr<const Certificate>;

// Failure ranks (higher is reported first; see validation.h).
constexpr int kRankNoIssuer = 1;
constexpr int kRankNotWhitelisted = 2;
constexpr int kRankLeaf = 500;
constexpr int kRankComplete = 1000;

std::string cert_label(const Certificate& c) {
  std::string s = c.subject().to_string();
  return s.empty() ? std::string("serial ").append(c.serial_hex()) : s;
}

std::string time_text(std::int64_t ms) { return asn1::format_iso8601(ms); }

// Unknown critical extension, validity: the checks every certificate of a chain gets.
std::optional<std::pair<ValidationReason, std::string>> check_common(const Certificate& c, std::int64_t at_ms,
                                                                      std::string_view role) {
  const std::string who = std::string(role).append(" ").append(cert_label(c));
  if (!c.unknown_critical_extensions().empty()) {
    return std::pair{ValidationReason::unknown_critical_extension,
                     std::string(who).append(" has unknown critical extension ")
                         .append(asn1::oid_name(c.unknown_critical_extensions().front()))};
  }
  if (at_ms < c.not_before_ms()) {
    return std::pair{ValidationReason::not_yet_valid,
                     std::string(who).append(" is not valid before ").append(time_text(c.not_before_ms()))};
  }
  if (at_ms > c.not_after_ms()) {
    return std::pair{ValidationReason::expired, std::string(who).append(" expired at ").append(time_text(c.not_after_ms()))};
  }
  return std::nullopt;
}

// Self-issued with the same key (as far as key identifiers tell): a root, useful only as an anchor.
bool is_self_signed(const Certificate& c) {
  if (!c.is_self_issued()) return false;
  const auto& aki = c.authority_key_identifier();
  const auto& ski = c.subject_key_identifier();
  return !aki || !aki->key_id || !ski || *aki->key_id == *ski;
}

bool has_eku(const Certificate& c, std::initializer_list<asn1::Oid> any_of) {
  const auto& eku = c.extended_key_usage();
  if (!eku) return true;
  for (const asn1::Oid& o : *eku) {
    if (o == id::kAnyExtendedKeyUsage) return true;
    for (const asn1::Oid& want : any_of) {
      if (o == want) return true;
    }
  }
  return false;
}

bool has_ku(const Certificate& c, std::initializer_list<KeyUsageBit> any_of) {
  const auto& ku = c.key_usage();
  if (!ku) return true;
  return std::any_of(any_of.begin(), any_of.end(), [&](KeyUsageBit b) { return ku->has(b); });
}

class PathBuilder {
 public:
  PathBuilder(const TrustPolicy& tp, const CrlStore& crls, std::int64_t at_ms) : tp_(tp), crls_(crls), at_(at_ms) {}

  ValidationResult run(CertPtr leaf) {
    const Certificate& c = *leaf;
    const std::string fp = c.fingerprint_sha256();
    chain_.push_back(leaf);
    fps_.push_back(fp);
    const bool is_anchor = tp_.anchors.find(fp) != nullptr;
    if (!is_anchor && tp_.anchors.issuers_of(c).empty() && tp_.intermediates.issuers_of(c).empty()) {
      return finish_failure(kRankNoIssuer, ValidationReason::unknown_issuer,
                            "no issuer " + c.issuer().to_string() + " of " + cert_label(c) + " in project " + tp_.name);
    }
    if (tp_.blacklist && tp_.blacklist->contains(fp)) {
      return finish_failure(kRankLeaf, ValidationReason::blacklisted, cert_label(c) + " is black-listed");
    }
    if (tp_.whitelist && !tp_.whitelist->contains(fp)) {
      return finish_failure(kRankNotWhitelisted, ValidationReason::not_whitelisted, cert_label(c) + " is not white-listed");
    }
    if (auto f = check_common(c, at_, "certificate")) return finish_failure(kRankLeaf, f->first, f->second);
    if (std::string why = check_purpose(c, tp_.purpose); !why.empty()) {
      return finish_failure(kRankLeaf, ValidationReason::wrong_usage,
                            cert_label(c) + " unfit for " + std::string(purpose_name(tp_.purpose)) + ": " + why);
    }
    if (is_anchor) return success();
    if (extend()) return success();
    ValidationResult r = std::move(best_);
    r.project = tp_.name;
    return r;
  }

  // Rank of the failure run() returned (meaningless after success).
  int rank() const { return best_rank_; }

 private:
  void fail(int rank, ValidationReason reason, std::string detail,
            std::optional<RevocationDetails> revocation = std::nullopt) {
    if (rank <= best_rank_) return;
    best_rank_ = rank;
    best_ = ValidationResult{};
    best_.reason = reason;
    best_.detail = std::move(detail);
    best_.chain = chain_;
    best_.revocation = std::move(revocation);
  }

  ValidationResult finish_failure(int rank, ValidationReason reason, std::string detail) {
    fail(rank, reason, std::move(detail));
    ValidationResult r = std::move(best_);
    r.project = tp_.name;
    return r;
  }

  ValidationResult success() {
    ValidationResult r;
    r.ok = true;
    r.reason = ValidationReason::ok;
    r.chain = chain_;
    r.project = tp_.name;
    r.valid_from_ms = from_;
    r.valid_until_ms = until_;
    for (const CertPtr& c : chain_) {
      r.valid_from_ms = std::max(r.valid_from_ms, c->not_before_ms());
      r.valid_until_ms = std::min(r.valid_until_ms, c->not_after_ms());
    }
    return r;
  }

  // Non-self-issued intermediates below a candidate issuer appended next (RFC 5280 §6.1.4 (l)).
  std::int64_t intermediates_below() const {
    std::int64_t n = 0;
    for (std::size_t i = 1; i < chain_.size(); ++i) n += chain_[i]->is_self_issued() ? 0 : 1;
    return n;
  }

  // Checks `cand` as the issuer of chain_.back(); records a failure and returns false when unfit.
  bool fit_issuer(const CertificatePool::Entry& cand, bool anchor) {
    const Certificate& child = *chain_.back();
    const Certificate& issuer = *cand.cert;
    const int depth = static_cast<int>(chain_.size()) + 1;
    const std::string who = (anchor ? "trust anchor " : "issuer ") + cert_label(issuer);
    if (auto st = child.verify_signature(issuer); !st) {
      const bool weak = st.error().code == Errc::invalid_argument;
      fail(2 * depth, weak ? ValidationReason::unsupported_algorithm : ValidationReason::bad_signature,
           cert_label(child) + ": " + st.error().detail + " (issuer " + cert_label(issuer) + ")");
      return false;
    }
    if (auto f = check_common(issuer, at_, anchor ? "trust anchor" : "issuer")) {
      fail(2 * depth + 1, f->first, f->second);
      return false;
    }
    const auto& bc = issuer.basic_constraints();
    const bool v1_anchor = anchor && issuer.version() < 3;
    if (!(bc && bc->ca) && !v1_anchor) {
      fail(2 * depth + 1, ValidationReason::not_a_ca, who + " is not a CA (basicConstraints cA missing)");
      return false;
    }
    if (issuer.key_usage() && !issuer.key_usage()->has(KeyUsageBit::key_cert_sign)) {
      fail(2 * depth + 1, ValidationReason::not_a_ca, who + " keyUsage lacks keyCertSign");
      return false;
    }
    if (bc && bc->path_len && intermediates_below() > *bc->path_len) {
      fail(2 * depth + 1, ValidationReason::path_too_long,
           who + " allows " + std::to_string(*bc->path_len) + " intermediate CA(s) below it, the chain has " +
               std::to_string(intermediates_below()));
      return false;
    }
    if (tp_.blacklist && tp_.blacklist->contains(cand.fingerprint)) {
      fail(2 * depth + 1, ValidationReason::blacklisted, who + " is black-listed");
      return false;
    }
    return true;
  }

  bool try_candidate(const CertificatePool::Entry& cand, bool anchor) {
    const int depth = static_cast<int>(chain_.size()) + 1;
    if (++steps_ > kMaxPathSteps) {
      fail(2 * depth, ValidationReason::path_too_long,
           "path building stopped after " + std::to_string(kMaxPathSteps) + " candidate issuers");
      return false;
    }
    if (cand.fingerprint == fps_.back() || (!anchor && is_self_signed(*cand.cert))) {
      fail(2 * depth - 1, ValidationReason::unknown_issuer,
           "self-signed " + cert_label(*cand.cert) + " is not a trust anchor of project " + tp_.name);
      return false;
    }
    if (std::find(fps_.begin(), fps_.end(), cand.fingerprint) != fps_.end()) {
      fail(2 * depth + 1, ValidationReason::chain_loop,
           "certificate loop: " + cert_label(*cand.cert) + " already in the chain at depth " + std::to_string(depth));
      return false;
    }
    if (chain_.size() + 1 > tp_.max_path_length) {
      fail(2 * depth + 1, ValidationReason::path_too_long,
           "chain longer than the policy's " + std::to_string(tp_.max_path_length) + " certificates");
      return false;
    }
    if (!fit_issuer(cand, anchor)) return false;
    chain_.push_back(cand.cert);
    fps_.push_back(cand.fingerprint);
    const std::int64_t saved_until = until_;
    if (anchor ? check_revocation() : extend()) return true;
    until_ = saved_until;
    chain_.pop_back();
    fps_.pop_back();
    return false;
  }

  bool extend() {
    const Certificate& current = *chain_.back();
    const auto anchors = tp_.anchors.issuers_of(current);
    const auto inters = tp_.intermediates.issuers_of(current);
    if (anchors.empty() && inters.empty()) {
      const int depth = static_cast<int>(chain_.size());
      fail(2 * depth - 1, ValidationReason::unknown_issuer,
           "no issuer " + current.issuer().to_string() + " of " + cert_label(current) + " in project " + tp_.name);
      return false;
    }
    for (const auto* a : anchors) {
      if (try_candidate(*a, true)) return true;
    }
    for (const auto* i : inters) {
      if (tp_.anchors.find(i->fingerprint)) continue;  // tried as an anchor
      if (try_candidate(*i, false)) return true;
    }
    return false;
  }

  // Revocation of every certificate but the anchor, once a chain is complete.
  bool check_revocation() {
    if (tp_.revocation == RevocationMode::off) return true;
    const bool required = tp_.revocation == RevocationMode::crl_required;
    for (std::size_t i = 0; i + 1 < chain_.size(); ++i) {
      const Certificate& cert = *chain_[i];
      const Certificate& issuer = *chain_[i + 1];
      auto stored = crls_.find(issuer);
      std::string missing;
      if (!stored) {
        missing = "no CRL of " + cert_label(issuer);
      } else if (stored->issuer_key_der != issuer.public_key().der) {
        if (auto st = stored->crl.verify(issuer); !st) {
          missing = "the CRL of " + cert_label(issuer) + " does not verify with its key: " + st.error().detail;
          stored = nullptr;
        }
      }
      if (stored) {
        const Crl& crl = stored->crl;
        const auto& next = crl.next_update_ms();
        if (required && next && at_ > *next + tp_.crl_grace_ms) {
          missing = "the CRL of " + cert_label(issuer) + " is stale (nextUpdate " + time_text(*next) + ")";
        } else if (required && next) {
          until_ = std::min(until_, *next + tp_.crl_grace_ms);
        }
        const RevokedCertificate* e = crl.find(cert.serial());
        if (e && e->reason != CrlReason::remove_from_crl) {
          if (e->revocation_ms <= at_) {
            RevocationDetails d{cert.serial_hex(), e->revocation_ms, e->reason, e->invalidity_ms};
            std::string detail = cert_label(cert) + " revoked at " + time_text(e->revocation_ms);
            if (e->reason) detail.append(" (").append(crl_reason_name(*e->reason)).append(")");
            fail(kRankComplete + 1, ValidationReason::revoked, std::move(detail), std::move(d));
            return false;
          }
          until_ = std::min(until_, e->revocation_ms - 1);
        }
      }
      if (!missing.empty() && required) {
        fail(kRankComplete, ValidationReason::crl_unavailable, std::move(missing));
        return false;
      }
    }
    return true;
  }

  const TrustPolicy& tp_;
  const CrlStore& crls_;
  const std::int64_t at_;
  std::vector<CertPtr> chain_;
  std::vector<std::string> fps_;
  int steps_ = 0;
  std::int64_t from_ = std::numeric_limits<std::int64_t>::min();
  std::int64_t until_ = std::numeric_limits<std::int64_t>::max();
  int best_rank_ = -1;
  ValidationResult best_;
};

}  // namespace

std::string_view to_string(ValidationReason r) {
  switch (r) {
    case ValidationReason::ok: return "ok";
    case ValidationReason::expired: return "expired";
    case ValidationReason::not_yet_valid: return "not_yet_valid";
    case ValidationReason::revoked: return "revoked";
    case ValidationReason::unknown_issuer: return "unknown_issuer";
    case ValidationReason::bad_signature: return "bad_signature";
    case ValidationReason::unsupported_algorithm: return "unsupported_algorithm";
    case ValidationReason::wrong_usage: return "wrong_usage";
    case ValidationReason::blacklisted: return "blacklisted";
    case ValidationReason::not_whitelisted: return "not_whitelisted";
    case ValidationReason::crl_unavailable: return "crl_unavailable";
    case ValidationReason::unknown_critical_extension: return "unknown_critical_extension";
    case ValidationReason::path_too_long: return "path_too_long";
    case ValidationReason::not_a_ca: return "not_a_ca";
    case ValidationReason::chain_loop: return "chain_loop";
    case ValidationReason::no_policy: return "no_policy";
  }
  return "unknown_issuer";
}

std::string check_purpose(const Certificate& c, Purpose purpose) {
  using K = KeyUsageBit;
  switch (purpose) {
    case Purpose::any:
      return {};
    case Purpose::document_signing:
      return has_ku(c, {K::digital_signature, K::non_repudiation}) ? "" : "keyUsage lacks digitalSignature and nonRepudiation";
    case Purpose::timestamping: {
      const Extension* e = c.find_extension(id::kExtKeyUsage);
      if (!e || !e->critical) return "extendedKeyUsage timeStamping must be present and critical";
      const auto& eku = *c.extended_key_usage();
      if (eku.size() != 1 || eku.front() != id::kKpTimeStamping) return "extendedKeyUsage must hold only timeStamping";
      return has_ku(c, {K::digital_signature, K::non_repudiation}) ? "" : "keyUsage lacks digitalSignature and nonRepudiation";
    }
    case Purpose::tls_client:
      if (!has_eku(c, {id::kKpClientAuth})) return "extendedKeyUsage lacks clientAuth";
      return has_ku(c, {K::digital_signature, K::key_agreement}) ? "" : "keyUsage lacks digitalSignature and keyAgreement";
    case Purpose::tls_server:
      if (!has_eku(c, {id::kKpServerAuth})) return "extendedKeyUsage lacks serverAuth";
      return has_ku(c, {K::digital_signature, K::key_encipherment, K::key_agreement})
                 ? ""
                 : "keyUsage lacks digitalSignature, keyEncipherment and keyAgreement";
    case Purpose::encryption:
      return has_ku(c, {K::key_encipherment, K::data_encipherment}) ? "" : "keyUsage lacks keyEncipherment and dataEncipherment";
    case Purpose::ca:
      if (!c.basic_constraints() || !c.basic_constraints()->ca) return "basicConstraints cA missing";
      return has_ku(c, {K::key_cert_sign}) ? "" : "keyUsage lacks keyCertSign";
  }
  return {};
}

ValidationResult validate(std::shared_ptr<const Certificate> cert, std::int64_t at_ms, const TrustPolicy& project,
                          const CrlStore& crls) {
  return PathBuilder(project, crls, at_ms).run(std::move(cert));
}

ValidationResult validate(std::shared_ptr<const Certificate> cert, std::int64_t at_ms,
                          const VerificationPolicy& policy, const CrlStore& crls) {
  if (policy.projects.empty()) {
    ValidationResult r;
    r.reason = ValidationReason::no_policy;
    r.detail = "verification policy " + policy.name + " has no project";
    return r;
  }
  std::optional<ValidationResult> best;
  int best_rank = -2;
  for (const TrustPolicy& project : policy.projects) {
    PathBuilder builder(project, crls, at_ms);
    ValidationResult r = builder.run(cert);
    if (r.ok) return r;
    if (builder.rank() > best_rank) {
      best_rank = builder.rank();
      best = std::move(r);
    }
  }
  return std::move(*best);
}

ValidationResult validate(const Certificate& cert, std::int64_t at_ms, const VerificationPolicy& policy,
                          const CrlStore& crls) {
  return validate(std::make_shared<const Certificate>(cert), at_ms, policy, crls);
}

}  // namespace medsign::pki
