// pki::Certificate — an X.509 v1/v3 certificate (RFC 5280) parsed from DER, with its exact bytes.
//
// Parsing is strict DER except where real CAs need tolerance (documented in docs/PKI.md): an
// explicitly encoded critical FALSE in an extension is accepted. Parsing checks structure only; it
// decides nothing about trust. Validation (chains, times, usage, revocation) lives elsewhere and uses:
//   - the typed extension accessors, which are set only when the extension is present,
//   - unknown_critical_extensions(), which a validator must refuse (RFC 5280 §4.2),
//   - verify_signature(issuer).
//
// A Certificate is an immutable value; copies are independent. Thread-safe for concurrent reads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "asn1/oid.h"
#include "common/bytes.h"
#include "common/error.h"
#include "pki/extensions.h"
#include "pki/name.h"
#include "pki/public_key.h"

namespace medsign::pki {

class Certificate {
 public:
  // Exactly one Certificate and nothing after it. Errors: bad_encoding, with a detail naming the
  // field ("DER: ... at offset N", "certificate: ...").
  static Result<Certificate> parse_der(ByteView der);
  // Every "CERTIFICATE" (or "X509 CERTIFICATE") block in the text, in order; other blocks are
  // skipped. Errors: bad_encoding when there is none or one fails to parse.
  static Result<std::vector<Certificate>> parse_pem(std::string_view pem);
  // DER or PEM, whichever `data` is (PEM returns its first certificate).
  static Result<Certificate> parse(ByteView data);

  const Bytes& der() const { return der_; }
  std::string to_pem() const;
  // The exact DER of tbsCertificate: what the issuer signed.
  const Bytes& tbs_der() const { return tbs_der_; }

  int version() const { return version_; }  // 1, 2 or 3
  // serialNumber INTEGER contents (two's complement, as encoded) and its lower-case hex.
  const Bytes& serial() const { return serial_; }
  std::string serial_hex() const;
  const AlgorithmIdentifier& signature_algorithm() const { return signature_algorithm_; }
  // signatureValue bits (for SM2/ECDSA the DER signature, for RSA the raw block).
  const Bytes& signature() const { return signature_; }
  const Name& issuer() const { return issuer_; }
  const Name& subject() const { return subject_; }
  std::int64_t not_before_ms() const { return not_before_ms_; }
  std::int64_t not_after_ms() const { return not_after_ms_; }
  const SubjectPublicKeyInfo& public_key() const { return spki_; }
  KeyType key_type() const { return spki_.type; }
  const std::optional<Bytes>& issuer_unique_id() const { return issuer_uid_; }
  const std::optional<Bytes>& subject_unique_id() const { return subject_uid_; }

  // Every extension in encoded order.
  const std::vector<Extension>& extensions() const { return extensions_; }
  const Extension* find_extension(const asn1::Oid& oid) const;
  // Critical extensions this parser does not interpret (in order). A validator must refuse the
  // certificate when this is not empty, unless it handles them itself.
  const std::vector<asn1::Oid>& unknown_critical_extensions() const { return unknown_critical_; }

  const std::optional<BasicConstraints>& basic_constraints() const { return basic_constraints_; }
  const std::optional<KeyUsage>& key_usage() const { return key_usage_; }
  const std::optional<std::vector<asn1::Oid>>& extended_key_usage() const { return eku_; }
  const std::optional<Bytes>& subject_key_identifier() const { return ski_; }
  const std::optional<AuthorityKeyIdentifier>& authority_key_identifier() const { return aki_; }
  const std::optional<std::vector<GeneralName>>& subject_alt_names() const { return san_; }
  const std::optional<std::vector<DistributionPoint>>& crl_distribution_points() const { return crldp_; }
  const std::optional<std::vector<AccessDescription>>& authority_info_access() const { return aia_; }
  const std::optional<std::vector<PolicyInformation>>& certificate_policies() const { return policies_; }
  // The decoded value of a Chinese identity extension (see is_identity_extension), when present and
  // in one of the accepted forms.
  std::optional<IdentityValue> identity(const asn1::Oid& oid) const;

  // The first subject attribute of this type as UTF-8 (e.g. oid::kCommonName).
  std::optional<std::string> subject_attribute(const asn1::Oid& oid) const;
  // GM/T 0029 / GM/T 0020 "certificate information by OID": a subject attribute of that type if there
  // is one, else the extension's value as text (identity extensions decoded, others as hex of the DER).
  std::optional<std::string> info_by_oid(const asn1::Oid& oid) const;

  bool is_self_issued() const { return issuer_ == subject_; }
  // Lower-case hex digests of der().
  std::string fingerprint_sha256() const;
  std::string fingerprint_sm3() const;

  // Checks this certificate's signature with the issuer's public key: sm3WithSM2 (default ID
  // 1234567812345678), RSA PKCS#1 v1.5 and RSASSA-PSS with SHA-256/384/512, ECDSA with
  // SHA-256/384/512. Errors: bad_signature when it does not verify or the key does not fit the
  // algorithm; invalid_argument for an unsupported or weak (MD5, SHA-1) algorithm.
  Status verify_signature(const Certificate& issuer) const;
  Status verify_signature(const SubjectPublicKeyInfo& issuer_key) const;

  // The API view: every field, names resolved through the OID table, times as ms and ISO 8601.
  // docs/PKI.md lists the members.
  nlohmann::json to_json() const;

 private:
  Status decode_extensions();

  Bytes der_;
  Bytes tbs_der_;
  int version_ = 1;
  Bytes serial_;
  AlgorithmIdentifier signature_algorithm_;
  Bytes signature_;
  Name issuer_;
  Name subject_;
  std::int64_t not_before_ms_ = 0;
  std::int64_t not_after_ms_ = 0;
  SubjectPublicKeyInfo spki_;
  std::optional<Bytes> issuer_uid_;
  std::optional<Bytes> subject_uid_;
  std::vector<Extension> extensions_;
  std::vector<asn1::Oid> unknown_critical_;
  std::optional<BasicConstraints> basic_constraints_;
  std::optional<KeyUsage> key_usage_;
  std::optional<std::vector<asn1::Oid>> eku_;
  std::optional<Bytes> ski_;
  std::optional<AuthorityKeyIdentifier> aki_;
  std::optional<std::vector<GeneralName>> san_;
  std::optional<std::vector<DistributionPoint>> crldp_;
  std::optional<std::vector<AccessDescription>> aia_;
  std::optional<std::vector<PolicyInformation>> policies_;
};

}  // namespace medsign::pki
