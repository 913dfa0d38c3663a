// Test-only bridge between our SM2 types and OpenSSL 3.0's EVP SM2 (the independent reference).
#pragma once

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include <memory>
#include <optional>

#include "sm2_test_util.h"

namespace medsign::crypto::sm2::test {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

inline Pkey openssl_key(const PublicKey& pub, const PrivateKey* priv) {
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "SM2", 0);
  Bytes encoded = pub.encode();
  OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, encoded.data(), encoded.size());
  BIGNUM* d = nullptr;
  if (priv) {
    SecretBytes raw = priv->to_bytes();
    d = BN_bin2bn(raw.bytes().data(), 32, nullptr);
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d);
  }
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "SM2", nullptr);
  EVP_PKEY* pkey = nullptr;
  if (EVP_PKEY_fromdata_init(ctx) != 1 ||
      EVP_PKEY_fromdata(ctx, &pkey, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) != 1) {
    ADD_FAILURE() << "EVP_PKEY_fromdata failed";
  }
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_clear_free(d);
  return Pkey(pkey);
}

// An OpenSSL-generated key pair and our view of it (nullopt in the rare case d = n-1, which SM2 forbids).
inline std::optional<PrivateKey> from_openssl(EVP_PKEY* pkey) {
  BIGNUM* d = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1) return std::nullopt;
  Bytes raw(32);
  BN_bn2binpad(d, raw.data(), 32);
  BN_clear_free(d);
  auto key = PrivateKey::from_bytes(raw);
  if (!key) return std::nullopt;
  std::uint8_t pub[65];
  std::size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub, &len) != 1 || len != 65) {
    ADD_FAILURE() << "no public key in OpenSSL key";
    return std::nullopt;
  }
  EXPECT_EQ(Bytes(pub, pub + 65), key->public_key().encode());
  return std::move(key).value();
}

inline Pkey openssl_generate() { return Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "SM2")); }

// EVP_DigestSign/Verify with SM3 and the distinguishing ID set explicitly (OpenSSL 3.0 defaults to an
// empty ID).
inline Bytes openssl_sign(EVP_PKEY* pkey, ByteView msg, std::string_view id) {
  EVP_MD_CTX* mctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new(pkey, nullptr);
  Bytes sig(80);
  std::size_t len = sig.size();
  if (EVP_PKEY_CTX_set1_id(pctx, id.data(), id.size()) <= 0) ADD_FAILURE() << "set1_id";
  EVP_MD_CTX_set_pkey_ctx(mctx, pctx);
  if (EVP_DigestSignInit(mctx, nullptr, EVP_sm3(), nullptr, pkey) != 1 ||
      EVP_DigestSign(mctx, sig.data(), &len, msg.data(), msg.size()) != 1) {
    ADD_FAILURE() << "OpenSSL SM2 sign failed";
    len = 0;
  }
  sig.resize(len);
  EVP_MD_CTX_free(mctx);
  EVP_PKEY_CTX_free(pctx);
  return sig;
}

inline bool openssl_verify(EVP_PKEY* pkey, ByteView msg, ByteView sig, std::string_view id) {
  EVP_MD_CTX* mctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new(pkey, nullptr);
  if (EVP_PKEY_CTX_set1_id(pctx, id.data(), id.size()) <= 0) ADD_FAILURE() << "set1_id";
  EVP_MD_CTX_set_pkey_ctx(mctx, pctx);
  bool ok = EVP_DigestVerifyInit(mctx, nullptr, EVP_sm3(), nullptr, pkey) == 1 &&
            EVP_DigestVerify(mctx, sig.data(), sig.size(), msg.data(), msg.size()) == 1;
  EVP_MD_CTX_free(mctx);
  EVP_PKEY_CTX_free(pctx);
  return ok;
}

inline Bytes openssl_encrypt(EVP_PKEY* pkey, ByteView msg) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(pkey, nullptr);
  std::size_t len = 0;
  Bytes out;
  if (EVP_PKEY_encrypt_init(ctx) == 1 && EVP_PKEY_encrypt(ctx, nullptr, &len, msg.data(), msg.size()) == 1) {
    out.resize(len);
    if (EVP_PKEY_encrypt(ctx, out.data(), &len, msg.data(), msg.size()) != 1) len = 0;
    out.resize(len);
  }
  EVP_PKEY_CTX_free(ctx);
  if (out.empty()) ADD_FAILURE() << "OpenSSL SM2 encrypt failed";
  return out;
}

inline std::optional<Bytes> openssl_decrypt(EVP_PKEY* pkey, ByteView ct) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(pkey, nullptr);
  std::size_t len = 0;
  std::optional<Bytes> out;
  if (EVP_PKEY_decrypt_init(ctx) == 1 && EVP_PKEY_decrypt(ctx, nullptr, &len, ct.data(), ct.size()) == 1) {
    Bytes buf(len);
    if (EVP_PKEY_decrypt(ctx, buf.data(), &len, ct.data(), ct.size()) == 1) {
      buf.resize(len);
      out = std::move(buf);
    }
  }
  EVP_PKEY_CTX_free(ctx);
  return out;
}

inline Bytes random_bytes(std::size_t n) {
  Bytes b(n);
  if (n) RAND_bytes(b.data(), static_cast<int>(n));
  return b;
}

}  // namespace medsign::crypto::sm2::test
