#include "crypto/soft/key_seal.h"

#include "crypto/algorithms/cipher.h"

#include <cstring>
#include <memory>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

namespace medsign::crypto {
namespace {
constexpr char kMagic[8] = {'M', 'S', 'S', 'E', 'A', 'L', '1', '\0'};
constexpr char kMagicV2[8] = {'M', 'S', 'S', 'E', 'A', 'L', '2', '\0'};
constexpr std::size_t kSalt = 16, kIv = 16, kTag = 32;
constexpr std::size_t kIvV2 = Aead::kIvSize, kTagV2 = Aead::kTagSize;

struct Keys {
  std::uint8_t enc[16];
  std::uint8_t mac[32];
  ~Keys() { secure_wipe(this, sizeof *this); }
};

// HKDF-SM3(kek, salt, info) into out (out_len bytes).
Status hkdf_sm3(ByteView kek, ByteView salt, const char* info, std::uint8_t* out, std::size_t out_len) {
  std::unique_ptr<EVP_KDF, decltype(&EVP_KDF_free)> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr), EVP_KDF_free);
  if (!kdf) return Error(Errc::crypto_error, "HKDF unavailable");
  std::unique_ptr<EVP_KDF_CTX, decltype(&EVP_KDF_CTX_free)> ctx(EVP_KDF_CTX_new(kdf.get()), EVP_KDF_CTX_free);
  char digest[] = "SM3";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<std::uint8_t*>(kek.data()), kek.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<std::uint8_t*>(salt.data()), salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(info), std::strlen(info)),
      OSSL_PARAM_construct_end()};
  if (!ctx || EVP_KDF_derive(ctx.get(), out, out_len, params) != 1) return Error(Errc::crypto_error, "HKDF failed");
  return {};
}

Status derive(ByteView kek, ByteView salt, Keys& out) {
  std::uint8_t buf[48];
  MEDSIGN_TRY(hkdf_sm3(kek, salt, "medsign seal v1", buf, sizeof buf));
  std::memcpy(out.enc, buf, 16);
  std::memcpy(out.mac, buf + 16, 32);
  secure_wipe(buf, sizeof buf);
  return {};
}

Status sm4_ctr(const std::uint8_t key[16], const std::uint8_t* iv, const std::uint8_t* in, std::size_t n,
               std::uint8_t* out) {
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> c(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int len = 0;
  if (!c || EVP_EncryptInit_ex(c.get(), EVP_sm4_ctr(), nullptr, key, iv) != 1)
    return Error(Errc::crypto_error, "SM4-CTR unavailable");
  if (n > 0 && EVP_EncryptUpdate(c.get(), out, &len, in, static_cast<int>(n)) != 1)
    return Error(Errc::crypto_error, "SM4-CTR failed");
  return {};
}

Bytes mac(const Keys& k, ByteView salt_iv, std::string_view aad, ByteView ct) {
  std::uint8_t len[8];
  std::uint64_t n = aad.size();
  for (int i = 7; i >= 0; --i, n >>= 8) len[i] = static_cast<std::uint8_t>(n);
  Bytes msg(kMagic, kMagic + 8);
  msg.insert(msg.end(), salt_iv.begin(), salt_iv.end());
  msg.insert(msg.end(), len, len + 8);
  msg.insert(msg.end(), aad.begin(), aad.end());
  msg.insert(msg.end(), ct.begin(), ct.end());
  Bytes tag(kTag);
  unsigned int tl = 0;
  HMAC(EVP_sm3(), k.mac, sizeof k.mac, msg.data(), msg.size(), tag.data(), &tl);
  return tag;
}
Result<Aead> v2_aead(ByteView kek, ByteView salt) {
  SecretBytes key{Bytes(16)};
  MEDSIGN_TRY(hkdf_sm3(kek, salt, "medsign seal v2", key.bytes().data(), key.size()));
  return Aead::create(BlockCipher::sm4, key.view());
}

Bytes v2_aad(std::string_view aad) {
  Bytes out(8 + aad.size());
  std::memcpy(out.data(), kMagicV2, 8);
  if (!aad.empty()) std::memcpy(out.data() + 8, aad.data(), aad.size());
  return out;
}

Result<SecretBytes> unseal_v1(ByteView kek, ByteView sealed, std::string_view aad) {
  if (sealed.size() < 8 + kSalt + kIv + kTag) return Error(Errc::bad_encoding, "sealed blob too short");
  ByteView salt_iv = sealed.subspan(8, kSalt + kIv);
  ByteView ct = sealed.subspan(8 + kSalt + kIv, sealed.size() - 8 - kSalt - kIv - kTag);
  ByteView tag = sealed.last(kTag);
  Keys k;
  MEDSIGN_TRY(derive(kek, salt_iv.first(kSalt), k));
  if (!ct_equal(mac(k, salt_iv, aad, ct), tag))
    return Error(Errc::decrypt_failed, "sealed blob does not authenticate (wrong key, purpose or altered data)");
  SecretBytes pt(Bytes(ct.size()));
  MEDSIGN_TRY(sm4_ctr(k.enc, salt_iv.data() + kSalt, ct.data(), ct.size(), pt.bytes().data()));
  return pt;
}

Result<SecretBytes> unseal_v2(ByteView kek, ByteView sealed, std::string_view aad) {
  if (sealed.size() < 8 + kSalt + kIvV2 + kTagV2) return Error(Errc::bad_encoding, "sealed blob too short");
  MEDSIGN_ASSIGN(Aead aead, v2_aead(kek, sealed.subspan(8, kSalt)));
  auto pt = aead.open(sealed.subspan(8 + kSalt, kIvV2), v2_aad(aad), sealed.subspan(8 + kSalt + kIvV2));
  if (!pt) {
    if (pt.error().code == Errc::decrypt_failed)
      return Error(Errc::decrypt_failed, "sealed blob does not authenticate (wrong key, purpose or altered data)");
    return pt.error();
  }
  return std::move(pt).value();
}
}  // namespace

Bytes random_bytes(std::size_t n) {
  Bytes b(n);
  if (n && RAND_bytes(b.data(), static_cast<int>(n)) != 1) std::abort();  // no entropy: refuse to continue
  return b;
}

Result<Bytes> seal(ByteView kek, ByteView plaintext, std::string_view aad) {
  if (kek.size() != kKekSize) return Error(Errc::invalid_argument, "KEK must be 32 bytes");
  Bytes salt_iv = random_bytes(kSalt + kIvV2);
  MEDSIGN_ASSIGN(Aead aead, v2_aead(kek, ByteView(salt_iv).first(kSalt)));
  MEDSIGN_ASSIGN(Bytes ct, aead.seal(ByteView(salt_iv).subspan(kSalt), v2_aad(aad), plaintext));
  Bytes out(kMagicV2, kMagicV2 + 8);
  out.insert(out.end(), salt_iv.begin(), salt_iv.end());
  out.insert(out.end(), ct.begin(), ct.end());
  return out;
}

Result<SecretBytes> unseal(ByteView kek, ByteView sealed, std::string_view aad) {
  if (kek.size() != kKekSize) return Error(Errc::invalid_argument, "KEK must be 32 bytes");
  if (sealed.size() >= 8 && std::memcmp(sealed.data(), kMagicV2, 8) == 0) return unseal_v2(kek, sealed, aad);
  if (sealed.size() >= 8 && std::memcmp(sealed.data(), kMagic, 8) == 0) return unseal_v1(kek, sealed, aad);
  return Error(Errc::bad_encoding, "not a sealed MedSign blob");
}

Result<SecretBytes> derive_passphrase_key(std::string_view passphrase, ByteView salt) {
  SecretBytes key(Bytes(32));
  if (EVP_PBE_scrypt(passphrase.data(), passphrase.size(), salt.data(), salt.size(), 1 << 15, 8, 1,
                     64ull * 1024 * 1024, key.bytes().data(), 32) != 1)
    return Error(Errc::crypto_error, "scrypt failed");
  return key;
}

}  // namespace medsign::crypto
