// Sealing of secrets at rest under a key-encryption key (KEK).
//
// Sealed format, version 2 (written by seal):
//   "MSSEAL2\0" || salt(16) || iv(12) || ciphertext || tag(16)
//   key = HKDF-SM3(KEK, salt, "medsign seal v2")                       (16 bytes)
//   ciphertext || tag = SM4-GCM(key, iv, aad = "MSSEAL2\0" || aad, plaintext)   (crypto/algorithms)
// Version 1 (still accepted by unseal, never written):
//   "MSSEAL1\0" || salt(16) || iv(16) || ciphertext || tag(32)
//   enc key, mac key = HKDF-SM3(KEK, salt, "medsign seal v1")   (16 + 32 bytes)
//   ciphertext = SM4-CTR(enc key, iv, plaintext)
//   tag = HMAC-SM3(mac key, header || salt || iv || aad-length(8) || aad || ciphertext)
// The seventh byte of the header is the format version. The aad binds a sealed blob to its purpose (e.g.
// the key's name) so blobs cannot be swapped; the per-blob random salt gives every blob its own key, so
// random 96-bit IVs never repeat under one key.
#pragma once

#include <string_view>

#include "common/bytes.h"

namespace medsign::crypto {

constexpr std::size_t kKekSize = 32;

Result<Bytes> seal(ByteView kek, ByteView plaintext, std::string_view aad);
// Unseals version 1 and 2 blobs. Errors: bad_encoding when the blob is too short or has an unknown header;
// decrypt_failed when the tag does not verify (wrong KEK, wrong aad, altered blob).
Result<SecretBytes> unseal(ByteView kek, ByteView sealed, std::string_view aad);

// Passphrase → 32-byte key with scrypt (N=2^15, r=8, p=1) and the given 16-byte salt.
Result<SecretBytes> derive_passphrase_key(std::string_view passphrase, ByteView salt);

Bytes random_bytes(std::size_t n);

}  // namespace medsign::crypto
