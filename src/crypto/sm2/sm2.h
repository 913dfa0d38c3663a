// SM2 public-key cryptography on the recommended curve sm2p256v1 (GB/T 32918, GM/T 0003): keys, the Z
// value, signatures, public-key encryption and key exchange, with the GM/T 0009 (GB/T 35276) encodings.
//
// Constant time: key generation, signing, decryption and key exchange take time independent of private
// keys, nonces and shared secrets (no secret-dependent branches or memory indices; table lookups scan
// every entry). Verification, encryption and decoding handle only public data and may be variable time.
// docs/SM2.md says how this was checked.
//
// Thread safety: all functions are safe to call concurrently; keys are immutable values. The first call
// that multiplies the base point builds a 150 KB table once (about a millisecond); call
// precompute_tables() at start-up to take that cost early.
//
// Integers (coordinates, scalars, r, s) are 32-byte big-endian byte strings.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "common/bytes.h"
#include "common/error.h"

namespace medsign::crypto::sm2 {

using Bytes32 = std::array<std::uint8_t, 32>;

// GM/T 0009 §10 default user identity, used when the caller has no other agreement.
inline constexpr std::string_view kDefaultId = "1234567812345678";
// ENTL is a 16-bit count of bits, so an ID is at most 8191 bytes.
inline constexpr std::size_t kMaxIdLength = 8191;

void precompute_tables();

enum class PointFormat {
  uncompressed,  // 04 || x || y (65 bytes)
  compressed,    // 02/03 || x (33 bytes), 03 when y is odd
  hybrid,        // 06/07 || x || y (65 bytes), 07 when y is odd
};

// A point of the curve other than infinity. Every PublicKey that exists has been validated.
class PublicKey {
 public:
  // Accepts the three formats above. Errors (bad_encoding): wrong length or prefix, the point at infinity
  // (a single 00), a coordinate >= p, a point not on the curve, x with no square root, hybrid parity that
  // disagrees with y.
  static Result<PublicKey> decode(ByteView encoded);
  // Same checks for affine coordinates given as 32 bytes each.
  static Result<PublicKey> from_coordinates(ByteView x, ByteView y);

  Bytes encode(PointFormat format = PointFormat::uncompressed) const;
  const Bytes32& x() const { return x_; }
  const Bytes32& y() const { return y_; }
  bool operator==(const PublicKey&) const = default;

 private:
  PublicKey() = default;
  friend class PrivateKey;
  friend struct PrivateKeyAccess;
  Bytes32 x_{}, y_{};
};

// A private key d in [1, n-2] with its public key and the per-key values signing needs, computed once.
// Wiped on destruction.
class PrivateKey {
 public:
  // d as 32 big-endian bytes. Errors: invalid_argument for a wrong length or d outside [1, n-2].
  static Result<PrivateKey> from_bytes(ByteView d);

  PrivateKey(const PrivateKey&) = default;
  PrivateKey& operator=(const PrivateKey&) = default;
  ~PrivateKey();

  // The 32-byte scalar d.
  SecretBytes to_bytes() const;
  const PublicKey& public_key() const { return public_; }

 private:
  PrivateKey() = default;
  friend struct PrivateKeyAccess;
  std::array<std::uint64_t, 4> d_{};          // d, little-endian limbs
  std::array<std::uint64_t, 4> d_mont_{};     // d·2^256 mod n
  std::array<std::uint64_t, 4> inv_mont_{};   // (1+d)^-1·2^256 mod n
  PublicKey public_;
};

// A fresh key from OpenSSL's RAND_bytes. Errors: crypto_error when the generator fails.
Result<PrivateKey> generate_key();
inline const PublicKey& public_from_private(const PrivateKey& key) { return key.public_key(); }

// Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA). Errors: invalid_argument when id is longer than
// kMaxIdLength.
Result<Bytes32> compute_z(const PublicKey& key, std::string_view id = kDefaultId);
// e = SM3(Z || message), the value signed; with a precomputed Z (servers reuse Z per signer).
Bytes32 digest_e(const Bytes32& z, ByteView message);
Result<Bytes32> digest_e(const PublicKey& key, ByteView message, std::string_view id = kDefaultId);

struct Signature {
  Bytes32 r{}, s{};
  bool operator==(const Signature&) const = default;
};

// Signs a precomputed e (32 bytes) with a fresh random nonce. Errors: invalid_argument for a wrong length
// of e, crypto_error when the random generator fails.
Result<Signature> sign_digest(const PrivateKey& key, ByteView e);
// Signs SM3(Z || message) with Z computed from the key's public key and id.
Result<Signature> sign(const PrivateKey& key, ByteView message, std::string_view id = kDefaultId);

// Ok when (r, s) is a valid signature of e. Errors: bad_signature for any invalid signature (including
// r or s outside [1, n-1]); invalid_argument for a wrong length of e.
Status verify_digest(const PublicKey& key, ByteView e, const Signature& sig);
namespace detail {
struct PointTable;
}

// A public key with a precomputed table of 32 multiples of it (2 KB, built in about one verification's
// time), which makes each verification roughly twice as fast. For servers that verify many signatures
// from the same key: build once, keep it with the key. Immutable; copies share the table.
class VerifyingKey {
 public:
  explicit VerifyingKey(const PublicKey& key);
  const PublicKey& public_key() const { return key_; }

 private:
  friend Status verify_digest(const VerifyingKey& key, ByteView e, const Signature& sig);
  PublicKey key_;
  std::shared_ptr<const detail::PointTable> table_;
};

// Same contract as verify_digest(PublicKey, ...), same results.
Status verify_digest(const VerifyingKey& key, ByteView e, const Signature& sig);

// Verifies a DER signature (SM2Signature) of message. Errors: bad_encoding for malformed DER,
// bad_signature when it does not verify.
Status verify(const PublicKey& key, ByteView message, ByteView der_signature, std::string_view id = kDefaultId);

// SM2Signature ::= SEQUENCE { r INTEGER, s INTEGER } (DER, at most 72 bytes).
Bytes encode_signature_der(const Signature& sig);
// Strict DER: minimal lengths and integers, no negative values, no trailing bytes, r and s in [1, n-1].
// Errors: bad_encoding.
Result<Signature> decode_signature_der(ByteView der);

// C1 = (x1, y1) = k·G, C3 = SM3(x2 || M || y2), C2 = M xor KDF(x2 || y2, |M|).
struct Ciphertext {
  Bytes32 x1{}, y1{};
  Bytes32 c3{};
  Bytes c2;
  bool operator==(const Ciphertext&) const = default;
};

// Errors: invalid_argument for an empty plaintext, crypto_error when the random generator fails.
Result<Ciphertext> encrypt(const PublicKey& key, ByteView plaintext);
// Errors: decrypt_failed when C1 is not a point of the curve, C2 is empty, the KDF output is all zero or
// C3 does not match. Constant time in the private key and in the plaintext until the final C3 check.
Result<SecretBytes> decrypt(const PrivateKey& key, const Ciphertext& ct);

// SM2Cipher ::= SEQUENCE { XCoordinate INTEGER, YCoordinate INTEGER, HASH OCTET STRING (32),
// CipherText OCTET STRING } — the GM/T 0009 form OpenSSL uses.
Bytes encode_ciphertext_der(const Ciphertext& ct);
// Strict DER; coordinates below 2^256, HASH exactly 32 bytes, CipherText non-empty, no trailing bytes.
// Errors: bad_encoding. (Whether C1 is on the curve is checked by decrypt.)
Result<Ciphertext> decode_ciphertext_der(ByteView der);

enum class CiphertextOrder {
  c1c3c2,  // GB/T 32918.4-2016 and GM/T 0003-2012
  c1c2c3,  // the 2010 publication, still emitted by legacy SDKs
};
// Raw concatenation with C1 as 04 || x1 || y1.
Bytes encode_ciphertext_raw(const Ciphertext& ct, CiphertextOrder order = CiphertextOrder::c1c3c2);
// Errors: bad_encoding when shorter than 65 + 32 + 1 bytes or C1 does not start with 04.
Result<Ciphertext> decode_ciphertext_raw(ByteView raw, CiphertextOrder order = CiphertextOrder::c1c3c2);

// GB/T 32918.3 key exchange. A is the initiator, B the responder; each side holds a static key pair
// and an ephemeral key pair (r, R = r·G) whose public half was sent to the peer.
enum class ExchangeRole { initiator, responder };

struct ExchangeInput {
  ExchangeRole role = ExchangeRole::initiator;
  const PrivateKey* own_static = nullptr;
  const PrivateKey* own_ephemeral = nullptr;
  const PublicKey* peer_static = nullptr;
  const PublicKey* peer_ephemeral = nullptr;
  std::string_view own_id = kDefaultId;
  std::string_view peer_id = kDefaultId;
  std::size_t key_length = 16;  // bytes of shared key wanted
};

struct ExchangeResult {
  SecretBytes key;           // K_A = K_B
  Bytes32 confirmation{};    // to send: S_A from the initiator, S_B from the responder
  Bytes32 expected_peer{};   // what the peer's confirmation must equal: S_1 (= S_B) or S_2 (= S_A)
};

// Errors: invalid_argument for missing keys, key_length 0 or an ID that is too long; crypto_error when
// the shared point is infinity.
Result<ExchangeResult> exchange_keys(const ExchangeInput& in);
// Ok when the peer's optional confirmation equals result.expected_peer (constant-time comparison).
// Errors: bad_signature.
Status check_confirmation(const ExchangeResult& result, ByteView received);

}  // namespace medsign::crypto::sm2
