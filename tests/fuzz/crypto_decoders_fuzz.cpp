// libFuzzer target: the decoders of crypto/algorithms and the sealed-blob format on arbitrary bytes
// (SubjectPublicKeyInfo, PKCS#8, signatures of every scheme, SM2/RSA ciphertexts, GCM input, sealed
// blobs v1/v2). Nothing may crash, and nothing forged may be accepted.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "crypto/algorithms/cipher.h"
#include "crypto/algorithms/pk.h"
#include "crypto/soft/key_seal.h"

using namespace medsign;
using namespace medsign::crypto;

namespace {

struct Fixture {
  KeyPair sm2 = KeyPair::generate(KeyAlg::sm2).value();
  KeyPair p256 = KeyPair::generate(KeyAlg::ecdsa_p256).value();
  KeyPair rsa = KeyPair::generate(KeyAlg::rsa2048).value();
  Verifier v_sm2 = Verifier::create(SignatureAlg::sm2_sm3, sm2.public_key_der()).value();
  Verifier v_p256 = Verifier::create(SignatureAlg::ecdsa_p256_sha256, p256.public_key_der()).value();
  Verifier v_rsa = Verifier::create(SignatureAlg::rsa_pss_sha256, rsa.public_key_der()).value();
  Decryptor d_sm2 = Decryptor::create(EncryptionAlg::sm2, sm2).value();
  Decryptor d_rsa = Decryptor::create(EncryptionAlg::rsa_oaep_sha256, rsa).value();
  Aead gcm = Aead::create(BlockCipher::sm4, Bytes(16, 7)).value();
  Bytes kek = Bytes(kKekSize, 9);
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Fixture& f = fixture();
  ByteView in(data, size);
  const Bytes msg = to_bytes("fuzz");

  // Signatures were never made over "fuzz" by these keys: any acceptance is a forgery.
  if (f.v_sm2.verify(msg, in).ok() || f.v_p256.verify(msg, in).ok() || f.v_rsa.verify(msg, in).ok()) std::abort();
  (void)f.d_sm2.decrypt(in);
  (void)f.d_rsa.decrypt(in);
  if (f.gcm.open(ByteView(data, size < 12 ? size : 12), {}, in).ok() && size >= 12 + 16) std::abort();
  (void)unseal(f.kek, in, "fuzz");

  if (auto v = Verifier::create(SignatureAlg::sm2_sm3, in); v.ok()) (void)v->verify(msg, in);
  if (auto v = Verifier::create(SignatureAlg::rsa_pkcs1_sha256, in); v.ok()) (void)v->verify(msg, in);
  if (auto e = Encryptor::create(EncryptionAlg::sm2, in); e.ok()) (void)e->encrypt(msg);
  if (auto k = KeyPair::from_pkcs8(in); k.ok()) {
    // An accepted key must sign with its default scheme and verify under its own public key.
    auto s = Signer::create(default_signature_alg(k->algorithm()), *k);
    if (s.ok()) {
      auto sig = s->sign(msg);
      auto v = Verifier::create(s->algorithm(), k->public_key_der());
      if (sig.ok() && v.ok() && !v->verify(msg, *sig).ok()) std::abort();
    }
  }
  return 0;
}
