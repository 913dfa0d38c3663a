#include <openssl/rsa.h>

#include "crypto/algorithms/pk_internal.h"

namespace medsign::crypto {

struct SignerImpl {
  virtual ~SignerImpl() = default;
  virtual Result<Bytes> sign(ByteView message) const = 0;
  virtual Result<Bytes> sign_digest(ByteView digest) const = 0;
  Bytes spki;
};
struct VerifierImpl {
  virtual ~VerifierImpl() = default;
  virtual Status verify(ByteView message, ByteView sig) const = 0;
  virtual Status verify_digest(ByteView digest, ByteView sig) const = 0;
};
struct EncryptorImpl {
  virtual ~EncryptorImpl() = default;
  virtual Result<Bytes> encrypt(ByteView pt) const = 0;
};
struct DecryptorImpl {
  virtual ~DecryptorImpl() = default;
  virtual Result<SecretBytes> decrypt(ByteView ct) const = 0;
};

namespace {

using MdCtx = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)>;

bool fits(SignatureAlg s, KeyAlg k) {
  switch (s) {
    case SignatureAlg::sm2_sm3: return k == KeyAlg::sm2;
    case SignatureAlg::ecdsa_p256_sha256: return k == KeyAlg::ecdsa_p256;
    case SignatureAlg::ecdsa_p384_sha384: return k == KeyAlg::ecdsa_p384;
    default: return is_rsa(k);
  }
}

bool is_pss(SignatureAlg s) {
  return s == SignatureAlg::rsa_pss_sha256 || s == SignatureAlg::rsa_pss_sha384 || s == SignatureAlg::rsa_pss_sha512;
}

bool configure_rsa(EVP_PKEY_CTX* ctx, SignatureAlg s) {
  if (!is_pss(s)) return true;
  return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) > 0 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) > 0;
}

Status check_digest(SignatureAlg s, ByteView digest) {
  if (digest.size() != hash_size(signature_hash(s)))
    return Error(Errc::invalid_argument, "digest length does not match " + std::string(signature_alg_name(s)));
  return {};
}

// ---- SM2 (ours) -------------------------------------------------------------------------------------

struct Sm2Signer final : SignerImpl {
  sm2::PrivateKey key;
  sm2::Bytes32 z{};
  explicit Sm2Signer(const sm2::PrivateKey& k) : key(k) {}
  Result<Bytes> sign(ByteView message) const override {
    sm2::Bytes32 e = sm2::digest_e(z, message);
    return sign_digest(e);
  }
  Result<Bytes> sign_digest(ByteView digest) const override {
    MEDSIGN_ASSIGN(sm2::Signature sig, sm2::sign_digest(key, digest));
    return sm2::encode_signature_der(sig);
  }
};

// Keeps Z and the per-key table of sm2::VerifyingKey.
struct Sm2Verifier final : VerifierImpl {
  sm2::VerifyingKey key;
  sm2::Bytes32 z{};
  explicit Sm2Verifier(const sm2::PublicKey& k) : key(k) {}
  Status verify(ByteView message, ByteView sig) const override {
    sm2::Bytes32 e = sm2::digest_e(z, message);
    return verify_digest(e, sig);
  }
  Status verify_digest(ByteView digest, ByteView sig) const override {
    MEDSIGN_TRY(check_digest(SignatureAlg::sm2_sm3, digest));
    auto s = sm2::decode_signature_der(sig);
    if (!s) return Error(Errc::bad_signature, "malformed SM2 signature");
    return sm2::verify_digest(key, digest, s.value());
  }
};

struct Sm2Encryptor final : EncryptorImpl {
  sm2::PublicKey key;
  explicit Sm2Encryptor(const sm2::PublicKey& k) : key(k) {}
  Result<Bytes> encrypt(ByteView pt) const override {
    MEDSIGN_ASSIGN(sm2::Ciphertext ct, sm2::encrypt(key, pt));
    return sm2::encode_ciphertext_der(ct);
  }
};

struct Sm2Decryptor final : DecryptorImpl {
  sm2::PrivateKey key;
  explicit Sm2Decryptor(const sm2::PrivateKey& k) : key(k) {}
  Result<SecretBytes> decrypt(ByteView der) const override {
    auto ct = sm2::decode_ciphertext_der(der);
    if (!ct) return Error(Errc::decrypt_failed, "malformed SM2 ciphertext");
    return sm2::decrypt(key, ct.value());
  }
};

// ---- OpenSSL EVP (RSA, ECDSA) -------------------------------------------------------------------------

struct EvpSigner final : SignerImpl {
  EvpPtr pkey;
  SignatureAlg alg;
  EvpSigner(EvpPtr k, SignatureAlg a) : pkey(std::move(k)), alg(a) {}
  Result<Bytes> sign(ByteView message) const override {
    MdCtx md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    EVP_PKEY_CTX* pctx = nullptr;
    std::size_t len = 0;
    if (!md || EVP_DigestSignInit(md.get(), &pctx, evp_md(signature_hash(alg)), nullptr, pkey.get()) != 1 ||
        !configure_rsa(pctx, alg) || EVP_DigestSign(md.get(), nullptr, &len, message.data(), message.size()) != 1)
      return Error(Errc::crypto_error, "signing failed");
    Bytes out(len);
    if (EVP_DigestSign(md.get(), out.data(), &len, message.data(), message.size()) != 1)
      return Error(Errc::crypto_error, "signing failed");
    out.resize(len);
    return out;
  }
  Result<Bytes> sign_digest(ByteView digest) const override {
    MEDSIGN_TRY(check_digest(alg, digest));
    PkeyCtx ctx(EVP_PKEY_CTX_new(pkey.get(), nullptr), EVP_PKEY_CTX_free);
    std::size_t len = 0;
    if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1 ||
        EVP_PKEY_CTX_set_signature_md(ctx.get(), evp_md(signature_hash(alg))) != 1 || !configure_rsa(ctx.get(), alg) ||
        EVP_PKEY_sign(ctx.get(), nullptr, &len, digest.data(), digest.size()) != 1)
      return Error(Errc::crypto_error, "signing failed");
    Bytes out(len);
    if (EVP_PKEY_sign(ctx.get(), out.data(), &len, digest.data(), digest.size()) != 1)
      return Error(Errc::crypto_error, "signing failed");
    out.resize(len);
    return out;
  }
};

struct EvpVerifier final : VerifierImpl {
  EvpPtr pkey;
  SignatureAlg alg;
  EvpVerifier(EvpPtr k, SignatureAlg a) : pkey(std::move(k)), alg(a) {}
  Status verify(ByteView message, ByteView sig) const override {
    MdCtx md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    EVP_PKEY_CTX* pctx = nullptr;
    if (!md || EVP_DigestVerifyInit(md.get(), &pctx, evp_md(signature_hash(alg)), nullptr, pkey.get()) != 1 ||
        !configure_rsa(pctx, alg))
      return Error(Errc::crypto_error, "verification setup failed");
    if (EVP_DigestVerify(md.get(), sig.data(), sig.size(), message.data(), message.size()) != 1)
      return Error(Errc::bad_signature, "signature does not verify");
    return {};
  }
  Status verify_digest(ByteView digest, ByteView sig) const override {
    MEDSIGN_TRY(check_digest(alg, digest));
    PkeyCtx ctx(EVP_PKEY_CTX_new(pkey.get(), nullptr), EVP_PKEY_CTX_free);
    if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1 ||
        EVP_PKEY_CTX_set_signature_md(ctx.get(), evp_md(signature_hash(alg))) != 1 || !configure_rsa(ctx.get(), alg))
      return Error(Errc::crypto_error, "verification setup failed");
    if (EVP_PKEY_verify(ctx.get(), sig.data(), sig.size(), digest.data(), digest.size()) != 1)
      return Error(Errc::bad_signature, "signature does not verify");
    return {};
  }
};

bool configure_rsa_enc(EVP_PKEY_CTX* ctx, EncryptionAlg alg) {
  if (alg == EncryptionAlg::rsa_pkcs1) return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0;
  return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) > 0 &&
         EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()) > 0 && EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) > 0;
}

struct RsaEncryptor final : EncryptorImpl {
  EvpPtr pkey;
  EncryptionAlg alg;
  RsaEncryptor(EvpPtr k, EncryptionAlg a) : pkey(std::move(k)), alg(a) {}
  Result<Bytes> encrypt(ByteView pt) const override {
    if (pt.empty()) return Error(Errc::invalid_argument, "empty plaintext");
    PkeyCtx ctx(EVP_PKEY_CTX_new(pkey.get(), nullptr), EVP_PKEY_CTX_free);
    std::size_t len = 0;
    if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) != 1 || !configure_rsa_enc(ctx.get(), alg) ||
        EVP_PKEY_encrypt(ctx.get(), nullptr, &len, pt.data(), pt.size()) != 1)
      return Error(Errc::crypto_error, "RSA encryption setup failed");
    Bytes out(len);
    if (EVP_PKEY_encrypt(ctx.get(), out.data(), &len, pt.data(), pt.size()) != 1)
      return Error(Errc::invalid_argument, "plaintext too long for this RSA key and padding");
    out.resize(len);
    return out;
  }
};

struct RsaDecryptor final : DecryptorImpl {
  EvpPtr pkey;
  EncryptionAlg alg;
  RsaDecryptor(EvpPtr k, EncryptionAlg a) : pkey(std::move(k)), alg(a) {}
  Result<SecretBytes> decrypt(ByteView ct) const override {
    PkeyCtx ctx(EVP_PKEY_CTX_new(pkey.get(), nullptr), EVP_PKEY_CTX_free);
    std::size_t len = 0;
    if (!ctx || EVP_PKEY_decrypt_init(ctx.get()) != 1 || !configure_rsa_enc(ctx.get(), alg) ||
        EVP_PKEY_decrypt(ctx.get(), nullptr, &len, ct.data(), ct.size()) != 1)
      return Error(Errc::decrypt_failed, "RSA decryption failed");
    SecretBytes out{Bytes(len)};
    if (EVP_PKEY_decrypt(ctx.get(), out.bytes().data(), &len, ct.data(), ct.size()) != 1)
      return Error(Errc::decrypt_failed, "RSA decryption failed");
    out.bytes().resize(len);
    return out;
  }
};

Result<sm2::Bytes32> z_of(const sm2::PublicKey& k, std::string_view id) { return sm2::compute_z(k, id); }

}  // namespace

Result<Signer> Signer::create(SignatureAlg alg, const KeyPair& key, std::string_view sm2_id) {
  if (!key.state_) return Error(Errc::invalid_argument, "empty key pair");
  const KeyPairState& st = *key.state_;
  if (!fits(alg, st.alg))
    return Error(Errc::invalid_argument, std::string(signature_alg_name(alg)) + " does not fit a " +
                                             std::string(key_alg_name(st.alg)) + " key");
  std::shared_ptr<SignerImpl> impl;
  if (alg == SignatureAlg::sm2_sm3) {
    auto s = std::make_shared<Sm2Signer>(*st.sm2);
    MEDSIGN_ASSIGN(s->z, z_of(st.sm2->public_key(), sm2_id));
    impl = s;
  } else {
    impl = std::make_shared<EvpSigner>(st.pkey, alg);
  }
  impl->spki = st.spki;
  Signer out;
  out.alg_ = alg;
  out.impl_ = std::move(impl);
  return out;
}

Result<Bytes> Signer::sign(ByteView message) const {
  if (!impl_) return Error(Errc::invalid_argument, "empty signer");
  return impl_->sign(message);
}
Result<Bytes> Signer::sign_digest(ByteView digest) const {
  if (!impl_) return Error(Errc::invalid_argument, "empty signer");
  MEDSIGN_TRY(check_digest(alg_, digest));
  return impl_->sign_digest(digest);
}
const Bytes& Signer::public_key_der() const {
  static const Bytes kEmpty;
  return impl_ ? impl_->spki : kEmpty;
}

Result<Verifier> Verifier::sm2(const sm2::PublicKey& key, std::string_view id) {
  auto v = std::make_shared<Sm2Verifier>(key);
  MEDSIGN_ASSIGN(v->z, z_of(key, id));
  Verifier out;
  out.alg_ = SignatureAlg::sm2_sm3;
  out.impl_ = std::move(v);
  return out;
}

Result<Verifier> Verifier::create(SignatureAlg alg, ByteView spki, std::string_view sm2_id) {
  MEDSIGN_ASSIGN(EvpPtr pkey, parse_spki(spki));
  MEDSIGN_ASSIGN(KeyAlg kalg, classify_pkey(pkey.get()));
  if (!fits(alg, kalg))
    return Error(Errc::invalid_argument, std::string(signature_alg_name(alg)) + " does not fit a " +
                                             std::string(key_alg_name(kalg)) + " key");
  if (alg == SignatureAlg::sm2_sm3) {
    MEDSIGN_ASSIGN(sm2::PublicKey pub, sm2_public_of(pkey.get()));
    return Verifier::sm2(pub, sm2_id);
  }
  Verifier out;
  out.alg_ = alg;
  out.impl_ = std::make_shared<EvpVerifier>(pkey, alg);
  return out;
}

Status Verifier::verify(ByteView message, ByteView signature) const {
  if (!impl_) return Error(Errc::invalid_argument, "empty verifier");
  return impl_->verify(message, signature);
}
Status Verifier::verify_digest(ByteView digest, ByteView signature) const {
  if (!impl_) return Error(Errc::invalid_argument, "empty verifier");
  MEDSIGN_TRY(check_digest(alg_, digest));
  return impl_->verify_digest(digest, signature);
}

Result<Encryptor> Encryptor::create(EncryptionAlg alg, ByteView spki) {
  MEDSIGN_ASSIGN(EvpPtr pkey, parse_spki(spki));
  MEDSIGN_ASSIGN(KeyAlg kalg, classify_pkey(pkey.get()));
  Encryptor out;
  out.alg_ = alg;
  if (alg == EncryptionAlg::sm2) {
    if (kalg != KeyAlg::sm2) return Error(Errc::invalid_argument, "SM2 encryption needs an SM2 key");
    MEDSIGN_ASSIGN(sm2::PublicKey pub, sm2_public_of(pkey.get()));
    out.impl_ = std::make_shared<Sm2Encryptor>(pub);
  } else {
    if (!is_rsa(kalg)) return Error(Errc::invalid_argument, "RSA encryption needs an RSA key");
    out.impl_ = std::make_shared<RsaEncryptor>(pkey, alg);
  }
  return out;
}

Result<Bytes> Encryptor::encrypt(ByteView plaintext) const {
  if (!impl_) return Error(Errc::invalid_argument, "empty encryptor");
  return impl_->encrypt(plaintext);
}

Result<Decryptor> Decryptor::create(EncryptionAlg alg, const KeyPair& key) {
  if (!key.state_) return Error(Errc::invalid_argument, "empty key pair");
  const KeyPairState& st = *key.state_;
  Decryptor out;
  out.alg_ = alg;
  if (alg == EncryptionAlg::sm2) {
    if (st.alg != KeyAlg::sm2) return Error(Errc::invalid_argument, "SM2 decryption needs an SM2 key");
    out.impl_ = std::make_shared<Sm2Decryptor>(*st.sm2);
  } else {
    if (!is_rsa(st.alg)) return Error(Errc::invalid_argument, "RSA decryption needs an RSA key");
    out.impl_ = std::make_shared<RsaDecryptor>(st.pkey, alg);
  }
  return out;
}

Result<SecretBytes> Decryptor::decrypt(ByteView ciphertext) const {
  if (!impl_) return Error(Errc::invalid_argument, "empty decryptor");
  return impl_->decrypt(ciphertext);
}

}  // namespace medsign::crypto
