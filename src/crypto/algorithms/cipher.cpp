#include "crypto/algorithms/cipher.h"

#include <openssl/evp.h>

#include "crypto/algorithms/gcm_internal.h"

namespace medsign::crypto {
namespace {

enum class Mode { ecb, cbc, ctr };

const EVP_CIPHER* evp_cipher(BlockCipher c, Mode m) {
  switch (c) {
    case BlockCipher::sm4: return m == Mode::ecb ? EVP_sm4_ecb() : m == Mode::cbc ? EVP_sm4_cbc() : EVP_sm4_ctr();
    case BlockCipher::aes128:
      return m == Mode::ecb ? EVP_aes_128_ecb() : m == Mode::cbc ? EVP_aes_128_cbc() : EVP_aes_128_ctr();
    case BlockCipher::aes192:
      return m == Mode::ecb ? EVP_aes_192_ecb() : m == Mode::cbc ? EVP_aes_192_cbc() : EVP_aes_192_ctr();
    case BlockCipher::aes256:
      return m == Mode::ecb ? EVP_aes_256_ecb() : m == Mode::cbc ? EVP_aes_256_cbc() : EVP_aes_256_ctr();
  }
  return nullptr;
}

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

Status check(BlockCipher c, Mode m, ByteView key, ByteView iv, ByteView data, Padding padding, bool enc) {
  if (key.size() != cipher_key_size(c))
    return Error(Errc::invalid_argument, "wrong key length for " + std::string(cipher_name(c)));
  if (m != Mode::ecb && iv.size() != kBlockSize) return Error(Errc::invalid_argument, "IV must be 16 bytes");
  if (m != Mode::ctr && (padding == Padding::none || !enc) && data.size() % kBlockSize != 0)
    return Error(Errc::invalid_argument, "data is not a whole number of 16-byte blocks");
  if (m != Mode::ctr && !enc && padding == Padding::pkcs7 && data.empty())
    return Error(Errc::decrypt_failed, "padded ciphertext is empty");
  if (data.size() > (std::size_t{1} << 31)) return Error(Errc::invalid_argument, "data too long");
  return {};
}

// Runs one EVP operation; out is sized for the output. For decryption with padding the caller checks.
Result<Bytes> run(BlockCipher c, Mode m, ByteView key, ByteView iv, ByteView in, Padding padding, bool enc) {
  MEDSIGN_TRY(check(c, m, key, iv, in, padding, enc));
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  if (!ctx || EVP_CipherInit_ex(ctx.get(), evp_cipher(c, m), nullptr, key.data(),
                                m == Mode::ecb ? nullptr : iv.data(), enc ? 1 : 0) != 1)
    return Error(Errc::crypto_error, "cipher init failed");
  EVP_CIPHER_CTX_set_padding(ctx.get(), padding == Padding::pkcs7 && m != Mode::ctr ? 1 : 0);
  Bytes out(in.size() + kBlockSize);
  int len = 0, fin = 0;
  if (EVP_CipherUpdate(ctx.get(), out.data(), &len, in.data(), static_cast<int>(in.size())) != 1)
    return Error(Errc::crypto_error, "cipher failed");
  if (EVP_CipherFinal_ex(ctx.get(), out.data() + len, &fin) != 1) {
    secure_wipe(out.data(), out.size());
    return Error(enc ? Errc::crypto_error : Errc::decrypt_failed, enc ? "cipher failed" : "bad padding");
  }
  out.resize(static_cast<std::size_t>(len + fin));
  return out;
}

Result<SecretBytes> run_secret(BlockCipher c, Mode m, ByteView key, ByteView iv, ByteView in, Padding p) {
  MEDSIGN_ASSIGN(Bytes out, run(c, m, key, iv, in, p, false));
  return SecretBytes(std::move(out));
}

}  // namespace

std::string_view cipher_name(BlockCipher c) {
  switch (c) {
    case BlockCipher::sm4: return "sm4";
    case BlockCipher::aes128: return "aes-128";
    case BlockCipher::aes192: return "aes-192";
    case BlockCipher::aes256: return "aes-256";
  }
  return "?";
}

std::size_t cipher_key_size(BlockCipher c) {
  switch (c) {
    case BlockCipher::sm4:
    case BlockCipher::aes128: return 16;
    case BlockCipher::aes192: return 24;
    case BlockCipher::aes256: return 32;
  }
  return 0;
}

Result<Bytes> ecb_encrypt(BlockCipher c, ByteView key, ByteView plaintext, Padding padding) {
  return run(c, Mode::ecb, key, {}, plaintext, padding, true);
}
Result<SecretBytes> ecb_decrypt(BlockCipher c, ByteView key, ByteView ciphertext, Padding padding) {
  return run_secret(c, Mode::ecb, key, {}, ciphertext, padding);
}
Result<Bytes> cbc_encrypt(BlockCipher c, ByteView key, ByteView iv, ByteView plaintext, Padding padding) {
  return run(c, Mode::cbc, key, iv, plaintext, padding, true);
}
Result<SecretBytes> cbc_decrypt(BlockCipher c, ByteView key, ByteView iv, ByteView ciphertext, Padding padding) {
  return run_secret(c, Mode::cbc, key, iv, ciphertext, padding);
}
Result<Bytes> ctr_crypt(BlockCipher c, ByteView key, ByteView iv, ByteView data) {
  return run(c, Mode::ctr, key, iv, data, Padding::none, true);
}

// ---- GCM -------------------------------------------------------------------------------------------

struct Aead::State {
  gcm_detail::GcmKey sm4;         // SM4: our GCM
  const EVP_CIPHER* evp = nullptr;  // AES: OpenSSL's GCM
  Bytes key;
  ~State() {
    if (!key.empty()) secure_wipe(key.data(), key.size());
    if (!sm4.key.empty()) secure_wipe(sm4.key.data(), sm4.key.size());
    secure_wipe(sm4.h, sizeof sm4.h);
  }
};

Result<Aead> Aead::create(BlockCipher c, ByteView key) {
  if (key.size() != cipher_key_size(c))
    return Error(Errc::invalid_argument, "wrong key length for " + std::string(cipher_name(c)));
  auto st = std::make_shared<State>();
  if (c == BlockCipher::sm4) {
    st->sm4.ecb = EVP_sm4_ecb();
    st->sm4.ctr = EVP_sm4_ctr();
    st->sm4.key.assign(key.begin(), key.end());
    MEDSIGN_TRY(gcm_detail::gcm_init(st->sm4));
  } else {
    st->evp = c == BlockCipher::aes128 ? EVP_aes_128_gcm() : c == BlockCipher::aes192 ? EVP_aes_192_gcm()
                                                                                      : EVP_aes_256_gcm();
    st->key.assign(key.begin(), key.end());
  }
  Aead a;
  a.cipher_ = c;
  a.state_ = std::move(st);
  return a;
}

Result<Bytes> Aead::seal(ByteView iv, ByteView aad, ByteView plaintext) const {
  if (!state_) return Error(Errc::invalid_argument, "empty Aead");
  if (cipher_ == BlockCipher::sm4) return gcm_detail::gcm_seal(state_->sm4, iv, aad, plaintext);
  if (iv.empty()) return Error(Errc::invalid_argument, "GCM needs a non-empty IV");
  if (plaintext.size() > (std::size_t{1} << 31) || aad.size() > (std::size_t{1} << 31))
    return Error(Errc::invalid_argument, "data too long");
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  Bytes out(plaintext.size() + kTagSize);
  int len = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), state_->evp, nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()), nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, state_->key.data(), iv.data()) != 1 ||
      (!aad.empty() && EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) ||
      EVP_EncryptUpdate(ctx.get(), out.data(), &len, plaintext.data(), static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out.data() + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize, out.data() + plaintext.size()) != 1)
    return Error(Errc::crypto_error, "AES-GCM failed");
  return out;
}

Result<SecretBytes> Aead::open(ByteView iv, ByteView aad, ByteView sealed) const {
  if (!state_) return Error(Errc::invalid_argument, "empty Aead");
  if (cipher_ == BlockCipher::sm4) return gcm_detail::gcm_open(state_->sm4, iv, aad, sealed);
  if (iv.empty()) return Error(Errc::invalid_argument, "GCM needs a non-empty IV");
  if (sealed.size() < kTagSize) return Error(Errc::bad_encoding, "GCM input shorter than its tag");
  if (sealed.size() > (std::size_t{1} << 31) || aad.size() > (std::size_t{1} << 31))
    return Error(Errc::invalid_argument, "data too long");
  ByteView ct = sealed.first(sealed.size() - kTagSize);
  Bytes tag(sealed.end() - kTagSize, sealed.end());
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  SecretBytes out(Bytes(ct.size()));
  int len = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), state_->evp, nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()), nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, state_->key.data(), iv.data()) != 1 ||
      (!aad.empty() && EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) ||
      EVP_DecryptUpdate(ctx.get(), out.bytes().data(), &len, ct.data(), static_cast<int>(ct.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag.data()) != 1)
    return Error(Errc::crypto_error, "AES-GCM failed");
  if (EVP_DecryptFinal_ex(ctx.get(), out.bytes().data() + len, &len) != 1)
    return Error(Errc::decrypt_failed, "GCM tag mismatch");
  return out;
}

}  // namespace medsign::crypto
