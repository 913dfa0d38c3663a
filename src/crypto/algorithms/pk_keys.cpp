#include <cstring>
#include <string>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include "crypto/algorithms/pk_internal.h"

namespace medsign::crypto {
namespace {

template <typename E>
struct NameTable {
  E value;
  std::string_view name;
};

constexpr NameTable<KeyAlg> kKeyNames[] = {
    {KeyAlg::sm2, "sm2"},           {KeyAlg::ecdsa_p256, "ecdsa-p256"}, {KeyAlg::ecdsa_p384, "ecdsa-p384"},
    {KeyAlg::rsa2048, "rsa-2048"}, {KeyAlg::rsa3072, "rsa-3072"},     {KeyAlg::rsa4096, "rsa-4096"}};
constexpr NameTable<SignatureAlg> kSigNames[] = {
    {SignatureAlg::sm2_sm3, "sm2-sm3"},
    {SignatureAlg::ecdsa_p256_sha256, "ecdsa-p256-sha256"},
    {SignatureAlg::ecdsa_p384_sha384, "ecdsa-p384-sha384"},
    {SignatureAlg::rsa_pkcs1_sha256, "rsa-pkcs1-sha256"},
    {SignatureAlg::rsa_pkcs1_sha384, "rsa-pkcs1-sha384"},
    {SignatureAlg::rsa_pkcs1_sha512, "rsa-pkcs1-sha512"},
    {SignatureAlg::rsa_pss_sha256, "rsa-pss-sha256"},
    {SignatureAlg::rsa_pss_sha384, "rsa-pss-sha384"},
    {SignatureAlg::rsa_pss_sha512, "rsa-pss-sha512"}};
constexpr NameTable<EncryptionAlg> kEncNames[] = {{EncryptionAlg::sm2, "sm2"},
                                                  {EncryptionAlg::rsa_oaep_sha256, "rsa-oaep-sha256"},
                                                  {EncryptionAlg::rsa_pkcs1, "rsa-pkcs1"}};

template <typename E, std::size_t N>
std::string_view name_of(const NameTable<E> (&t)[N], E v) {
  for (const auto& e : t)
    if (e.value == v) return e.name;
  return "?";
}
template <typename E, std::size_t N>
Result<E> parse_name(const NameTable<E> (&t)[N], std::string_view s, const char* what) {
  for (const auto& e : t)
    if (e.name == s) return e.value;
  return Error(Errc::invalid_argument, std::string("unknown ") + what + ": " + std::string(s));
}

Bytes spki_of(EVP_PKEY* p) {
  unsigned char* buf = nullptr;
  int len = i2d_PUBKEY(p, &buf);
  if (len <= 0) return {};
  Bytes out(buf, buf + len);
  OPENSSL_free(buf);
  return out;
}

// An OpenSSL SM2 key holding our key, for PKCS#8 and SPKI encoding.
Result<EvpPtr> evp_from_sm2(const sm2::PrivateKey& key) {
  SecretBytes d = key.to_bytes();
  Bytes pub = key.public_key().encode();
  BIGNUM* bn = BN_secure_new();
  if (!bn || !BN_bin2bn(d.bytes().data(), 32, bn)) {
    BN_clear_free(bn);
    return Error(Errc::crypto_error, "BIGNUM failed");
  }
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  char group[] = "SM2";
  OSSL_PARAM* params = nullptr;
  if (bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) &&
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bn) &&
      OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub.data(), pub.size()))
    params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY* pkey = nullptr;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "SM2", nullptr);
  bool ok = params && ctx && EVP_PKEY_fromdata_init(ctx) == 1 &&
            EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params) == 1;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_clear_free(bn);
  if (!ok) return Error(Errc::crypto_error, "cannot build an OpenSSL SM2 key");
  return adopt_pkey(pkey);
}

Result<sm2::PrivateKey> sm2_private_of(EVP_PKEY* p) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(p, OSSL_PKEY_PARAM_PRIV_KEY, &bn) != 1) return Error(Errc::bad_encoding, "SM2 key without d");
  SecretBytes d(Bytes(32));
  int ok = BN_bn2binpad(bn, d.bytes().data(), 32);
  BN_clear_free(bn);
  if (ok != 32) return Error(Errc::bad_encoding, "SM2 private key out of range");
  return sm2::PrivateKey::from_bytes(d.view());
}


}  // namespace

EvpPtr adopt_pkey(EVP_PKEY* p) { return EvpPtr(p, EVP_PKEY_free); }
bool is_rsa(KeyAlg a) { return a == KeyAlg::rsa2048 || a == KeyAlg::rsa3072 || a == KeyAlg::rsa4096; }

const EVP_MD* evp_md(HashAlg h) {
  switch (h) {
    case HashAlg::sm3: return EVP_sm3();
    case HashAlg::sha256: return EVP_sha256();
    case HashAlg::sha384: return EVP_sha384();
    case HashAlg::sha512: return EVP_sha512();
  }
  return nullptr;
}

std::string_view key_alg_name(KeyAlg a) { return name_of(kKeyNames, a); }
std::string_view signature_alg_name(SignatureAlg a) { return name_of(kSigNames, a); }
std::string_view encryption_alg_name(EncryptionAlg a) { return name_of(kEncNames, a); }
Result<KeyAlg> parse_key_alg(std::string_view s) { return parse_name(kKeyNames, s, "key algorithm"); }
Result<SignatureAlg> parse_signature_alg(std::string_view s) { return parse_name(kSigNames, s, "signature algorithm"); }
Result<EncryptionAlg> parse_encryption_alg(std::string_view s) {
  return parse_name(kEncNames, s, "encryption algorithm");
}

HashAlg signature_hash(SignatureAlg a) {
  switch (a) {
    case SignatureAlg::sm2_sm3: return HashAlg::sm3;
    case SignatureAlg::ecdsa_p384_sha384:
    case SignatureAlg::rsa_pkcs1_sha384:
    case SignatureAlg::rsa_pss_sha384: return HashAlg::sha384;
    case SignatureAlg::rsa_pkcs1_sha512:
    case SignatureAlg::rsa_pss_sha512: return HashAlg::sha512;
    default: return HashAlg::sha256;
  }
}

SignatureAlg default_signature_alg(KeyAlg a) {
  switch (a) {
    case KeyAlg::sm2: return SignatureAlg::sm2_sm3;
    case KeyAlg::ecdsa_p256: return SignatureAlg::ecdsa_p256_sha256;
    case KeyAlg::ecdsa_p384: return SignatureAlg::ecdsa_p384_sha384;
    default: return SignatureAlg::rsa_pss_sha256;
  }
}

Result<KeyAlg> classify_pkey(EVP_PKEY* p) {
  if (EVP_PKEY_is_a(p, "SM2")) return KeyAlg::sm2;
  if (EVP_PKEY_is_a(p, "EC")) {
    char group[64] = {};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(p, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) != 1)
      return Error(Errc::invalid_argument, "EC key without a named curve");
    std::string_view g(group, len);
    if (g == "prime256v1" || g == "P-256") return KeyAlg::ecdsa_p256;
    if (g == "secp384r1" || g == "P-384") return KeyAlg::ecdsa_p384;
    if (g == "SM2") return KeyAlg::sm2;
    return Error(Errc::invalid_argument, "unsupported curve " + std::string(g));
  }
  if (EVP_PKEY_is_a(p, "RSA")) {
    switch (EVP_PKEY_get_bits(p)) {
      case 2048: return KeyAlg::rsa2048;
      case 3072: return KeyAlg::rsa3072;
      case 4096: return KeyAlg::rsa4096;
      default: return Error(Errc::invalid_argument, "RSA keys must have 2048, 3072 or 4096 bits");
    }
  }
  return Error(Errc::invalid_argument, "unsupported key type");
}

Result<EvpPtr> parse_spki(ByteView spki) {
  const unsigned char* p = spki.data();
  EVP_PKEY* k = d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size()));
  if (!k) return Error(Errc::bad_encoding, "malformed SubjectPublicKeyInfo");
  EvpPtr key = adopt_pkey(k);
  if (p != spki.data() + spki.size()) return Error(Errc::bad_encoding, "trailing bytes after SubjectPublicKeyInfo");
  return key;
}

Result<sm2::PublicKey> sm2_public_of(EVP_PKEY* p) {
  std::uint8_t buf[133];
  std::size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(p, OSSL_PKEY_PARAM_PUB_KEY, buf, sizeof buf, &len) != 1)
    return Error(Errc::bad_encoding, "SM2 key without a public point");
  return sm2::PublicKey::decode(ByteView(buf, len));
}

Result<KeyPair> KeyPair::generate(KeyAlg alg) {
  if (alg == KeyAlg::sm2) {
    MEDSIGN_ASSIGN(sm2::PrivateKey k, sm2::generate_key());
    return from_sm2(k);
  }
  EVP_PKEY* p = nullptr;
  switch (alg) {
    case KeyAlg::ecdsa_p256: p = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"); break;
    case KeyAlg::ecdsa_p384: p = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"); break;
    case KeyAlg::rsa2048: p = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048}); break;
    case KeyAlg::rsa3072: p = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{3072}); break;
    case KeyAlg::rsa4096: p = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{4096}); break;
    case KeyAlg::sm2: break;
  }
  if (!p) return Error(Errc::crypto_error, "key generation failed");
  auto st = std::make_shared<KeyPairState>();
  st->alg = alg;
  st->pkey = adopt_pkey(p);
  st->spki = spki_of(p);
  KeyPair kp;
  kp.state_ = std::move(st);
  return kp;
}

KeyPair KeyPair::from_sm2(const sm2::PrivateKey& key) {
  auto st = std::make_shared<KeyPairState>();
  st->alg = KeyAlg::sm2;
  st->sm2.emplace(key);
  auto evp = evp_from_sm2(key);
  if (!evp) abort_with_error(evp.error());
  st->pkey = evp.value();
  st->spki = spki_of(st->pkey.get());
  KeyPair kp;
  kp.state_ = std::move(st);
  return kp;
}

Result<KeyPair> KeyPair::from_pkcs8(ByteView der) {
  const unsigned char* p = der.data();
  PKCS8_PRIV_KEY_INFO* p8 = d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size()));
  if (!p8) return Error(Errc::bad_encoding, "malformed PKCS#8");
  bool trailing = p != der.data() + der.size();
  EVP_PKEY* k = trailing ? nullptr : EVP_PKCS82PKEY(p8);
  PKCS8_PRIV_KEY_INFO_free(p8);
  if (!k) return Error(Errc::bad_encoding, trailing ? "trailing bytes after PKCS#8" : "unreadable PKCS#8 key");
  EvpPtr key = adopt_pkey(k);
  MEDSIGN_ASSIGN(KeyAlg alg, classify_pkey(k));
  if (alg == KeyAlg::sm2) {
    MEDSIGN_ASSIGN(sm2::PrivateKey priv, sm2_private_of(k));
    return from_sm2(priv);
  }
  auto st = std::make_shared<KeyPairState>();
  st->alg = alg;
  st->pkey = key;
  st->spki = spki_of(k);
  KeyPair kp;
  kp.state_ = std::move(st);
  return kp;
}

KeyAlg KeyPair::algorithm() const { return state_ ? state_->alg : KeyAlg::sm2; }

Result<SecretBytes> KeyPair::pkcs8() const {
  if (!state_) return Error(Errc::invalid_argument, "empty key pair");
  PKCS8_PRIV_KEY_INFO* p8 = EVP_PKEY2PKCS8(state_->pkey.get());
  if (!p8) return Error(Errc::crypto_error, "PKCS#8 encoding failed");
  unsigned char* buf = nullptr;
  int len = i2d_PKCS8_PRIV_KEY_INFO(p8, &buf);
  PKCS8_PRIV_KEY_INFO_free(p8);
  if (len <= 0) return Error(Errc::crypto_error, "PKCS#8 encoding failed");
  SecretBytes out(Bytes(buf, buf + len));
  OPENSSL_clear_free(buf, static_cast<std::size_t>(len));
  return out;
}

const Bytes& KeyPair::public_key_der() const {
  static const Bytes kEmpty;
  return state_ ? state_->spki : kEmpty;
}

}  // namespace medsign::crypto
