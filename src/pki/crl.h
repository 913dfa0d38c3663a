// pki::Crl — an X.509 v1/v2 certificate revocation list (RFC 5280 §5) parsed from DER, with its bytes.
//
// Parsing checks structure only. Extensions MedSign interprets: cRLNumber, authorityKeyIdentifier,
// issuerAltName (kept raw) on the list; reasonCode and invalidityDate on entries. Any other critical
// extension — on the list (deltaCRLIndicator, issuingDistributionPoint, private ones) or on an entry
// (certificateIssuer of indirect CRLs, private ones) — makes the CRL unusable (usable() is false):
// RFC 5280 §5.2/§5.3 forbids relying on a CRL with a critical extension one does not process.
//
// A Crl is an immutable value; thread-safe for concurrent reads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/error.h"
#include "pki/extensions.h"
#include "pki/name.h"
#include "pki/public_key.h"

namespace medsign::pki {

class Certificate;

// CRLReason (RFC 5280 §5.3.1); 7 is unused.
enum class CrlReason : std::uint8_t {
  unspecified = 0, key_compromise = 1, ca_compromise = 2, affiliation_changed = 3, superseded = 4,
  cessation_of_operation = 5, certificate_hold = 6, remove_from_crl = 8, privilege_withdrawn = 9,
  aa_compromise = 10,
};
// RFC 5280 names: "unspecified", "keyCompromise", "cACompromise", ... "aACompromise".
std::string_view crl_reason_name(CrlReason r);

struct RevokedCertificate {
  Bytes serial;                       // userCertificate INTEGER contents, as encoded
  std::int64_t revocation_ms = 0;     // revocationDate
  std::optional<CrlReason> reason;    // reasonCode entry extension
  std::optional<std::int64_t> invalidity_ms;  // invalidityDate entry extension
  std::vector<Extension> extensions;  // every entry extension in encoded order
};

class Crl {
 public:
  // Exactly one CertificateList and nothing after it. Errors: bad_encoding naming the field
  // ("crl: ...", "DER: ... at offset N"). A duplicate extension, a v1 CRL with extensions, an
  // unknown reason code or an explicit version 1 are refused.
  static Result<Crl> parse_der(ByteView der);
  // Every "X509 CRL" block in the text, in order. Errors: bad_encoding when none or one fails.
  static Result<std::vector<Crl>> parse_pem(std::string_view pem);
  // DER or PEM, whichever `data` is (PEM returns its first CRL).
  static Result<Crl> parse(ByteView data);

  const Bytes& der() const { return der_; }
  std::string to_pem() const;
  const Bytes& tbs_der() const { return tbs_der_; }
  int version() const { return version_; }  // 1 or 2
  const AlgorithmIdentifier& signature_algorithm() const { return signature_algorithm_; }
  const Bytes& signature() const { return signature_; }
  const Name& issuer() const { return issuer_; }
  std::int64_t this_update_ms() const { return this_update_ms_; }
  const std::optional<std::int64_t>& next_update_ms() const { return next_update_ms_; }
  // cRLNumber as a big-endian magnitude without leading zeros (empty for zero).
  const std::optional<Bytes>& crl_number() const { return crl_number_; }
  const std::optional<AuthorityKeyIdentifier>& authority_key_identifier() const { return aki_; }
  const std::vector<Extension>& extensions() const { return extensions_; }

  // Entries in encoded order.
  const std::vector<RevokedCertificate>& revoked() const { return revoked_; }
  // The entry for this serial (INTEGER contents as in Certificate::serial()), or nullptr. O(log n).
  const RevokedCertificate* find(ByteView serial) const;

  // Critical extensions not processed here: "2.5.29.27" for the list, "entry <serial hex>: <oid>"
  // for entries. Not empty means the CRL must not be relied upon.
  const std::vector<std::string>& unknown_critical_extensions() const { return unknown_critical_; }
  bool usable() const { return unknown_critical_.empty(); }

  // Checks that `issuer` issued this CRL: names equal, AKI keyIdentifier equals the issuer's SKI
  // when both are present, keyUsage (when present) has cRLSign, and the signature verifies with the
  // issuer's key. Errors: invalid_argument (name, AKI or key usage), bad_signature, or
  // invalid_argument for an unsupported algorithm (see verify_signed_data).
  Status verify(const Certificate& issuer) const;

  std::string fingerprint_sha256() const;

 private:
  Status decode_extensions();

  Bytes der_;
  Bytes tbs_der_;
  int version_ = 1;
  AlgorithmIdentifier signature_algorithm_;
  Bytes signature_;
  Name issuer_;
  std::int64_t this_update_ms_ = 0;
  std::optional<std::int64_t> next_update_ms_;
  std::optional<Bytes> crl_number_;
  std::optional<AuthorityKeyIdentifier> aki_;
  std::vector<Extension> extensions_;
  std::vector<RevokedCertificate> revoked_;
  std::vector<std::uint32_t> by_serial_;  // indexes into revoked_, sorted by serial bytes
  std::vector<std::string> unknown_critical_;
};

// Compares two non-negative big-endian magnitudes (leading zeros ignored): <0, 0, >0.
int compare_magnitudes(ByteView a, ByteView b);

}  // namespace medsign::pki
