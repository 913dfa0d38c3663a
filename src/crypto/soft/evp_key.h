// An asymmetric key held by OpenSSL (SM2, ECDSA P-256 or RSA), used for administrator smart keys, audit
// checkpoints and TLS. Signature conventions (what sign/verify mean for each type):
//   SM2:   SM3 over Z(default ID "1234567812345678") || M, DER (r, s)   (GB/T 32918.2, GM/T 0009)
//   ECDSA: SHA-256, DER (r, s)
//   RSA:   SHA-256, PKCS#1 v1.5
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <openssl/evp.h>

#include "common/bytes.h"

namespace medsign::crypto {

enum class KeyType { sm2, ecdsa_p256, rsa2048 };
std::string_view key_type_name(KeyType t);  // "sm2", "ecdsa-p256", "rsa-2048"
Result<KeyType> parse_key_type(std::string_view s);

class EvpKey {
 public:
  EvpKey() = default;
  static Result<EvpKey> generate(KeyType type);
  // PKCS#8 PrivateKeyInfo DER.
  static Result<EvpKey> from_private_der(ByteView der);
  // SubjectPublicKeyInfo DER.
  static Result<EvpKey> from_public_der(ByteView der);
  // PEM private key, encrypted PKCS#8 (passphrase required) or plain; or a PEM public key / certificate.
  static Result<EvpKey> from_pem(std::string_view pem, std::string_view passphrase = {});
  // Takes ownership of pkey (its reference).
  static EvpKey adopt(EVP_PKEY* pkey);

  bool valid() const { return pkey_ != nullptr; }
  bool has_private() const;
  KeyType type() const { return type_; }
  EVP_PKEY* get() const { return pkey_.get(); }

  Result<SecretBytes> private_der() const;
  Result<Bytes> public_der() const;
  // Encrypted PKCS#8 PEM (AES-256-CBC, PBKDF2-HMAC-SHA256) — the only way a private key leaves memory
  // other than sealed.
  Result<std::string> encrypted_pem(std::string_view passphrase) const;
  std::string public_pem() const;

  Result<Bytes> sign(ByteView msg) const;
  // Ok when sig is a valid signature of msg; bad_signature otherwise.
  Status verify(ByteView msg, ByteView sig) const;

 private:
  std::shared_ptr<EVP_PKEY> pkey_;
  KeyType type_ = KeyType::sm2;
};

// The default SM2 signer ID of GM/T 0009.
inline constexpr std::string_view kSm2DefaultId = "1234567812345678";

// SHA-256 / SM3 digests.
Bytes sha256(ByteView data);
Bytes sm3(ByteView data);

}  // namespace medsign::crypto
