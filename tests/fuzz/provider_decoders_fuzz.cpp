// libFuzzer target: decoders of the crypto providers on arbitrary bytes — the soft provider's key index
// file, GM/T 0018 structures as a device returns them (ECCrefPublicKey, RSArefPublicKey, ECCSignature,
// ECCCipher) and PKCS#11 EC attributes (CKA_EC_PARAMS, CKA_EC_POINT). Nothing may crash, and what a
// decoder accepts must be consistent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "crypto/provider/key_file.h"
#include "crypto/provider/pkcs11_provider.h"
#include "crypto/provider/sdf_provider.h"
#include "crypto/sm2/sm2.h"

using namespace medsign;
using namespace medsign::crypto;
using namespace medsign::crypto::provider;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView in(data, size);
  if (size == 0) return 0;
  // The first byte picks the decoder, so each one sees well-shaped inputs often.
  ByteView body = in.subspan(1);
  switch (data[0] % 6) {
    case 0: {
      auto f = parse_key_file(as_chars(body));
      if (f.ok()) {
        // An accepted file re-encodes to the same text.
        if (encode_key_file(*f) != std::string(as_chars(body))) std::abort();
      }
      break;
    }
    case 1: {
      auto spki = spki_from_ecc_public_bytes(body);
      if (spki.ok() && !key_alg_of_spki(*spki).ok()) std::abort();
      break;
    }
    case 2: {
      auto spki = spki_from_rsa_public_bytes(body);
      if (spki.ok() && !rsa_public_of_spki(*spki).ok()) std::abort();
      break;
    }
    case 3: {
      auto der = der_signature_from_ecc_bytes(body);
      if (der.ok() && !raw_signature_from_der(*der, 32).ok()) std::abort();
      break;
    }
    case 4: {
      auto der = sm2_ciphertext_der_from_ecc_bytes(body);
      if (der.ok() && !crypto::sm2::decode_ciphertext_der(*der).ok()) std::abort();
      break;
    }
    case 5: {
      // params length in the second byte, then params, then the point.
      if (body.empty()) break;
      std::size_t n = body[0] % (body.size());
      auto spki = spki_from_pkcs11_ec(body.subspan(1, n), body.subspan(1 + n));
      if (spki.ok() && !ec_point_of_spki(*spki).ok()) std::abort();
      auto raw = raw_signature_from_der(body, 48);
      if (raw.ok() && !der_signature_from_raw(*raw).ok()) std::abort();
      break;
    }
  }
  return 0;
}
