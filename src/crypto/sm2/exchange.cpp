#include <cstring>

#include "crypto/sm2/hash.h"
#include "crypto/sm2/internal.h"

namespace medsign::crypto::sm2 {

using detail::AffinePoint;
using detail::JacobianPoint;
using detail::U256;
using detail::u64;

namespace {

// x̄ = 2^127 + (x mod 2^127) for the x-coordinate of a public point.
U256 x_bar(const PublicKey& p) {
  U256 x = detail::u256_from_be(p.x().data());
  return {{x.v[0], (x.v[1] & 0x7fffffffffffffffULL) | 0x8000000000000000ULL, 0, 0}};
}

void confirmation(Bytes32& out, std::uint8_t tag, const Bytes32& y, const Bytes32& inner) {
  detail::Sm3 h;
  h.update(&tag, 1);
  h.update(y.data(), 32);
  h.update(inner.data(), 32);
  h.finish(out.data());
}

}  // namespace

Result<ExchangeResult> exchange_keys(const ExchangeInput& in) {
  if (!in.own_static || !in.own_ephemeral || !in.peer_static || !in.peer_ephemeral) {
    return Error(Errc::invalid_argument, "SM2 key exchange needs both static and ephemeral keys");
  }
  if (in.key_length == 0) return Error(Errc::invalid_argument, "SM2 key exchange key length is 0");
  const bool initiator = in.role == ExchangeRole::initiator;
  const PublicKey& own_static_pub = in.own_static->public_key();
  const PublicKey& own_eph_pub = in.own_ephemeral->public_key();
  MEDSIGN_ASSIGN(Bytes32 z_own, compute_z(own_static_pub, in.own_id));
  MEDSIGN_ASSIGN(Bytes32 z_peer, compute_z(*in.peer_static, in.peer_id));
  const Bytes32& za = initiator ? z_own : z_peer;
  const Bytes32& zb = initiator ? z_peer : z_own;
  const PublicKey& ra = initiator ? own_eph_pub : *in.peer_ephemeral;
  const PublicKey& rb = initiator ? *in.peer_ephemeral : own_eph_pub;

  // t = (d + x̄_own·r) mod n; constant time in d and r.
  U256 t, xr;
  detail::fn_mul(xr, x_bar(own_eph_pub), PrivateKeyAccess::d(*in.own_ephemeral));
  detail::fn_add(t, PrivateKeyAccess::d(*in.own_static), xr);

  // Q = P_peer + x̄_peer·R_peer (public), then the shared point t·Q.
  JacobianPoint q, peer_static = {detail::affine_from_public(*in.peer_static).x,
                                  detail::affine_from_public(*in.peer_static).y, detail::kP.one};
  detail::scalar_mult(q, detail::affine_from_public(*in.peer_ephemeral), x_bar(*in.peer_ephemeral));
  detail::point_add_vartime(q, q, peer_static);
  AffinePoint qa;
  if (!detail::to_affine(qa, q)) return Error(Errc::crypto_error, "SM2 key exchange: peer keys sum to infinity");
  JacobianPoint shared;
  detail::scalar_mult(shared, qa, t);
  AffinePoint sa;
  u64 finite = detail::to_affine(sa, shared);
  detail::mark_public(&finite, sizeof finite);
  secure_wipe(&t, sizeof t);
  secure_wipe(&xr, sizeof xr);
  if (!finite) return Error(Errc::crypto_error, "SM2 key exchange: shared point is infinity");
  Bytes32 xs, ys;
  detail::affine_to_bytes(xs, ys, sa);
  secure_wipe(&shared, sizeof shared);
  secure_wipe(&sa, sizeof sa);

  ExchangeResult result;
  std::uint8_t kdf_in[128];
  std::memcpy(kdf_in, xs.data(), 32);
  std::memcpy(kdf_in + 32, ys.data(), 32);
  std::memcpy(kdf_in + 64, za.data(), 32);
  std::memcpy(kdf_in + 96, zb.data(), 32);
  result.key = SecretBytes(Bytes(in.key_length));
  detail::kdf(ByteView(kdf_in, sizeof kdf_in), result.key.bytes().data(), in.key_length);
  secure_wipe(kdf_in, sizeof kdf_in);

  // inner = SM3(x_shared || ZA || ZB || x1 || y1 || x2 || y2); S = SM3(tag || y_shared || inner).
  Bytes32 inner;
  {
    detail::Sm3 h;
    h.update(xs.data(), 32);
    h.update(za.data(), 32);
    h.update(zb.data(), 32);
    h.update(ra.x().data(), 32);
    h.update(ra.y().data(), 32);
    h.update(rb.x().data(), 32);
    h.update(rb.y().data(), 32);
    h.finish(inner.data());
  }
  Bytes32 s02, s03;
  confirmation(s02, 0x02, ys, inner);
  confirmation(s03, 0x03, ys, inner);
  result.confirmation = initiator ? s03 : s02;
  result.expected_peer = initiator ? s02 : s03;
  secure_wipe(xs.data(), 32);
  secure_wipe(ys.data(), 32);
  secure_wipe(inner.data(), 32);
  return result;
}

Status check_confirmation(const ExchangeResult& result, ByteView received) {
  if (received.size() != 32 || !ct_equal(received, result.expected_peer)) {
    return Error(Errc::bad_signature, "SM2 key exchange confirmation does not match");
  }
  return {};
}

}  // namespace medsign::crypto::sm2
