// Crypto providers: one interface, shaped like GM/T 0018 (SDF), over the places private keys live.
//
//   Provider (a device)  →  Session  →  key by index (1..N) or by label
//
// A key pair is generated inside the provider and its private half never leaves it: callers get the public
// key (SubjectPublicKeyInfo DER) and ask the provider to sign or decrypt. Implementations:
//   soft    keys sealed with SM4-GCM under the data dir's key-encryption key or an operator passphrase
//           (soft_provider.h);
//   sdf     a vendor's GM/T 0018-2012 library loaded with dlopen (include/medsign/sdf.h); MedSign ships
//           libmedsign-softsdf.so, which implements that API over the soft provider;
//   pkcs11  a PKCS#11 v2.40 module loaded with dlopen (SoftHSM2 in the tests).
//
// Formats are those of crypto/algorithms/pk.h, so a provider's output goes straight into Verifier and its
// input comes from Encryptor: DER signatures for SM2 and ECDSA, PKCS#1 v1.5 / PSS for RSA; GM/T 0009 DER
// SM2Cipher, RSA-OAEP(SHA-256) or PKCS#1 v1.5 ciphertexts.
//
// Errors common to every provider: key_not_found (no key at that index or label), key_password_wrong
// (GetPrivateKeyAccessRight or PKCS#11 login refused the password), key_access_denied (a protected key was
// used without its access right), algorithm_unsupported (the provider or key cannot do it),
// provider_library_missing / provider_symbol_missing (dlopen / dlsym failed; the detail names the library
// or function), provider_device_error (any other device code, named in the detail, e.g.
// "SDF_InternalSign_ECC: SDR_SIGNERR (0x0100000D)").
//
// Thread safety: a Provider may be shared; a Session is used by one thread at a time (as in GM/T 0018).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/error.h"
#include "crypto/algorithms/hash.h"
#include "crypto/algorithms/pk.h"

namespace medsign::crypto::provider {

enum class ProviderKind { soft, sdf, pkcs11 };
std::string_view provider_kind_name(ProviderKind k);  // "soft", "sdf", "pkcs11"
Result<ProviderKind> parse_provider_kind(std::string_view s);

inline constexpr std::uint32_t kMaxKeyIndex = 65535;

struct KeyInfo {
  std::uint32_t index = 0;
  std::string label;
  KeyAlg algorithm = KeyAlg::sm2;
  std::int64_t created_unix = 0;  // 0 when the provider does not record it
  bool has_password = false;      // an access password protects the private key
};

struct KeyGenOptions {
  std::uint32_t index = 0;  // 0: the lowest free index
  std::string label;        // may be empty; labels are unique when given
  std::string password;     // the key's access password (soft, sdf); empty: none
};

class Session {
 public:
  virtual ~Session() = default;

  // Generates a key pair inside the provider. Errors: conflict (index or label taken), algorithm_unsupported.
  virtual Result<KeyInfo> generate_key(KeyAlg alg, const KeyGenOptions& opt) = 0;
  virtual Result<std::vector<KeyInfo>> list_keys() = 0;
  // Errors: key_not_found.
  virtual Result<KeyInfo> key_info(std::uint32_t index) = 0;
  Result<KeyInfo> find_key(std::string_view label);
  // SubjectPublicKeyInfo DER.
  virtual Result<Bytes> export_public_key(std::uint32_t index) = 0;

  // GM/T 0018 SDF_GetPrivateKeyAccessRight: grants this session use of the key's private half. For
  // PKCS#11 the password is the user PIN (the whole token is logged in). Errors: key_password_wrong.
  virtual Status get_private_key_access_right(std::uint32_t index, std::string_view password) = 0;
  virtual Status release_private_key_access_right(std::uint32_t index) = 0;

  // Signs a digest computed by the caller: SM2's e = SM3(Z || M), otherwise the scheme's hash of M.
  // Errors: invalid_argument (wrong digest length), algorithm_unsupported (scheme does not fit the key),
  // key_access_denied.
  virtual Result<Bytes> sign_digest(std::uint32_t index, SignatureAlg alg, ByteView digest) = 0;
  // Hashes message as the scheme says (SM2: Z with the default ID from the key's public key) and signs.
  Result<Bytes> sign(std::uint32_t index, SignatureAlg alg, ByteView message);
  // Ok, or bad_signature. The default implementations verify with crypto::Verifier.
  virtual Status verify(std::uint32_t index, SignatureAlg alg, ByteView message, ByteView signature);
  virtual Status external_verify(SignatureAlg alg, ByteView spki, ByteView message, ByteView signature);
  virtual Result<Bytes> encrypt(std::uint32_t index, EncryptionAlg alg, ByteView plaintext);
  // Errors: decrypt_failed for any ciphertext that does not decrypt, key_access_denied.
  virtual Result<SecretBytes> decrypt(std::uint32_t index, EncryptionAlg alg, ByteView ciphertext) = 0;

  // Errors: algorithm_unsupported when the device has no such hash.
  virtual Result<Bytes> hash(HashAlg alg, ByteView data);
  virtual Result<Bytes> random(std::size_t n) = 0;
};

class Provider {
 public:
  virtual ~Provider() = default;
  virtual ProviderKind kind() const = 0;
  // A short description for listings ("soft /var/medsign", "sdf /opt/card/libsdf.so").
  virtual std::string description() const = 0;
  virtual Result<std::unique_ptr<Session>> open_session() = 0;
  // Key algorithms generate_key accepts.
  virtual std::vector<KeyAlg> key_algorithms() const = 0;
  bool supports(KeyAlg a) const;
};

// Everything needed to open any provider; unused fields are ignored.
struct ProviderConfig {
  ProviderKind kind = ProviderKind::soft;
  std::string data_dir;     // soft: the data dir holding keys/kek and keys/provider/
  std::string passphrase;   // soft: use an operator passphrase instead of keys/kek
  std::string library;      // sdf, pkcs11: path of the library
  std::string token;        // pkcs11: token label (empty: the first token)
  std::optional<unsigned long> slot;  // pkcs11: slot id instead of the token label
  std::string pin;          // pkcs11: user PIN to log in with at session open (may be empty)
};

Result<std::unique_ptr<Provider>> open_provider(const ProviderConfig& cfg);

// A signer object for a provider key, for code written against crypto::Signer: holds its own session, so
// copies share it and must be used by one thread at a time (make one ProviderSigner per thread).
class ProviderSigner {
 public:
  // Opens a session, gets the access right when password is given and reads the public key.
  static Result<ProviderSigner> create(Provider& provider, std::uint32_t index, SignatureAlg alg,
                                       std::string_view password = {});
  Result<Bytes> sign(ByteView message) const;
  Result<Bytes> sign_digest(ByteView digest) const;
  SignatureAlg algorithm() const { return alg_; }
  const Bytes& public_key_der() const { return spki_; }

 private:
  std::shared_ptr<Session> session_;
  std::uint32_t index_ = 0;
  SignatureAlg alg_ = SignatureAlg::sm2_sm3;
  Bytes spki_;
};

// ---- helpers shared by the implementations ----
// The key algorithm of a SubjectPublicKeyInfo. Errors: bad_encoding, invalid_argument.
Result<KeyAlg> key_alg_of_spki(ByteView spki);
// Whether a signature / encryption scheme can be used with a key type.
bool signature_fits(SignatureAlg s, KeyAlg k);
bool encryption_fits(EncryptionAlg e, KeyAlg k);
// Digest to sign for message: SM2's e (Z from spki and the default ID), else the scheme's hash.
Result<Bytes> signing_digest(SignatureAlg alg, ByteView spki, ByteView message);
// DER DigestInfo prefix for PKCS#1 v1.5 signatures with h.
ByteView digest_info_prefix(HashAlg h);
// SPKI DER from raw public values.
Bytes spki_from_ec_point(KeyAlg alg, ByteView uncompressed_point);
Bytes spki_from_rsa(ByteView modulus, ByteView exponent);
// DER ECDSA/SM2 signature (r, s) from a fixed-width r||s; and back (width = coordinate size).
Result<Bytes> der_signature_from_raw(ByteView rs);
Result<Bytes> raw_signature_from_der(ByteView der, std::size_t width);
// Uncompressed point of an EC SPKI (SM2, P-256, P-384); modulus and exponent of an RSA SPKI.
Result<Bytes> ec_point_of_spki(ByteView spki);
struct RsaPublic {
  Bytes n, e;
};
Result<RsaPublic> rsa_public_of_spki(ByteView spki);

}  // namespace medsign::crypto::provider
