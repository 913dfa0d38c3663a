#include <openssl/rand.h>

#include <cstring>

#include "crypto/sm2/hash.h"
#include "crypto/sm2/internal.h"

namespace medsign::crypto::sm2 {

using detail::AffinePoint;
using detail::JacobianPoint;
using detail::U256;
using detail::u64;

namespace {

using detail::kNMinus2;

// Decodes and validates affine coordinates given as big-endian bytes.
Result<AffinePoint> affine_from_bytes(const std::uint8_t* xb, const std::uint8_t* yb) {
  U256 x = detail::u256_from_be(xb), y = detail::u256_from_be(yb);
  if (!detail::less_than(x, detail::kP.m) || !detail::less_than(y, detail::kP.m)) {
    return Error(Errc::bad_encoding, "SM2 point coordinate is not below p");
  }
  AffinePoint p;
  detail::fp_to_mont(p.x, x);
  detail::fp_to_mont(p.y, y);
  if (!detail::on_curve_vartime(p)) return Error(Errc::bad_encoding, "SM2 point is not on the curve");
  return p;
}

bool y_is_odd(const Bytes32& y) { return (y[31] & 1) != 0; }

}  // namespace

namespace detail {

bool random_scalar(U256& out, const U256& limit) {
  std::uint8_t buf[32];
  for (;;) {
    if (RAND_bytes(buf, sizeof buf) != 1) return false;
    U256 k = u256_from_be(buf);
    u64 in_range = (is_zero(k) ^ 1) & (less_than(limit, k) ^ 1);
    mark_public(&in_range, sizeof in_range);
    if (in_range) {
      out = k;
      secure_wipe(buf, sizeof buf);
      secure_wipe(&k, sizeof k);
      mark_secret(&out, sizeof out);
      return true;
    }
  }
}

AffinePoint affine_from_public(const PublicKey& key) {
  AffinePoint p;
  fp_to_mont(p.x, u256_from_be(key.x().data()));
  fp_to_mont(p.y, u256_from_be(key.y().data()));
  return p;
}

void affine_to_bytes(Bytes32& x, Bytes32& y, const AffinePoint& p) {
  U256 t;
  fp_from_mont(t, p.x);
  u256_to_be(x.data(), t);
  fp_from_mont(t, p.y);
  u256_to_be(y.data(), t);
}

}  // namespace detail

void precompute_tables() { detail::precompute_base_table(); }

// ---- PublicKey ------------------------------------------------------------------------------------

Result<PublicKey> PublicKey::from_coordinates(ByteView x, ByteView y) {
  if (x.size() != 32 || y.size() != 32) return Error(Errc::bad_encoding, "SM2 coordinates must be 32 bytes");
  MEDSIGN_TRY(affine_from_bytes(x.data(), y.data()));
  PublicKey k;
  std::memcpy(k.x_.data(), x.data(), 32);
  std::memcpy(k.y_.data(), y.data(), 32);
  return k;
}

Result<PublicKey> PublicKey::decode(ByteView in) {
  if (in.empty()) return Error(Errc::bad_encoding, "empty SM2 point");
  std::uint8_t prefix = in[0];
  if (prefix == 0x00) return Error(Errc::bad_encoding, "SM2 point at infinity is not a public key");
  if (prefix == 0x04 || prefix == 0x06 || prefix == 0x07) {
    if (in.size() != 65) return Error(Errc::bad_encoding, "SM2 uncompressed/hybrid point must be 65 bytes");
    MEDSIGN_ASSIGN(PublicKey k, from_coordinates(in.subspan(1, 32), in.subspan(33, 32)));
    if (prefix != 0x04 && y_is_odd(k.y_) != (prefix == 0x07)) {
      return Error(Errc::bad_encoding, "SM2 hybrid point parity does not match y");
    }
    return k;
  }
  if (prefix == 0x02 || prefix == 0x03) {
    if (in.size() != 33) return Error(Errc::bad_encoding, "SM2 compressed point must be 33 bytes");
    U256 x = detail::u256_from_be(in.data() + 1);
    if (!detail::less_than(x, detail::kP.m)) return Error(Errc::bad_encoding, "SM2 x is not below p");
    U256 xm, rhs, t, y;
    detail::fp_to_mont(xm, x);
    detail::fp_sqr(rhs, xm);
    detail::fp_mul(rhs, rhs, xm);
    detail::fp_add(t, xm, xm);
    detail::fp_add(t, t, xm);
    detail::fp_sub(rhs, rhs, t);
    detail::fp_add(rhs, rhs, detail::curve_b());
    if (!detail::fp_sqrt_vartime(y, rhs)) return Error(Errc::bad_encoding, "SM2 x has no point on the curve");
    U256 yplain;
    detail::fp_from_mont(yplain, y);
    if (((yplain.v[0] & 1) != 0) != (prefix == 0x03)) detail::fp_neg(y, y);
    PublicKey k;
    detail::affine_to_bytes(k.x_, k.y_, AffinePoint{xm, y});
    return k;
  }
  return Error(Errc::bad_encoding, "unknown SM2 point format prefix");
}

Bytes PublicKey::encode(PointFormat format) const {
  bool odd = y_is_odd(y_);
  if (format == PointFormat::compressed) {
    Bytes out(33);
    out[0] = odd ? 0x03 : 0x02;
    std::memcpy(out.data() + 1, x_.data(), 32);
    return out;
  }
  Bytes out(65);
  out[0] = format == PointFormat::hybrid ? (odd ? 0x07 : 0x06) : 0x04;
  std::memcpy(out.data() + 1, x_.data(), 32);
  std::memcpy(out.data() + 33, y_.data(), 32);
  return out;
}

// ---- PrivateKey -----------------------------------------------------------------------------------

PrivateKey PrivateKeyAccess::build(const U256& d) {
  PrivateKey k;
  U256 dm, one_plus_d, opm, inv;
  detail::fn_mont_mul(dm, d, detail::kN.rr);
  U256 one{{1, 0, 0, 0}};
  detail::fn_add(one_plus_d, d, one);
  detail::fn_mont_mul(opm, one_plus_d, detail::kN.rr);
  detail::fn_mont_inv(inv, opm);
  JacobianPoint p;
  detail::scalar_mult_base(p, d);
  AffinePoint a;
  detail::to_affine(a, p);
  detail::affine_to_bytes(k.public_.x_, k.public_.y_, a);
  detail::mark_public(k.public_.x_.data(), 32);
  detail::mark_public(k.public_.y_.data(), 32);
  for (int i = 0; i < 4; ++i) {
    k.d_[i] = d.v[i];
    k.d_mont_[i] = dm.v[i];
    k.inv_mont_[i] = inv.v[i];
  }
  secure_wipe(&dm, sizeof dm);
  secure_wipe(&one_plus_d, sizeof one_plus_d);
  secure_wipe(&opm, sizeof opm);
  secure_wipe(&inv, sizeof inv);
  secure_wipe(&p, sizeof p);
  secure_wipe(&a, sizeof a);
  return k;
}

PrivateKey::~PrivateKey() {
  secure_wipe(d_.data(), sizeof d_);
  secure_wipe(d_mont_.data(), sizeof d_mont_);
  secure_wipe(inv_mont_.data(), sizeof inv_mont_);
}

Result<PrivateKey> PrivateKey::from_bytes(ByteView bytes) {
  if (bytes.size() != 32) return Error(Errc::invalid_argument, "SM2 private key must be 32 bytes");
  U256 d = detail::u256_from_be(bytes.data());
  u64 valid = (detail::is_zero(d) ^ 1) & (detail::less_than(kNMinus2, d) ^ 1);
  detail::mark_public(&valid, sizeof valid);
  if (!valid) return Error(Errc::invalid_argument, "SM2 private key is outside [1, n-2]");
  PrivateKey k = PrivateKeyAccess::build(d);
  secure_wipe(&d, sizeof d);
  return k;
}

SecretBytes PrivateKey::to_bytes() const {
  Bytes out(32);
  detail::u256_to_be(out.data(), U256{{d_[0], d_[1], d_[2], d_[3]}});
  return SecretBytes(std::move(out));
}

Result<PrivateKey> generate_key() {
  U256 d;
  if (!detail::random_scalar(d, kNMinus2)) return Error(Errc::crypto_error, "RAND_bytes failed");
  PrivateKey k = PrivateKeyAccess::build(d);
  secure_wipe(&d, sizeof d);
  return k;
}

// ---- Z and e --------------------------------------------------------------------------------------

Result<Bytes32> compute_z(const PublicKey& key, std::string_view id) {
  if (id.size() > kMaxIdLength) return Error(Errc::invalid_argument, "SM2 ID longer than 8191 bytes");
  static constexpr std::uint8_t kCurve[128] = {
      // a
      0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
      0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFC,
      // b
      0x28, 0xE9, 0xFA, 0x9E, 0x9D, 0x9F, 0x5E, 0x34, 0x4D, 0x5A, 0x9E, 0x4B, 0xCF, 0x65, 0x09, 0xA7,
      0xF3, 0x97, 0x89, 0xF5, 0x15, 0xAB, 0x8F, 0x92, 0xDD, 0xBC, 0xBD, 0x41, 0x4D, 0x94, 0x0E, 0x93,
      // xG
      0x32, 0xC4, 0xAE, 0x2C, 0x1F, 0x19, 0x81, 0x19, 0x5F, 0x99, 0x04, 0x46, 0x6A, 0x39, 0xC9, 0x94,
      0x8F, 0xE3, 0x0B, 0xBF, 0xF2, 0x66, 0x0B, 0xE1, 0x71, 0x5A, 0x45, 0x89, 0x33, 0x4C, 0x74, 0xC7,
      // yG
      0xBC, 0x37, 0x36, 0xA2, 0xF4, 0xF6, 0x77, 0x9C, 0x59, 0xBD, 0xCE, 0xE3, 0x6B, 0x69, 0x21, 0x53,
      0xD0, 0xA9, 0x87, 0x7C, 0xC6, 0x2A, 0x47, 0x40, 0x02, 0xDF, 0x32, 0xE5, 0x21, 0x39, 0xF0, 0xA0};
  std::size_t bits = id.size() * 8;
  std::uint8_t entl[2] = {static_cast<std::uint8_t>(bits >> 8), static_cast<std::uint8_t>(bits)};
  detail::Sm3 h;
  h.update(entl, 2);
  h.update(as_bytes(id));
  h.update(kCurve, sizeof kCurve);
  h.update(key.x().data(), 32);
  h.update(key.y().data(), 32);
  Bytes32 z;
  h.finish(z.data());
  return z;
}

Bytes32 digest_e(const Bytes32& z, ByteView message) {
  detail::Sm3 h;
  h.update(z.data(), z.size());
  h.update(message);
  Bytes32 e;
  h.finish(e.data());
  return e;
}

Result<Bytes32> digest_e(const PublicKey& key, ByteView message, std::string_view id) {
  MEDSIGN_ASSIGN(Bytes32 z, compute_z(key, id));
  return digest_e(z, message);
}

}  // namespace medsign::crypto::sm2
