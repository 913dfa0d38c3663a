#include "crypto/soft/key_seal.h"

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
constexpr std::size_t kSalt = 16, kIv = 16, kTag = 32;

struct Keys {
  std::uint8_t enc[16];
  std::uint8_t mac[32];
  ~Keys() { secure_wipe(this, sizeof *this); }
};

Status derive(ByteView kek, ByteView salt, Keys& out) {
  std::unique_ptr<EVP_KDF, decltype(&EVP_KDF_free)> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr), EVP_KDF_free);
  if (!kdf) return Error(Errc::crypto_error, "HKDF unavailable");
  std::unique_ptr<EVP_KDF_CTX, decltype(&EVP_KDF_CTX_free)> ctx(EVP_KDF_CTX_new(kdf.get()), EVP_KDF_CTX_free);
  char digest[] = "SM3";
  char info[] = "medsign seal v1";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<std::uint8_t*>(kek.data()), kek.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<std::uint8_t*>(salt.data()), salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, sizeof info - 1),
      OSSL_PARAM_construct_end()};
  std::uint8_t buf[48];
  if (EVP_KDF_derive(ctx.get(), buf, sizeof buf, params) != 1) return Error(Errc::crypto_error, "HKDF failed");
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
}  // namespace

Bytes random_bytes(std::size_t n) {
  Bytes b(n);
  if (n && RAND_bytes(b.data(), static_cast<int>(n)) != 1) std::abort();  // no entropy: refuse to continue
  return b;
}

Result<Bytes> seal(ByteView kek, ByteView plaintext, std::string_view aad) {
  if (kek.size() != kKekSize) return Error(Errc::invalid_argument, "KEK must be 32 bytes");
  Bytes salt_iv = random_bytes(kSalt + kIv);
  Keys k;
  MEDSIGN_TRY(derive(kek, ByteView(salt_iv).first(kSalt), k));
  Bytes ct(plaintext.size());
  MEDSIGN_TRY(sm4_ctr(k.enc, salt_iv.data() + kSalt, plaintext.data(), plaintext.size(), ct.data()));
  Bytes out(kMagic, kMagic + 8);
  out.insert(out.end(), salt_iv.begin(), salt_iv.end());
  out.insert(out.end(), ct.begin(), ct.end());
  Bytes tag = mac(k, salt_iv, aad, ct);
  out.insert(out.end(), tag.begin(), tag.end());
  return out;
}

Result<SecretBytes> unseal(ByteView kek, ByteView sealed, std::string_view aad) {
  if (kek.size() != kKekSize) return Error(Errc::invalid_argument, "KEK must be 32 bytes");
  if (sealed.size() < 8 + kSalt + kIv + kTag || std::memcmp(sealed.data(), kMagic, 8) != 0)
    return Error(Errc::bad_encoding, "not a sealed MedSign blob");
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

Result<SecretBytes> derive_passphrase_key(std::string_view passphrase, ByteView salt) {
  SecretBytes key(Bytes(32));
  if (EVP_PBE_scrypt(passphrase.data(), passphrase.size(), salt.data(), salt.size(), 1 << 15, 8, 1,
                     64ull * 1024 * 1024, key.bytes().data(), 32) != 1)
    return Error(Errc::crypto_error, "scrypt failed");
  return key;
}

}  // namespace medsign::crypto
