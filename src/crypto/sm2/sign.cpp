#include <cstring>
#include <memory>

#include "crypto/sm2/der.h"
#include "crypto/sm2/internal.h"

namespace medsign::crypto::sm2 {

using detail::AffinePoint;
using detail::JacobianPoint;
using detail::U256;
using detail::u64;

namespace {

using detail::kNMinus1;

enum class Attempt { ok, retry };

// One signing attempt with nonce k in [1, n-1]. Constant time in d and k; reveals only r and whether the
// nonce had to be rejected (r = 0, r + k = n, s = 0), which are public or negligible events.
Attempt sign_attempt(const PrivateKey& key, const U256& e, const U256& k, Signature& out) {
  JacobianPoint kg;
  detail::scalar_mult_base(kg, k);
  AffinePoint a;
  detail::to_affine(a, kg);
  U256 x1, r;
  detail::fp_from_mont(x1, a.x);
  detail::fn_reduce(x1, x1);
  detail::fn_add(r, e, x1);
  detail::mark_public(&r, sizeof r);
  U256 rk;
  detail::fn_add(rk, r, k);
  u64 bad = detail::is_zero(r) | detail::is_zero(rk);
  detail::mark_public(&bad, sizeof bad);
  if (bad) return Attempt::retry;

  U256 rd, t, s;
  detail::fn_mont_mul(rd, r, PrivateKeyAccess::d_mont(key));  // r·d
  detail::fn_sub(t, k, rd);
  detail::fn_mont_mul(s, PrivateKeyAccess::inv_mont(key), t);  // (1+d)^-1·(k - r·d)
  detail::mark_public(&s, sizeof s);
  secure_wipe(&rd, sizeof rd);
  secure_wipe(&t, sizeof t);
  secure_wipe(&kg, sizeof kg);
  secure_wipe(&a, sizeof a);
  if (detail::is_zero(s)) return Attempt::retry;
  detail::u256_to_be(out.r.data(), r);
  detail::u256_to_be(out.s.data(), s);
  return Attempt::ok;
}

U256 e_mod_n(ByteView e) {
  U256 v = detail::u256_from_be(e.data());
  detail::fn_reduce(v, v);
  return v;
}

bool in_range_1_to_n_minus_1(const U256& v) {
  return !detail::is_zero(v) && !detail::less_than(kNMinus1, v);
}

}  // namespace

namespace detail {

Result<Signature> sign_digest_with_nonce(const PrivateKey& key, ByteView e, const Bytes32& k_bytes) {
  if (e.size() != 32) return Error(Errc::invalid_argument, "SM2 digest e must be 32 bytes");
  U256 k = u256_from_be(k_bytes.data());
  if (!in_range_1_to_n_minus_1(k)) return Error(Errc::invalid_argument, "SM2 nonce outside [1, n-1]");
  Signature sig;
  if (sign_attempt(key, e_mod_n(e), k, sig) != Attempt::ok) {
    return Error(Errc::invalid_argument, "SM2 nonce gives r = 0, r + k = n or s = 0");
  }
  return sig;
}

}  // namespace detail

Result<Signature> sign_digest(const PrivateKey& key, ByteView e) {
  if (e.size() != 32) return Error(Errc::invalid_argument, "SM2 digest e must be 32 bytes");
  U256 ev = e_mod_n(e);
  Signature sig;
  for (;;) {
    U256 k;
    if (!detail::random_scalar(k, kNMinus1)) return Error(Errc::crypto_error, "RAND_bytes failed");
    Attempt a = sign_attempt(key, ev, k, sig);
    secure_wipe(&k, sizeof k);
    if (a == Attempt::ok) return sig;
  }
}

Result<Signature> sign(const PrivateKey& key, ByteView message, std::string_view id) {
  MEDSIGN_ASSIGN(Bytes32 e, digest_e(key.public_key(), message, id));
  return sign_digest(key, e);
}

namespace {

// Checks (r, s) against e given u1·G + u2·P as mult(sum, u1, u2).
template <typename Mult>
Status verify_with(ByteView e, const Signature& sig, Mult&& mult) {
  if (e.size() != 32) return Error(Errc::invalid_argument, "SM2 digest e must be 32 bytes");
  U256 r = detail::u256_from_be(sig.r.data()), s = detail::u256_from_be(sig.s.data());
  if (!in_range_1_to_n_minus_1(r) || !in_range_1_to_n_minus_1(s)) {
    return Error(Errc::bad_signature, "SM2 signature r or s outside [1, n-1]");
  }
  U256 t;
  detail::fn_add(t, r, s);
  if (detail::is_zero(t)) return Error(Errc::bad_signature, "SM2 signature has r + s = n");

  JacobianPoint sum;
  mult(sum, s, t);
  if (detail::is_zero(sum.z)) return Error(Errc::bad_signature, "SM2 signature gives the point at infinity");

  // Accept iff (e + x1) mod n = r, i.e. x1 ≡ r - e (mod n); x1 = X/Z^2 < p < 2n, so x1 is v or v + n.
  U256 v, vm, z2, lhs;
  detail::fn_sub(v, r, e_mod_n(e));
  detail::fp_sqr(z2, sum.z);
  detail::fp_to_mont(vm, v);
  detail::fp_mul(lhs, vm, z2);
  if (detail::equal(lhs, sum.x)) return {};
  U256 vn;
  if (!detail::add_carry(vn, v, detail::kN.m) && detail::less_than(vn, detail::kP.m)) {
    detail::fp_to_mont(vm, vn);
    detail::fp_mul(lhs, vm, z2);
    if (detail::equal(lhs, sum.x)) return {};
  }
  return Error(Errc::bad_signature, "SM2 signature does not verify");
}

}  // namespace

Status verify_digest(const PublicKey& key, ByteView e, const Signature& sig) {
  const detail::AffinePoint p = detail::affine_from_public(key);
  return verify_with(e, sig, [&](JacobianPoint& sum, const U256& u1, const U256& u2) {
    detail::double_scalar_mult_vartime(sum, u1, p, u2);
  });
}

VerifyingKey::VerifyingKey(const PublicKey& key) : key_(key) {
  auto table = std::make_shared<detail::PointTable>();
  detail::point_table_build(*table, detail::affine_from_public(key));
  table_ = std::move(table);
}

Status verify_digest(const VerifyingKey& key, ByteView e, const Signature& sig) {
  const detail::PointTable& table = *key.table_;
  return verify_with(e, sig, [&](JacobianPoint& sum, const U256& u1, const U256& u2) {
    detail::double_scalar_mult_table_vartime(sum, u1, table, u2);
  });
}

Status verify(const PublicKey& key, ByteView message, ByteView der_signature, std::string_view id) {
  MEDSIGN_ASSIGN(Signature sig, decode_signature_der(der_signature));
  MEDSIGN_ASSIGN(Bytes32 e, digest_e(key, message, id));
  return verify_digest(key, e, sig);
}

Bytes encode_signature_der(const Signature& sig) {
  Bytes inner;
  inner.reserve(70);
  detail::der_append_uint256(inner, sig.r.data());
  detail::der_append_uint256(inner, sig.s.data());
  Bytes out;
  out.reserve(72);
  detail::der_append(out, detail::kTagSequence, inner);
  return out;
}

Result<Signature> decode_signature_der(ByteView der) {
  detail::DerReader outer(der);
  ByteView body;
  if (!outer.read(detail::kTagSequence, body) || !outer.empty()) {
    return Error(Errc::bad_encoding, "SM2 signature is not one DER SEQUENCE");
  }
  detail::DerReader in(body);
  Signature sig;
  if (!in.read_uint256(sig.r.data()) || !in.read_uint256(sig.s.data()) || !in.empty()) {
    return Error(Errc::bad_encoding, "SM2 signature is not SEQUENCE { INTEGER r, INTEGER s }");
  }
  if (!in_range_1_to_n_minus_1(detail::u256_from_be(sig.r.data())) ||
      !in_range_1_to_n_minus_1(detail::u256_from_be(sig.s.data()))) {
    return Error(Errc::bad_encoding, "SM2 signature r or s outside [1, n-1]");
  }
  return sig;
}

}  // namespace medsign::crypto::sm2
