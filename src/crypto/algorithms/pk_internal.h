// Internal: shared state of the public-key objects of pk.h and the OpenSSL helpers they use.
#pragma once

#include <memory>
#include <optional>

#include <openssl/evp.h>

#include "crypto/algorithms/pk.h"

namespace medsign::crypto {

using EvpPtr = std::shared_ptr<EVP_PKEY>;
EvpPtr adopt_pkey(EVP_PKEY* p);

struct KeyPairState {
  KeyAlg alg = KeyAlg::sm2;
  EvpPtr pkey;                          // always set (SM2 too, for PKCS#8 and SPKI)
  std::optional<sm2::PrivateKey> sm2;   // set for SM2: the fast implementation signs and decrypts
  Bytes spki;
};

// The KeyAlg of an OpenSSL key. Errors: invalid_argument for unsupported types, curves or RSA sizes.
Result<KeyAlg> classify_pkey(EVP_PKEY* p);
// SubjectPublicKeyInfo DER → OpenSSL key. Errors: bad_encoding.
Result<EvpPtr> parse_spki(ByteView spki);
// The SM2 public key inside an OpenSSL SM2 key.
Result<sm2::PublicKey> sm2_public_of(EVP_PKEY* p);
const EVP_MD* evp_md(HashAlg h);
bool is_rsa(KeyAlg a);

}  // namespace medsign::crypto
