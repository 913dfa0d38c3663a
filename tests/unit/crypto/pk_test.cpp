// Signer / Verifier / Encryptor / Decryptor over SM2 (ours), ECDSA and RSA (OpenSSL), and `medsign speed`.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "crypto/algorithms/pk.h"
#include "crypto/speed.h"

namespace medsign::crypto {
namespace {

struct Case {
  KeyAlg key;
  std::vector<SignatureAlg> schemes;
};

const std::vector<Case>& cases() {
  static const std::vector<Case> c = {
      {KeyAlg::sm2, {SignatureAlg::sm2_sm3}},
      {KeyAlg::ecdsa_p256, {SignatureAlg::ecdsa_p256_sha256}},
      {KeyAlg::ecdsa_p384, {SignatureAlg::ecdsa_p384_sha384}},
      {KeyAlg::rsa2048,
       {SignatureAlg::rsa_pkcs1_sha256, SignatureAlg::rsa_pkcs1_sha384, SignatureAlg::rsa_pkcs1_sha512,
        SignatureAlg::rsa_pss_sha256, SignatureAlg::rsa_pss_sha384, SignatureAlg::rsa_pss_sha512}},
      {KeyAlg::rsa3072, {SignatureAlg::rsa_pkcs1_sha256, SignatureAlg::rsa_pss_sha256}},
      {KeyAlg::rsa4096, {SignatureAlg::rsa_pss_sha512}},
  };
  return c;
}

TEST(PublicKey, SignVerifyEveryKeyAndScheme) {
  const Bytes msg = to_bytes("document digest input");
  for (const Case& c : cases()) {
    SCOPED_TRACE(std::string(key_alg_name(c.key)));
    KeyPair kp = KeyPair::generate(c.key).value();
    EXPECT_EQ(kp.algorithm(), c.key);
    EXPECT_EQ(parse_key_alg(key_alg_name(c.key)).value(), c.key);
    // PKCS#8 round trip keeps the key.
    KeyPair again = KeyPair::from_pkcs8(kp.pkcs8().value().view()).value();
    EXPECT_EQ(again.public_key_der(), kp.public_key_der());
    for (SignatureAlg s : c.schemes) {
      SCOPED_TRACE(std::string(signature_alg_name(s)));
      EXPECT_EQ(parse_signature_alg(signature_alg_name(s)).value(), s);
      Signer signer = Signer::create(s, again).value();
      EXPECT_EQ(signer.algorithm(), s);
      EXPECT_EQ(signer.public_key_der(), kp.public_key_der());
      Verifier v = Verifier::create(s, kp.public_key_der()).value();
      Bytes sig = signer.sign(msg).value();
      EXPECT_TRUE(v.verify(msg, sig).ok());
      EXPECT_EQ(v.verify(to_bytes("document digest inpuT"), sig).error().code, Errc::bad_signature);
      Bytes bad = sig;
      bad[bad.size() / 2] ^= 0x01;
      EXPECT_EQ(v.verify(msg, bad).error().code, Errc::bad_signature);
      EXPECT_EQ(v.verify(msg, {}).error().code, Errc::bad_signature);
      // sign_digest / verify_digest agree with the message forms (SM2: e = SM3(Z || M)).
      Bytes digest;
      if (s == SignatureAlg::sm2_sm3) {
        auto pub = sm2::PublicKey::decode(ByteView(kp.public_key_der()).last(65)).value();
        auto e = sm2::digest_e(pub, msg).value();
        digest.assign(e.begin(), e.end());
      } else {
        digest = hash(signature_hash(s), msg);
      }
      EXPECT_TRUE(v.verify_digest(digest, signer.sign_digest(digest).value()).ok());
      EXPECT_TRUE(v.verify_digest(digest, sig).ok());
      EXPECT_EQ(signer.sign_digest(ByteView(digest).first(digest.size() - 1)).error().code, Errc::invalid_argument);
    }
  }
}

TEST(PublicKey, SchemeMustFitTheKey) {
  KeyPair rsa = KeyPair::generate(KeyAlg::rsa2048).value();
  KeyPair p256 = KeyPair::generate(KeyAlg::ecdsa_p256).value();
  KeyPair sm2 = KeyPair::generate(KeyAlg::sm2).value();
  EXPECT_EQ(Signer::create(SignatureAlg::ecdsa_p256_sha256, rsa).error().code, Errc::invalid_argument);
  EXPECT_EQ(Signer::create(SignatureAlg::sm2_sm3, p256).error().code, Errc::invalid_argument);
  EXPECT_EQ(Signer::create(SignatureAlg::rsa_pss_sha256, sm2).error().code, Errc::invalid_argument);
  EXPECT_EQ(Signer::create(SignatureAlg::ecdsa_p384_sha384, p256).error().code, Errc::invalid_argument);
  EXPECT_EQ(Verifier::create(SignatureAlg::sm2_sm3, rsa.public_key_der()).error().code, Errc::invalid_argument);
  EXPECT_EQ(Verifier::create(SignatureAlg::sm2_sm3, to_bytes("junk")).error().code, Errc::bad_encoding);
  Bytes trailing = sm2.public_key_der();
  trailing.push_back(0);
  EXPECT_EQ(Verifier::create(SignatureAlg::sm2_sm3, trailing).error().code, Errc::bad_encoding);
  EXPECT_EQ(KeyPair::from_pkcs8(to_bytes("junk")).error().code, Errc::bad_encoding);
  EXPECT_EQ(Encryptor::create(EncryptionAlg::sm2, rsa.public_key_der()).error().code, Errc::invalid_argument);
  EXPECT_EQ(Decryptor::create(EncryptionAlg::rsa_oaep_sha256, sm2).error().code, Errc::invalid_argument);
  EXPECT_FALSE(parse_signature_alg("rsa-md5").ok());
}

TEST(PublicKey, Sm2SignerInteroperatesWithOpenSsl) {
  KeyPair kp = KeyPair::generate(KeyAlg::sm2).value();
  Signer signer = Signer::create(SignatureAlg::sm2_sm3, kp).value();
  const Bytes msg = to_bytes("interop");
  Bytes sig = signer.sign(msg).value();
  const Bytes spki = kp.public_key_der();
  const unsigned char* p = spki.data();
  EVP_PKEY* pub = d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size()));
  ASSERT_NE(pub, nullptr);
  EVP_MD_CTX* m = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pc = EVP_PKEY_CTX_new(pub, nullptr);
  EVP_PKEY_CTX_set1_id(pc, sm2::kDefaultId.data(), sm2::kDefaultId.size());
  EVP_MD_CTX_set_pkey_ctx(m, pc);
  EXPECT_EQ(EVP_DigestVerifyInit(m, nullptr, EVP_sm3(), nullptr, pub), 1);
  EXPECT_EQ(EVP_DigestVerify(m, sig.data(), sig.size(), msg.data(), msg.size()), 1);
  EVP_MD_CTX_free(m);
  EVP_PKEY_CTX_free(pc);
  EVP_PKEY_free(pub);
  // A non-default signer ID changes Z: the default-ID verifier rejects it.
  Signer other_id = Signer::create(SignatureAlg::sm2_sm3, kp, "alice@hospital").value();
  Verifier v = Verifier::create(SignatureAlg::sm2_sm3, kp.public_key_der()).value();
  EXPECT_FALSE(v.verify(msg, other_id.sign(msg).value()).ok());
  EXPECT_TRUE(Verifier::create(SignatureAlg::sm2_sm3, kp.public_key_der(), "alice@hospital")
                  .value()
                  .verify(msg, other_id.sign(msg).value())
                  .ok());
}

TEST(PublicKey, EncryptDecryptSm2AndRsa) {
  struct EncCase {
    KeyAlg key;
    EncryptionAlg alg;
    std::size_t max;
  };
  for (EncCase c : {EncCase{KeyAlg::sm2, EncryptionAlg::sm2, 1000}, EncCase{KeyAlg::rsa2048, EncryptionAlg::rsa_oaep_sha256, 190},
                    EncCase{KeyAlg::rsa2048, EncryptionAlg::rsa_pkcs1, 245},
                    EncCase{KeyAlg::rsa3072, EncryptionAlg::rsa_oaep_sha256, 318}}) {
    SCOPED_TRACE(std::string(encryption_alg_name(c.alg)));
    KeyPair kp = KeyPair::generate(c.key).value();
    Encryptor enc = Encryptor::create(c.alg, kp.public_key_der()).value();
    Decryptor dec = Decryptor::create(c.alg, kp).value();
    for (std::size_t n : {std::size_t{1}, std::size_t{32}, c.max}) {
      Bytes pt(n, 0x5a);
      Bytes ct = enc.encrypt(pt).value();
      EXPECT_EQ(dec.decrypt(ct).value().bytes(), pt);
      ct[ct.size() - 3] ^= 0x10;
      EXPECT_EQ(dec.decrypt(ct).error().code, Errc::decrypt_failed);
    }
    EXPECT_EQ(enc.encrypt({}).error().code, Errc::invalid_argument);
    EXPECT_EQ(dec.decrypt(to_bytes("junk")).error().code, Errc::decrypt_failed);
    if (c.key != KeyAlg::sm2) {
      EXPECT_EQ(enc.encrypt(Bytes(c.max + 1)).error().code, Errc::invalid_argument);
    }
    KeyPair other = KeyPair::generate(c.key).value();
    EXPECT_FALSE(Decryptor::create(c.alg, other).value().decrypt(enc.encrypt(to_bytes("x")).value()).ok());
  }
}

TEST(Speed, RunsBothSidesAndPrintsJson) {
  speed::Options opt;
  opt.seconds = 0.02;
  auto figs = speed::run("sm3", opt).value();
  ASSERT_EQ(figs.size(), 2u);
  EXPECT_EQ(figs[0].name, "sm3");
  EXPECT_GT(figs[0].medsign, 0);
  ASSERT_TRUE(figs[0].openssl.has_value());
  std::string json = speed::to_json(figs);
  EXPECT_EQ(json.front(), '{');
  EXPECT_NE(json.find("\"sm3\": {\"medsign\": "), std::string::npos);
  EXPECT_NE(json.find("\"openssl\": "), std::string::npos);
  auto sm2 = speed::run("sm2", opt).value();
  EXPECT_EQ(sm2[0].name, "sm2_sign");
  EXPECT_EQ(sm2[1].name, "sm2_verify");
  EXPECT_NE(speed::to_table(sm2).find("sm2_verify"), std::string::npos);
  EXPECT_EQ(speed::run("md5", opt).error().code, Errc::invalid_argument);
  opt.seconds = 0;
  EXPECT_EQ(speed::run("sm2", opt).error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace medsign::crypto
