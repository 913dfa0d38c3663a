// Digest and signature algorithms as CMS names them, for both flavours (GM/T 0010 and RFC 5652), and the
// one place where a signature value is checked against a certificate's public key.
#pragma once

#include "asn1/oid.h"
#include "asn1/writer.h"
#include "common/bytes.h"
#include "pki/public_key.h"

namespace medsign::cms {

enum class DigestAlgorithm { sm3, sha256, sha384, sha512 };
enum class SignatureAlgorithm {
  sm2,        // SM2 with Z (default ID) over the signed bytes; DER (r, s)
  rsa_pkcs1,  // RSASSA-PKCS1-v1_5 with the signer's digest
  ecdsa,      // ECDSA with the signer's digest; DER (r, s)
};

const asn1::Oid& digest_oid(DigestAlgorithm d);
Result<DigestAlgorithm> digest_from_oid(const asn1::Oid& o);
std::string_view digest_name(DigestAlgorithm d);
Bytes digest(DigestAlgorithm d, ByteView data);
std::size_t digest_size(DigestAlgorithm d);

// The signatureAlgorithm / digestEncryptionAlgorithm identifier we emit: sm2 → sm2sign (1.2.156.10197.1.301.1);
// rsa_pkcs1 → rsaEncryption with NULL; ecdsa → ecdsa-with-SHA*.
void write_signature_algorithm(asn1::Writer& w, SignatureAlgorithm s, DigestAlgorithm d);
// Accepts sm2sign, sm3WithSM2, id-ecPublicKey (with an SM2 key), rsaEncryption, sha*WithRSAEncryption,
// ecdsa-with-SHA*.
Result<SignatureAlgorithm> signature_from_oid(const asn1::Oid& o, pki::KeyType signer_key);

// Checks `signature` over `data` with the key (SM2: with Z of the default ID; others: `d` digest).
// Errors: bad_signature when it does not verify, invalid_argument when key and algorithm disagree.
Status verify_signature(const pki::SubjectPublicKeyInfo& key, SignatureAlgorithm s, DigestAlgorithm d, ByteView data,
                        ByteView signature);

}  // namespace medsign::cms
