// Public-key operations behind one small interface, so that callers never branch on the algorithm:
// KeyPair (generate/import), Signer, Verifier, Encryptor, Decryptor. SM2 runs on our own implementation
// (crypto/sm2); RSA and ECDSA on OpenSSL EVP.
//
// Conventions:
//   sm2_sm3:            e = SM3(Z(ID) || M), DER SM2Signature (GB/T 32918.2, GM/T 0009); ID defaults to
//                       "1234567812345678"; sign_digest takes e.
//   ecdsa_*:            hash of M, DER ECDSA-Sig-Value; sign_digest takes the hash.
//   rsa_pkcs1_* / pss_: PKCS#1 v1.5 / PSS (MGF1 with the same hash, salt length = hash length).
//   Encryption: sm2 (GM/T 0009 DER SM2Cipher), rsa_oaep_sha256 (MGF1-SHA-256, empty label),
//   rsa_pkcs1 (v1.5; only for interoperating with legacy peers).
//
// All objects are values: copies share immutable state (private keys are wiped when the last copy goes)
// and every method is safe to call concurrently. Per-key work (key parsing, SM2's Z value and, for SM2
// verification, the sm2::VerifyingKey table) is done once at construction.
#pragma once

#include <memory>
#include <string_view>

#include "common/bytes.h"
#include "common/error.h"
#include "crypto/algorithms/hash.h"
#include "crypto/sm2/sm2.h"

namespace medsign::crypto {

enum class KeyAlg { sm2, ecdsa_p256, ecdsa_p384, rsa2048, rsa3072, rsa4096 };
enum class SignatureAlg {
  sm2_sm3,
  ecdsa_p256_sha256,
  ecdsa_p384_sha384,
  rsa_pkcs1_sha256,
  rsa_pkcs1_sha384,
  rsa_pkcs1_sha512,
  rsa_pss_sha256,
  rsa_pss_sha384,
  rsa_pss_sha512,
};
enum class EncryptionAlg { sm2, rsa_oaep_sha256, rsa_pkcs1 };

// Stable names: "sm2", "ecdsa-p256", "rsa-3072"; "sm2-sm3", "ecdsa-p256-sha256", "rsa-pss-sha256";
// "sm2", "rsa-oaep-sha256", "rsa-pkcs1".
std::string_view key_alg_name(KeyAlg a);
std::string_view signature_alg_name(SignatureAlg a);
std::string_view encryption_alg_name(EncryptionAlg a);
Result<KeyAlg> parse_key_alg(std::string_view s);
Result<SignatureAlg> parse_signature_alg(std::string_view s);
Result<EncryptionAlg> parse_encryption_alg(std::string_view s);
HashAlg signature_hash(SignatureAlg a);
// The signature scheme a key type signs with by default (sm2 → sm2-sm3, P-256 → ecdsa-p256-sha256,
// P-384 → ecdsa-p384-sha384, RSA → rsa-pss-sha256).
SignatureAlg default_signature_alg(KeyAlg a);

struct KeyPairState;

// A private key with its public key.
class KeyPair {
 public:
  // Errors: crypto_error when generation fails.
  static Result<KeyPair> generate(KeyAlg alg);
  // PKCS#8 PrivateKeyInfo DER (unencrypted). Errors: bad_encoding; invalid_argument for a key type or
  // size not listed in KeyAlg (RSA other than 2048/3072/4096 bits, other curves).
  static Result<KeyPair> from_pkcs8(ByteView der);
  static KeyPair from_sm2(const sm2::PrivateKey& key);

  KeyAlg algorithm() const;
  Result<SecretBytes> pkcs8() const;
  // SubjectPublicKeyInfo DER.
  const Bytes& public_key_der() const;

 private:
  friend class Signer;
  friend class Decryptor;
  std::shared_ptr<const KeyPairState> state_;
};

struct SignerImpl;
struct VerifierImpl;
struct EncryptorImpl;
struct DecryptorImpl;

class Signer {
 public:
  // Errors: invalid_argument when the scheme does not fit the key (e.g. ECDSA with an RSA key).
  static Result<Signer> create(SignatureAlg alg, const KeyPair& key, std::string_view sm2_id = sm2::kDefaultId);

  Result<Bytes> sign(ByteView message) const;
  // digest: the hash of the scheme (SM2: e). Errors: invalid_argument for a wrong length.
  Result<Bytes> sign_digest(ByteView digest) const;
  SignatureAlg algorithm() const { return alg_; }
  // SubjectPublicKeyInfo DER of the signing key.
  const Bytes& public_key_der() const;

 private:
  SignatureAlg alg_ = SignatureAlg::sm2_sm3;
  std::shared_ptr<const SignerImpl> impl_;
};

class Verifier {
 public:
  // spki: SubjectPublicKeyInfo DER. Errors: bad_encoding; invalid_argument when the scheme does not fit.
  static Result<Verifier> create(SignatureAlg alg, ByteView spki, std::string_view sm2_id = sm2::kDefaultId);
  static Result<Verifier> sm2(const sm2::PublicKey& key, std::string_view id = sm2::kDefaultId);

  // Ok, or bad_signature (also for malformed signatures).
  Status verify(ByteView message, ByteView signature) const;
  Status verify_digest(ByteView digest, ByteView signature) const;
  SignatureAlg algorithm() const { return alg_; }

 private:
  SignatureAlg alg_ = SignatureAlg::sm2_sm3;
  std::shared_ptr<const VerifierImpl> impl_;
};

class Encryptor {
 public:
  static Result<Encryptor> create(EncryptionAlg alg, ByteView spki);
  // Errors: invalid_argument for an empty or (RSA) too long plaintext.
  Result<Bytes> encrypt(ByteView plaintext) const;
  EncryptionAlg algorithm() const { return alg_; }

 private:
  EncryptionAlg alg_ = EncryptionAlg::sm2;
  std::shared_ptr<const EncryptorImpl> impl_;
};

class Decryptor {
 public:
  static Result<Decryptor> create(EncryptionAlg alg, const KeyPair& key);
  // Errors: decrypt_failed for any ciphertext that does not decrypt (malformed, wrong key, tampered).
  Result<SecretBytes> decrypt(ByteView ciphertext) const;
  EncryptionAlg algorithm() const { return alg_; }

 private:
  EncryptionAlg alg_ = EncryptionAlg::sm2;
  std::shared_ptr<const DecryptorImpl> impl_;
};

}  // namespace medsign::crypto
