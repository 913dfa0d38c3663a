// CMS / PKCS#7 SignedData in its two flavours:
//   - RFC 5652 (content types 1.2.840.113549.1.7.x; RSA, ECDSA, and SM2 as many Chinese products and
//     RFC 3161 timestamp tokens read by OpenSSL need it);
//   - GM/T 0010 / GB/T 35275 (PKCS#7 v1.5 shape with the 1.2.156.10197.6.1.4.2.x content types).
// Signing takes a SignFunction so the key may live in any crypto provider. Parsing accepts both flavours
// and the usual deviations (STANDARDS.md §2.5). verify_signatures() checks signatures and the signed
// attributes only; whether the signer's certificate is trusted is a pki policy decision.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "asn1/oid.h"
#include "cms/algorithms.h"
#include "pki/certificate.h"

namespace medsign::cms {

enum class Flavor { rfc5652, gmt0010 };

struct Attribute {
  asn1::Oid type;
  std::vector<Bytes> values;  // DER of each AttributeValue
};

// Returns the signature value over `to_be_signed` (the DER of the signed attributes, or the content when
// there are none): SM2 — SM2 with Z over those bytes, DER (r, s); RSA/ECDSA — over digest(those bytes).
using SignFunction = std::function<Result<Bytes>(ByteView to_be_signed)>;

struct SignerSpec {
  pki::Certificate certificate;  // identifies the signer (issuerAndSerialNumber)
  DigestAlgorithm digest = DigestAlgorithm::sm3;
  SignatureAlgorithm signature = SignatureAlgorithm::sm2;
  SignFunction sign;
  bool signed_attributes = true;               // contentType + messageDigest (+ signingTime)
  std::optional<std::int64_t> signing_time_ms;  // adds signingTime when set
  std::vector<Attribute> extra_signed_attributes;
  std::vector<Attribute> unsigned_attributes;  // e.g. a timeStampToken
};

struct SignRequest {
  Flavor flavor = Flavor::rfc5652;
  std::optional<asn1::Oid> content_type;  // default: data of the flavour
  ByteView content;
  bool detached = false;
  // Sign a digest computed elsewhere (e.g. a PDF ByteRange streamed from disk): the messageDigest attribute
  // takes this value instead of digest(content). REQUIRES: detached, signed attributes, and the value's size
  // matching every signer's digest algorithm; `content` is then ignored.
  std::optional<Bytes> content_digest;
  bool include_signer_certificates = true;
  std::vector<Bytes> extra_certificates;  // DER, e.g. the chain
  std::vector<Bytes> crls;                // DER CertificateLists
};

// The ContentInfo DER.
Result<Bytes> sign(const SignRequest& request, std::span<const SignerSpec> signers);

struct SignerInfo {
  int version = 1;
  Bytes issuer_der, serial;            // issuerAndSerialNumber (empty when identified by key id)
  Bytes subject_key_id;                // RFC 5652 [0] SubjectKeyIdentifier
  DigestAlgorithm digest = DigestAlgorithm::sm3;
  asn1::Oid signature_oid;
  Bytes signed_attributes_der;         // re-tagged as SET (what was signed); empty when absent
  std::vector<Attribute> signed_attributes, unsigned_attributes;
  Bytes signature;
  std::optional<std::int64_t> signing_time_ms;
  std::optional<Bytes> message_digest;
  std::optional<asn1::Oid> content_type_attribute;
  const Attribute* find_unsigned(const asn1::Oid& type) const;
};

struct SignedData {
  Flavor flavor = Flavor::rfc5652;
  int version = 1;
  std::vector<DigestAlgorithm> digest_algorithms;
  asn1::Oid content_type;
  std::optional<Bytes> content;  // nullopt when detached
  std::vector<pki::Certificate> certificates;
  std::vector<Bytes> crls;
  std::vector<SignerInfo> signers;
};

// Parses a ContentInfo holding SignedData (either flavour). Errors: bad_encoding naming what is wrong.
Result<SignedData> parse_signed_data(ByteView content_info_der);

struct SignerVerification {
  std::size_t index = 0;
  bool ok = false;
  std::string problem;  // empty when ok
  std::optional<pki::Certificate> certificate;
  std::optional<std::int64_t> signing_time_ms;
};

// For each signer: finds its certificate (in the SignedData or `extra`), checks contentType and
// messageDigest attributes against the content, then the signature. `detached_content` is required when
// the SignedData carries none. Error only when nothing can be checked (no content at all).
Result<std::vector<SignerVerification>> verify_signatures(const SignedData& sd,
                                                          std::optional<ByteView> detached_content = std::nullopt,
                                                          std::span<const pki::Certificate> extra = {});

// A digest of detached content computed by the caller (e.g. over a PDF ByteRange).
struct ContentDigest {
  DigestAlgorithm algorithm = DigestAlgorithm::sha256;
  Bytes value;
};

// As above, for detached content known only by its digest: each signer's messageDigest is compared with
// `content_digest` (a signer using another digest algorithm is reported as a problem). Signers without
// signed attributes cannot be checked this way and are reported as such.
Result<std::vector<SignerVerification>> verify_signatures(const SignedData& sd, const ContentDigest& content_digest,
                                                          std::span<const pki::Certificate> extra = {});

}  // namespace medsign::cms
