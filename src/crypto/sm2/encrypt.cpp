#include <cstring>

#include "crypto/sm2/der.h"
#include "crypto/sm2/hash.h"
#include "crypto/sm2/internal.h"

namespace medsign::crypto::sm2 {

using detail::AffinePoint;
using detail::JacobianPoint;
using detail::U256;
using detail::u64;

namespace {

using detail::kNMinus1;

enum class Attempt { ok, retry };

// C1 = k·G, (x2, y2) = k·P; constant time in k.
Attempt encrypt_attempt(const PublicKey& key, ByteView plaintext, const U256& k, Ciphertext& out) {
  JacobianPoint c1, shared;
  AffinePoint a1, a2;
  detail::scalar_mult_base(c1, k);
  detail::to_affine(a1, c1);
  detail::affine_to_bytes(out.x1, out.y1, a1);
  detail::mark_public(out.x1.data(), 32);
  detail::mark_public(out.y1.data(), 32);
  detail::scalar_mult(shared, detail::affine_from_public(key), k);
  detail::to_affine(a2, shared);  // never infinity: P has prime order n and k is in [1, n-1]
  std::uint8_t xy2[64];
  Bytes32 x2, y2;
  detail::affine_to_bytes(x2, y2, a2);
  std::memcpy(xy2, x2.data(), 32);
  std::memcpy(xy2 + 32, y2.data(), 32);

  out.c2.resize(plaintext.size());
  u64 zero = detail::kdf(ByteView(xy2, 64), out.c2.data(), out.c2.size());
  detail::mark_public(&zero, sizeof zero);
  Attempt result = Attempt::retry;
  if (!zero) {
    for (std::size_t i = 0; i < plaintext.size(); ++i) out.c2[i] ^= plaintext[i];
    detail::Sm3 h;
    h.update(x2.data(), 32);
    h.update(plaintext);
    h.update(y2.data(), 32);
    h.finish(out.c3.data());
    detail::mark_public(out.c2.data(), out.c2.size());
    detail::mark_public(out.c3.data(), out.c3.size());
    result = Attempt::ok;
  }
  secure_wipe(xy2, sizeof xy2);
  secure_wipe(x2.data(), 32);
  secure_wipe(y2.data(), 32);
  secure_wipe(&shared, sizeof shared);
  secure_wipe(&a2, sizeof a2);
  return result;
}

}  // namespace

namespace detail {

Result<Ciphertext> encrypt_with_nonce(const PublicKey& key, ByteView plaintext, const Bytes32& k_bytes) {
  if (plaintext.empty()) return Error(Errc::invalid_argument, "SM2 plaintext is empty");
  U256 k = u256_from_be(k_bytes.data());
  if (is_zero(k) || less_than(kNMinus1, k)) return Error(Errc::invalid_argument, "SM2 nonce outside [1, n-1]");
  Ciphertext ct;
  if (encrypt_attempt(key, plaintext, k, ct) != Attempt::ok) {
    return Error(Errc::invalid_argument, "SM2 nonce gives an all-zero KDF output");
  }
  return ct;
}

}  // namespace detail

Result<Ciphertext> encrypt(const PublicKey& key, ByteView plaintext) {
  if (plaintext.empty()) return Error(Errc::invalid_argument, "SM2 plaintext is empty");
  Ciphertext ct;
  for (;;) {
    U256 k;
    if (!detail::random_scalar(k, kNMinus1)) return Error(Errc::crypto_error, "RAND_bytes failed");
    Attempt a = encrypt_attempt(key, plaintext, k, ct);
    secure_wipe(&k, sizeof k);
    if (a == Attempt::ok) return ct;
  }
}

Result<SecretBytes> decrypt(const PrivateKey& key, const Ciphertext& ct) {
  if (ct.c2.empty()) return Error(Errc::decrypt_failed, "SM2 ciphertext C2 is empty");
  auto c1 = PublicKey::from_coordinates(ct.x1, ct.y1);
  if (!c1) return Error(Errc::decrypt_failed, "SM2 ciphertext C1 is not a point of the curve");

  JacobianPoint shared;
  detail::scalar_mult(shared, detail::affine_from_public(*c1), PrivateKeyAccess::d(key));
  AffinePoint a2;
  detail::to_affine(a2, shared);  // never infinity: C1 has prime order n and d is in [1, n-2]
  std::uint8_t xy2[64];
  Bytes32 x2, y2;
  detail::affine_to_bytes(x2, y2, a2);
  std::memcpy(xy2, x2.data(), 32);
  std::memcpy(xy2 + 32, y2.data(), 32);

  SecretBytes plain(Bytes(ct.c2.size()));
  u64 zero = detail::kdf(ByteView(xy2, 64), plain.bytes().data(), plain.size());
  for (std::size_t i = 0; i < plain.size(); ++i) plain.bytes()[i] ^= ct.c2[i];
  detail::Sm3 h;
  h.update(x2.data(), 32);
  h.update(plain.view());
  h.update(y2.data(), 32);
  Bytes32 u;
  h.finish(u.data());
  u64 ok = static_cast<u64>(ct_equal(u, ct.c3)) & ~zero & 1;
  detail::mark_public(&ok, sizeof ok);
  secure_wipe(xy2, sizeof xy2);
  secure_wipe(x2.data(), 32);
  secure_wipe(y2.data(), 32);
  secure_wipe(&shared, sizeof shared);
  secure_wipe(&a2, sizeof a2);
  if (!ok) return Error(Errc::decrypt_failed, "SM2 ciphertext does not decrypt (C3 mismatch)");
  return plain;
}

Bytes encode_ciphertext_der(const Ciphertext& ct) {
  Bytes inner;
  inner.reserve(ct.c2.size() + 110);
  detail::der_append_uint256(inner, ct.x1.data());
  detail::der_append_uint256(inner, ct.y1.data());
  detail::der_append(inner, detail::kTagOctetString, ct.c3);
  detail::der_append(inner, detail::kTagOctetString, ct.c2);
  Bytes out;
  out.reserve(inner.size() + 6);
  detail::der_append(out, detail::kTagSequence, inner);
  return out;
}

Result<Ciphertext> decode_ciphertext_der(ByteView der) {
  detail::DerReader outer(der);
  ByteView body;
  if (!outer.read(detail::kTagSequence, body) || !outer.empty()) {
    return Error(Errc::bad_encoding, "SM2 ciphertext is not one DER SEQUENCE");
  }
  detail::DerReader in(body);
  Ciphertext ct;
  ByteView hash, c2;
  if (!in.read_uint256(ct.x1.data()) || !in.read_uint256(ct.y1.data()) ||
      !in.read(detail::kTagOctetString, hash) || !in.read(detail::kTagOctetString, c2) || !in.empty()) {
    return Error(Errc::bad_encoding, "SM2 ciphertext is not SEQUENCE { INTEGER, INTEGER, OCTET STRING, OCTET STRING }");
  }
  if (hash.size() != 32) return Error(Errc::bad_encoding, "SM2 ciphertext HASH is not 32 bytes");
  if (c2.empty()) return Error(Errc::bad_encoding, "SM2 ciphertext CipherText is empty");
  std::memcpy(ct.c3.data(), hash.data(), 32);
  ct.c2.assign(c2.begin(), c2.end());
  return ct;
}

Bytes encode_ciphertext_raw(const Ciphertext& ct, CiphertextOrder order) {
  Bytes out;
  out.reserve(97 + ct.c2.size());
  out.push_back(0x04);
  out.insert(out.end(), ct.x1.begin(), ct.x1.end());
  out.insert(out.end(), ct.y1.begin(), ct.y1.end());
  if (order == CiphertextOrder::c1c3c2) {
    out.insert(out.end(), ct.c3.begin(), ct.c3.end());
    out.insert(out.end(), ct.c2.begin(), ct.c2.end());
  } else {
    out.insert(out.end(), ct.c2.begin(), ct.c2.end());
    out.insert(out.end(), ct.c3.begin(), ct.c3.end());
  }
  return out;
}

Result<Ciphertext> decode_ciphertext_raw(ByteView raw, CiphertextOrder order) {
  if (raw.size() < 65 + 32 + 1) return Error(Errc::bad_encoding, "SM2 raw ciphertext is too short");
  if (raw[0] != 0x04) return Error(Errc::bad_encoding, "SM2 raw ciphertext C1 does not start with 04");
  Ciphertext ct;
  std::memcpy(ct.x1.data(), raw.data() + 1, 32);
  std::memcpy(ct.y1.data(), raw.data() + 33, 32);
  ByteView rest = raw.subspan(65);
  std::size_t c2_len = rest.size() - 32;
  if (order == CiphertextOrder::c1c3c2) {
    std::memcpy(ct.c3.data(), rest.data(), 32);
    ct.c2.assign(rest.begin() + 32, rest.end());
  } else {
    ct.c2.assign(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(c2_len));
    std::memcpy(ct.c3.data(), rest.data() + c2_len, 32);
  }
  return ct;
}

}  // namespace medsign::crypto::sm2
