// Sealing of secrets at rest under a key-encryption key (KEK).
//
// Sealed format (version 1): "MSSEAL1\0" || salt(16) || iv(16) || ciphertext || tag(32)
//   enc key, mac key = HKDF-SM3(KEK, salt, "medsign seal v1")   (16 + 32 bytes)
//   ciphertext = SM4-CTR(enc key, iv, plaintext)
//   tag = HMAC-SM3(mac key, header || salt || iv || aad-length(8) || aad || ciphertext)
// (OpenSSL 3.0 offers no SM4-GCM; encrypt-then-MAC with SM4-CTR and HMAC-SM3 gives the same guarantees.)
// The aad binds a sealed blob to its purpose (e.g. the key's name) so blobs cannot be swapped.
#pragma once

#include <string_view>

#include "common/bytes.h"

namespace medsign::crypto {

constexpr std::size_t kKekSize = 32;

Result<Bytes> seal(ByteView kek, ByteView plaintext, std::string_view aad);
// Fails with Errc::decrypt_failed when the tag does not verify (wrong KEK, wrong aad, altered blob).
Result<SecretBytes> unseal(ByteView kek, ByteView sealed, std::string_view aad);

// Passphrase → 32-byte key with scrypt (N=2^15, r=8, p=1) and the given 16-byte salt.
Result<SecretBytes> derive_passphrase_key(std::string_view passphrase, ByteView salt);

Bytes random_bytes(std::size_t n);

}  // namespace medsign::crypto
