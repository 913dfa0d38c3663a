// Symmetric encryption: SM4 and AES in ECB, CBC and CTR mode (OpenSSL EVP) and GCM (AES: OpenSSL; SM4:
// ours over OpenSSL's SM4 block function, NIST SP 800-38D, since OpenSSL 3.0 has no SM4-GCM).
//
// Keys: SM4 and AES-128 16 bytes, AES-192 24, AES-256 32. IVs: 16 bytes for CBC and CTR (CTR: the
// initial 128-bit big-endian counter block); GCM any non-empty length, 12 bytes recommended, and a
// (key, IV) pair must never be reused. Errors: invalid_argument for wrong key/IV lengths or, without
// padding, data that is not a whole number of blocks; decrypt_failed for bad CBC padding or a GCM tag
// mismatch; crypto_error when OpenSSL fails.
#pragma once

#include <memory>
#include <string_view>

#include "common/bytes.h"
#include "common/error.h"

namespace medsign::crypto {

enum class BlockCipher { sm4, aes128, aes192, aes256 };
enum class Padding { none, pkcs7 };

std::string_view cipher_name(BlockCipher c);  // "sm4", "aes-128", "aes-192", "aes-256"
std::size_t cipher_key_size(BlockCipher c);
inline constexpr std::size_t kBlockSize = 16;

Result<Bytes> ecb_encrypt(BlockCipher c, ByteView key, ByteView plaintext, Padding padding = Padding::none);
Result<SecretBytes> ecb_decrypt(BlockCipher c, ByteView key, ByteView ciphertext, Padding padding = Padding::none);
Result<Bytes> cbc_encrypt(BlockCipher c, ByteView key, ByteView iv, ByteView plaintext,
                          Padding padding = Padding::pkcs7);
Result<SecretBytes> cbc_decrypt(BlockCipher c, ByteView key, ByteView iv, ByteView ciphertext,
                                Padding padding = Padding::pkcs7);
// Encryption and decryption are the same operation.
Result<Bytes> ctr_crypt(BlockCipher c, ByteView key, ByteView iv, ByteView data);

// GCM with a 16-byte tag. A value: copies share the immutable key state (wiped when the last goes).
class Aead {
 public:
  static constexpr std::size_t kTagSize = 16;
  static constexpr std::size_t kIvSize = 12;

  static Result<Aead> create(BlockCipher c, ByteView key);

  // ciphertext || tag.
  Result<Bytes> seal(ByteView iv, ByteView aad, ByteView plaintext) const;
  // Errors: decrypt_failed (wrong key, IV or aad, or altered data; nothing is released), bad_encoding
  // when shorter than the tag.
  Result<SecretBytes> open(ByteView iv, ByteView aad, ByteView sealed) const;
  BlockCipher cipher() const { return cipher_; }

 private:
  struct State;
  BlockCipher cipher_ = BlockCipher::sm4;
  std::shared_ptr<const State> state_;
};

}  // namespace medsign::crypto
