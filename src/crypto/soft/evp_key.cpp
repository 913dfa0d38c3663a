#include "crypto/soft/evp_key.h"

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

namespace medsign::crypto {
namespace {
using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

std::string openssl_error(std::string_view what) {
  std::string s(what);
  unsigned long e = ERR_get_error();
  if (e) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    s += ": ";
    s += buf;
  }
  ERR_clear_error();
  return s;
}

Result<KeyType> detect(EVP_PKEY* k) {
  if (EVP_PKEY_is_a(k, "SM2")) return KeyType::sm2;
  if (EVP_PKEY_is_a(k, "RSA")) return KeyType::rsa2048;
  if (EVP_PKEY_is_a(k, "EC")) {
    char group[64] = {0};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(k, "group", group, sizeof group, &len) == 1) {
      std::string g(group, len);
      if (g == "SM2") return KeyType::sm2;
      if (g == "prime256v1" || g == "P-256") return KeyType::ecdsa_p256;
    }
    return Error(Errc::invalid_argument, "unsupported elliptic curve");
  }
  return Error(Errc::invalid_argument, "unsupported key algorithm");
}

const EVP_MD* digest_for(KeyType t) { return t == KeyType::sm2 ? EVP_sm3() : EVP_sha256(); }

Status prepare_sm2_id(EVP_PKEY_CTX* pctx, KeyType t) {
  if (t == KeyType::sm2 &&
      EVP_PKEY_CTX_set1_id(pctx, kSm2DefaultId.data(), static_cast<int>(kSm2DefaultId.size())) <= 0)
    return Error(Errc::crypto_error, openssl_error("set SM2 ID"));
  return {};
}

Bytes digest(const EVP_MD* md, ByteView data) {
  Bytes out(EVP_MD_get_size(md));
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr);
  return out;
}
}  // namespace

std::string_view key_type_name(KeyType t) {
  switch (t) {
    case KeyType::sm2: return "sm2";
    case KeyType::ecdsa_p256: return "ecdsa-p256";
    case KeyType::rsa2048: return "rsa-2048";
  }
  return "sm2";
}

Result<KeyType> parse_key_type(std::string_view s) {
  if (s == "sm2") return KeyType::sm2;
  if (s == "ecdsa-p256" || s == "ecdsa") return KeyType::ecdsa_p256;
  if (s == "rsa-2048" || s == "rsa") return KeyType::rsa2048;
  return Error(Errc::invalid_argument, "key type must be sm2, ecdsa-p256 or rsa-2048");
}

EvpKey EvpKey::adopt(EVP_PKEY* pkey) {
  EvpKey k;
  auto t = detect(pkey);
  k.pkey_.reset(pkey, EVP_PKEY_free);
  if (t) k.type_ = *t;
  return k;
}

Result<EvpKey> EvpKey::generate(KeyType type) {
  EVP_PKEY* p = nullptr;
  switch (type) {
    case KeyType::sm2: p = EVP_PKEY_Q_keygen(nullptr, nullptr, "SM2"); break;
    case KeyType::ecdsa_p256: p = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"); break;
    case KeyType::rsa2048: p = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)); break;
  }
  if (!p) return Error(Errc::crypto_error, openssl_error("key generation"));
  EvpKey k = adopt(p);
  k.type_ = type;
  return k;
}

Result<EvpKey> EvpKey::from_private_der(ByteView der) {
  const unsigned char* p = der.data();
  EVP_PKEY* k = d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size()));
  if (!k) return Error(Errc::bad_encoding, openssl_error("private key DER"));
  auto t = detect(k);
  if (!t) {
    EVP_PKEY_free(k);
    return t.error();
  }
  return adopt(k);
}

Result<EvpKey> EvpKey::from_public_der(ByteView der) {
  const unsigned char* p = der.data();
  EVP_PKEY* k = d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size()));
  if (!k) return Error(Errc::bad_encoding, openssl_error("public key DER"));
  auto t = detect(k);
  if (!t) {
    EVP_PKEY_free(k);
    return t.error();
  }
  return adopt(k);
}

Result<EvpKey> EvpKey::from_pem(std::string_view pem, std::string_view passphrase) {
  std::string pass(passphrase);
  auto read = [&](auto fn) -> EVP_PKEY* {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
    return fn(bio.get());
  };
  EVP_PKEY* k = nullptr;
  if (pem.find("PRIVATE KEY-----") != std::string_view::npos) {
    k = read([&](BIO* b) { return PEM_read_bio_PrivateKey(b, nullptr, nullptr, pass.data()); });
    secure_wipe(pass.data(), pass.size());
    if (!k) return Error(Errc::decrypt_failed, openssl_error("cannot read the private key (wrong PIN or damaged file)"));
  } else if (pem.find("-----BEGIN CERTIFICATE-----") != std::string_view::npos) {
    X509* x = nullptr;
    {
      BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
      x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    }
    if (!x) return Error(Errc::bad_encoding, openssl_error("certificate PEM"));
    k = X509_get_pubkey(x);
    X509_free(x);
  } else {
    k = read([&](BIO* b) { return PEM_read_bio_PUBKEY(b, nullptr, nullptr, nullptr); });
  }
  if (!k) return Error(Errc::bad_encoding, openssl_error("key PEM"));
  auto t = detect(k);
  if (!t) {
    EVP_PKEY_free(k);
    return t.error();
  }
  return adopt(k);
}

bool EvpKey::has_private() const {
  if (!pkey_) return false;
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey_.get(), "priv", &bn) == 1) {
    BN_clear_free(bn);
    return true;
  }
  if (EVP_PKEY_get_bn_param(pkey_.get(), "d", &bn) == 1) {
    BN_clear_free(bn);
    return true;
  }
  return false;
}

Result<SecretBytes> EvpKey::private_der() const {
  if (!pkey_) return Error(Errc::invalid_argument, "no key");
  unsigned char* buf = nullptr;
  PKCS8_PRIV_KEY_INFO* p8 = EVP_PKEY2PKCS8(pkey_.get());
  if (!p8) return Error(Errc::crypto_error, openssl_error("PKCS#8"));
  int len = i2d_PKCS8_PRIV_KEY_INFO(p8, &buf);
  PKCS8_PRIV_KEY_INFO_free(p8);
  if (len <= 0) return Error(Errc::crypto_error, openssl_error("PKCS#8 DER"));
  SecretBytes out(Bytes(buf, buf + len));
  OPENSSL_clear_free(buf, static_cast<size_t>(len));
  return out;
}

Result<Bytes> EvpKey::public_der() const {
  if (!pkey_) return Error(Errc::invalid_argument, "no key");
  unsigned char* buf = nullptr;
  int len = i2d_PUBKEY(pkey_.get(), &buf);
  if (len <= 0) return Error(Errc::crypto_error, openssl_error("public key DER"));
  Bytes out(buf, buf + len);
  OPENSSL_free(buf);
  return out;
}

Result<std::string> EvpKey::encrypted_pem(std::string_view passphrase) const {
  if (passphrase.size() < 4) return Error(Errc::invalid_argument, "key PIN must be at least 4 characters");
  BioPtr bio(BIO_new(BIO_s_mem()), BIO_free);
  std::string pass(passphrase);
  int ok = PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey_.get(), EVP_aes_256_cbc(), pass.data(),
                                         static_cast<int>(pass.size()), nullptr, nullptr);
  secure_wipe(pass.data(), pass.size());
  if (ok != 1) return Error(Errc::crypto_error, openssl_error("encrypted PKCS#8"));
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string EvpKey::public_pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PUBKEY(bio.get(), pkey_.get());
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

Result<Bytes> EvpKey::sign(ByteView msg) const {
  if (!pkey_) return Error(Errc::invalid_argument, "no key");
  MdCtxPtr ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new(pkey_.get(), nullptr);
  if (!pctx) return Error(Errc::crypto_error, openssl_error("sign context"));
  MEDSIGN_TRY(prepare_sm2_id(pctx, type_));
  EVP_MD_CTX_set_pkey_ctx(ctx.get(), pctx);
  std::size_t len = 0;
  Bytes sig;
  bool ok = EVP_DigestSignInit(ctx.get(), nullptr, digest_for(type_), nullptr, pkey_.get()) == 1 &&
            EVP_DigestSign(ctx.get(), nullptr, &len, msg.data(), msg.size()) == 1;
  if (ok) {
    sig.resize(len);
    ok = EVP_DigestSign(ctx.get(), sig.data(), &len, msg.data(), msg.size()) == 1;
    sig.resize(len);
  }
  EVP_PKEY_CTX_free(pctx);
  if (!ok) return Error(Errc::crypto_error, openssl_error("sign"));
  return sig;
}

Status EvpKey::verify(ByteView msg, ByteView sig) const {
  if (!pkey_) return Error(Errc::invalid_argument, "no key");
  MdCtxPtr ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new(pkey_.get(), nullptr);
  if (!pctx) return Error(Errc::crypto_error, openssl_error("verify context"));
  MEDSIGN_TRY(prepare_sm2_id(pctx, type_));
  EVP_MD_CTX_set_pkey_ctx(ctx.get(), pctx);
  int rc = EVP_DigestVerifyInit(ctx.get(), nullptr, digest_for(type_), nullptr, pkey_.get());
  if (rc == 1) rc = EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), msg.data(), msg.size());
  EVP_PKEY_CTX_free(pctx);
  ERR_clear_error();
  if (rc != 1) return Error(Errc::bad_signature, "signature does not verify");
  return {};
}

Bytes sha256(ByteView data) { return digest(EVP_sha256(), data); }
Bytes sm3(ByteView data) { return digest(EVP_sm3(), data); }

}  // namespace medsign::crypto
