// Verification of a signed structure (certificate, CRL, ...): a to-be-signed encoding, the algorithm
// that signed it and the signature value, checked with the signer's public key.
#pragma once

#include "common/bytes.h"
#include "common/error.h"
#include "pki/public_key.h"

namespace medsign::pki {

// Checks `signature` over the exact bytes `tbs` with `key` under `alg`: sm3WithSM2 (default ID
// 1234567812345678), sha256/384/512WithRSAEncryption, RSASSA-PSS with explicit SHA-2 parameters,
// ecdsa-with-SHA256/384/512. `signature` is the BIT STRING contents (DER for SM2/ECDSA, the raw
// block for RSA). Errors: bad_signature when it does not verify or the key does not fit the
// algorithm; invalid_argument for an unsupported or weak (MD5, SHA-1) algorithm.
Status verify_signed_data(const AlgorithmIdentifier& alg, const SubjectPublicKeyInfo& key, ByteView tbs,
                          ByteView signature);

}  // namespace medsign::pki
