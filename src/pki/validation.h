// Certificate validation against a named verification policy (RFC 5280 §6, simplified where stated
// in docs/PKI.md): path building through an intermediate pool to any trust anchor of a project,
// signature, validity and CA checks on every link, purpose checks on the end entity, CRL revocation,
// white- and black-lists.
//
// Every answer names one specific reason. When several projects or several candidate paths fail,
// the reported failure is the one that got furthest: a complete chain refused for revocation beats a
// refused end entity, which beats a failure part way up a chain, which beats "no issuer at all".
//
// Bounded work: at most TrustPolicy::max_path_length certificates per chain and at most
// kMaxPathSteps candidate issuers examined per project; certificate loops end with chain_loop.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pki/certificate.h"
#include "pki/crl.h"
#include "pki/crl_store.h"
#include "pki/trust.h"

namespace medsign::pki {

enum class ValidationReason {
  ok,
  expired,                     // some certificate's notAfter is before the time of validation
  not_yet_valid,               // some certificate's notBefore is after it
  revoked,                     // listed on its issuer's CRL with a revocation time not after it
  unknown_issuer,              // no path to a trust anchor of the policy
  bad_signature,               // a certificate's signature does not verify with its issuer's key
  unsupported_algorithm,       // weak or unknown signature algorithm
  wrong_usage,                 // keyUsage / extendedKeyUsage unfit for the policy's purpose
  blacklisted,                 // a certificate of the chain is on the black-list
  not_whitelisted,             // white-list mode and the certificate is not listed
  crl_unavailable,             // crl_required and an issuer's CRL is missing or stale
  unknown_critical_extension,  // a certificate carries a critical extension not processed (RFC 5280 §4.2)
  path_too_long,               // pathLenConstraint or the policy's max_path_length exceeded
  not_a_ca,                    // an issuer lacks basicConstraints cA or keyUsage keyCertSign
  chain_loop,                  // the only paths found run in a circle
  no_policy,                   // the verification policy has no project
};
// Stable API names: "ok", "expired", "not_yet_valid", "revoked", "unknown_issuer", "bad_signature",
// "unsupported_algorithm", "wrong_usage", "blacklisted", "not_whitelisted", "crl_unavailable",
// "unknown_critical_extension", "path_too_long", "not_a_ca", "chain_loop", "no_policy".
std::string_view to_string(ValidationReason r);

struct RevocationDetails {
  std::string serial_hex;
  std::int64_t revocation_ms = 0;
  std::optional<CrlReason> reason;
  std::optional<std::int64_t> invalidity_ms;
};

struct ValidationResult {
  bool ok = false;
  ValidationReason reason = ValidationReason::unknown_issuer;
  std::string detail;  // names the certificate concerned and what was wrong
  // Leaf first, trust anchor last when ok; on failure the (partial) chain of the reported attempt.
  std::vector<std::shared_ptr<const Certificate>> chain;
  std::string project;  // the project that accepted, or whose failure is reported
  std::optional<RevocationDetails> revocation;  // reason == revoked
  // When ok: the interval of validation times over which the same chain, CRLs and lists give the
  // same answer (certificate validity, CRL nextUpdate + grace in crl_required mode).
  std::int64_t valid_from_ms = std::numeric_limits<std::int64_t>::min();
  std::int64_t valid_until_ms = std::numeric_limits<std::int64_t>::max();
};

inline constexpr int kMaxPathSteps = 64;

// Validates `cert` at `at_ms` (unix ms): valid when valid under any project of `policy`.
ValidationResult validate(std::shared_ptr<const Certificate> cert, std::int64_t at_ms,
                          const VerificationPolicy& policy, const CrlStore& crls);
ValidationResult validate(const Certificate& cert, std::int64_t at_ms, const VerificationPolicy& policy,
                          const CrlStore& crls);
// Under one project only.
ValidationResult validate(std::shared_ptr<const Certificate> cert, std::int64_t at_ms, const TrustPolicy& project,
                          const CrlStore& crls);

// The end-entity usage check of `purpose` alone: empty when fit, else what is missing.
std::string check_purpose(const Certificate& cert, Purpose purpose);

}  // namespace medsign::pki
