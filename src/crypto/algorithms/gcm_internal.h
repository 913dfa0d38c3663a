// Internal: GCM (NIST SP 800-38D) over any OpenSSL block cipher given as its ECB and CTR modes. Used for
// SM4-GCM, which OpenSSL 3.0 lacks; the tests also run it over AES to compare with OpenSSL's AES-GCM.
#pragma once

#include <cstddef>
#include <cstdint>

#include <openssl/evp.h>

#include "common/bytes.h"
#include "common/error.h"

namespace medsign::crypto::gcm_detail {

// GHASH state update Y = (Y xor X_i)·H over whole 16-byte blocks. Both variants are constant time;
// ghash_blocks picks the PCLMULQDQ one when the CPU has it.
void ghash_blocks(std::uint8_t y[16], const std::uint8_t h[16], const std::uint8_t* data, std::size_t blocks);
void ghash_blocks_portable(std::uint8_t y[16], const std::uint8_t h[16], const std::uint8_t* data,
                           std::size_t blocks);
bool ghash_have_pclmul();
#if defined(__x86_64__)
void ghash_blocks_pclmul(std::uint8_t y[16], const std::uint8_t h[16], const std::uint8_t* data,
                         std::size_t blocks);
#endif

struct GcmKey {
  const EVP_CIPHER* ecb = nullptr;  // e.g. EVP_sm4_ecb()
  const EVP_CIPHER* ctr = nullptr;  // the same cipher in CTR mode (128-bit big-endian counter)
  Bytes key;                        // wiped by the owner
  std::uint8_t h[16] = {};          // E_K(0^128)
};

// Fills key.h. Errors: invalid_argument for a key length the cipher does not take, crypto_error.
Status gcm_init(GcmKey& key);
// Returns ciphertext || 16-byte tag. IV: any non-empty length (12 bytes recommended).
Result<Bytes> gcm_seal(const GcmKey& key, ByteView iv, ByteView aad, ByteView plaintext);
// Errors: decrypt_failed when the tag does not match (nothing is decrypted then); invalid_argument for
// an empty IV; bad_encoding when shorter than a tag.
Result<SecretBytes> gcm_open(const GcmKey& key, ByteView iv, ByteView aad, ByteView sealed);

}  // namespace medsign::crypto::gcm_detail
