// SubjectPublicKeyInfo and AlgorithmIdentifier as found in certificates.
#pragma once

#include <cstddef>
#include <string>

#include "asn1/oid.h"
#include "asn1/reader.h"
#include "common/bytes.h"
#include "common/error.h"

namespace medsign::pki {

struct AlgorithmIdentifier {
  asn1::Oid oid;
  Bytes parameters;  // DER of the parameters element; empty when absent
  Bytes der;         // DER of the whole AlgorithmIdentifier
  std::string name() const;  // short name from the OID table, or dotted OID

  static Result<AlgorithmIdentifier> parse(asn1::Reader& r);
};

enum class KeyType { sm2, ecdsa_p256, ecdsa_p384, ecdsa_p521, rsa, ed25519, unknown };
// "sm2", "ecdsa-p256", "ecdsa-p384", "ecdsa-p521", "rsa", "ed25519", "unknown".
std::string_view key_type_name(KeyType t);

struct SubjectPublicKeyInfo {
  AlgorithmIdentifier algorithm;
  asn1::Oid curve;   // namedCurve parameter of EC keys (sm2, prime256v1, secp384r1, ...); empty otherwise
  Bytes key;         // subjectPublicKey bits: EC point (04||x||y), RSAPublicKey DER, ...
  Bytes der;         // DER of the whole SubjectPublicKeyInfo (what d2i_PUBKEY takes)
  KeyType type = KeyType::unknown;
  std::size_t bits = 0;  // RSA modulus length; curve size for EC keys; 0 when unknown

  // SM2 is recognised both as id-ecPublicKey with the sm2 curve (OpenSSL, most CAs) and as the sm2
  // algorithm OID itself. RSA keys must hold a well-formed RSAPublicKey. Errors: bad_encoding.
  static Result<SubjectPublicKeyInfo> parse(asn1::Reader& r);
};

}  // namespace medsign::pki
