// X.509v3 extensions: the raw Extension and typed decoders for the ones MedSign interprets.
//
// Each decoder takes the extnValue contents (the DER inside the OCTET STRING) and either returns the
// typed value or bad_encoding naming what is wrong. Decoders are pure functions so CRL and CSR parsers
// can reuse them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "asn1/oid.h"
#include "common/bytes.h"
#include "common/error.h"
#include "pki/general_name.h"

namespace medsign::pki {

struct Extension {
  asn1::Oid oid;
  bool critical = false;
  Bytes value;  // extnValue contents: the DER of the extension's own type
};

// basicConstraints (2.5.29.19)
struct BasicConstraints {
  bool ca = false;
  std::optional<std::int64_t> path_len;  // pathLenConstraint, >= 0
};
Result<BasicConstraints> decode_basic_constraints(ByteView value);

// keyUsage (2.5.29.15): bit i of `bits` is KeyUsage bit i (RFC 5280 numbering).
enum class KeyUsageBit : std::uint8_t {
  digital_signature = 0, non_repudiation = 1, key_encipherment = 2, data_encipherment = 3, key_agreement = 4,
  key_cert_sign = 5, crl_sign = 6, encipher_only = 7, decipher_only = 8,
};
struct KeyUsage {
  std::uint32_t bits = 0;
  bool has(KeyUsageBit b) const { return (bits >> static_cast<unsigned>(b)) & 1u; }
  // RFC 5280 names of the bits set: "digitalSignature", "nonRepudiation", ...
  std::vector<std::string> names() const;
};
// Errors also for an empty bit string or bits beyond decipherOnly.
Result<KeyUsage> decode_key_usage(ByteView value);

// extendedKeyUsage (2.5.29.37): at least one purpose.
Result<std::vector<asn1::Oid>> decode_extended_key_usage(ByteView value);

// subjectKeyIdentifier (2.5.29.14)
Result<Bytes> decode_subject_key_identifier(ByteView value);

// authorityKeyIdentifier (2.5.29.35)
struct AuthorityKeyIdentifier {
  std::optional<Bytes> key_id;
  std::vector<GeneralName> issuer;  // authorityCertIssuer
  std::optional<Bytes> serial;      // authorityCertSerialNumber (INTEGER contents)
};
Result<AuthorityKeyIdentifier> decode_authority_key_identifier(ByteView value);

// subjectAltName / issuerAltName (2.5.29.17 / .18)
Result<std::vector<GeneralName>> decode_general_names(ByteView value);

// cRLDistributionPoints / freshestCRL (2.5.29.31 / .46)
struct DistributionPoint {
  std::vector<GeneralName> full_name;    // distributionPoint [0] fullName
  std::optional<std::string> relative_name;  // distributionPoint [1] nameRelativeToCRLIssuer, as text
  std::optional<std::uint32_t> reasons;  // ReasonFlags bits
  std::vector<GeneralName> crl_issuer;
};
Result<std::vector<DistributionPoint>> decode_crl_distribution_points(ByteView value);
// The URIs of every fullName (http://, ldap://, ...), in order.
std::vector<std::string> distribution_point_uris(const std::vector<DistributionPoint>& points);

// authorityInfoAccess / subjectInfoAccess (1.3.6.1.5.5.7.1.1 / .11)
struct AccessDescription {
  asn1::Oid method;  // ocsp, caIssuers, ...
  GeneralName location;
};
Result<std::vector<AccessDescription>> decode_info_access(ByteView value);

// certificatePolicies (2.5.29.32)
struct PolicyInformation {
  asn1::Oid policy;
  std::vector<std::string> cps_uris;      // id-qt-cps qualifiers
  std::vector<std::string> user_notices;  // explicitText of id-qt-unotice qualifiers
};
Result<std::vector<PolicyInformation>> decode_certificate_policies(ByteView value);

// The Chinese identity extensions (STANDARDS.md §8.1): GM/T 0015 IdentifyCode, insurance number,
// registration number, organisation code, taxation number, unified social credit code, and the legacy
// and vendor OIDs listed there. Accepted value forms: a bare string of any string type; the
// IdentifyCode CHOICE with [0]/[1]/[2] either IMPLICIT (primitive) or EXPLICIT around a string; an
// OCTET STRING holding printable text.
struct IdentityValue {
  // For IdentifyCode: "residentIdCard" ([0]), "militaryOfficerCard" ([1]), "passport" ([2]); else "".
  std::string kind;
  std::string value;
};
bool is_identity_extension(const asn1::Oid& oid);
Result<IdentityValue> decode_identity_value(ByteView value);

}  // namespace medsign::pki
