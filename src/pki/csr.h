// pki::CertificationRequest — a PKCS#10 certification request (RFC 2986) parsed from DER, with its exact
// bytes, and a builder that signs one with a crypto::Signer.
//
// Parsing checks structure only (strict DER, version 0, well-formed attributes; an extensionRequest
// attribute must hold exactly one SEQUENCE OF Extension without duplicates). verify_signature() is the
// proof of possession: the request's own key must have signed certificationRequestInfo (sm3WithSM2 with
// the default ID 1234567812345678, RSA PKCS#1 v1.5 / PSS, ECDSA; see pki/signature.h).
//
// A CertificationRequest is an immutable value; thread-safe for concurrent reads.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "asn1/oid.h"
#include "asn1/writer.h"
#include "common/bytes.h"
#include "common/error.h"
#include "crypto/algorithms/pk.h"
#include "pki/extensions.h"
#include "pki/name.h"
#include "pki/public_key.h"

namespace medsign::pki {

struct CsrAttribute {
  asn1::Oid type;
  std::vector<Bytes> values;  // DER of each AttributeValue
};

class CertificationRequest {
 public:
  // Exactly one CertificationRequest and nothing after it. Errors: bad_encoding with a detail
  // "PKCS#10: ..." or "DER: ... at offset N".
  static Result<CertificationRequest> parse_der(ByteView der);
  // The first "CERTIFICATE REQUEST" (or "NEW CERTIFICATE REQUEST") block. Errors: bad_encoding.
  static Result<CertificationRequest> parse_pem(std::string_view pem);
  // DER or PEM, whichever `data` is.
  static Result<CertificationRequest> parse(ByteView data);

  const Bytes& der() const { return der_; }
  std::string to_pem() const;
  // The exact DER of certificationRequestInfo: what the requester signed.
  const Bytes& info_der() const { return info_der_; }
  const Name& subject() const { return subject_; }
  const SubjectPublicKeyInfo& public_key() const { return spki_; }
  const std::vector<CsrAttribute>& attributes() const { return attributes_; }
  // The extensions of the extensionRequest attribute (PKCS#9), in encoded order; empty when absent.
  const std::vector<Extension>& requested_extensions() const { return extensions_; }
  const Extension* find_requested_extension(const asn1::Oid& oid) const;
  const AlgorithmIdentifier& signature_algorithm() const { return signature_algorithm_; }
  const Bytes& signature() const { return signature_; }

  // Errors: bad_signature when the signature does not verify with the request's own key;
  // invalid_argument for an unsupported or weak algorithm.
  Status verify_signature() const;

 private:
  Bytes der_;
  Bytes info_der_;
  Name subject_;
  SubjectPublicKeyInfo spki_;
  std::vector<CsrAttribute> attributes_;
  std::vector<Extension> extensions_;
  AlgorithmIdentifier signature_algorithm_;
  Bytes signature_;
};

// The AlgorithmIdentifier DER for certificates, CRLs and requests signed with `alg`: sm3WithSM2 (no
// parameters), sha256/384/512WithRSAEncryption (NULL parameters), ecdsa-with-SHA256/384 (none).
// Errors: invalid_argument for RSASSA-PSS (not issued here).
Result<Bytes> signature_algorithm_der(crypto::SignatureAlg alg);

// Builds and signs a request for the signer's key with `subject_der` (a DER Name) and, when not empty,
// an extensionRequest attribute carrying `extensions`.
Result<CertificationRequest> build_csr(ByteView subject_der, const std::vector<Extension>& extensions,
                                       const crypto::Signer& signer);

// Writes one Extension: SEQUENCE { extnID, critical (only when true), extnValue OCTET STRING }.
void write_extension(asn1::Writer& w, const Extension& e);

}  // namespace medsign::pki
