// VerifyingKey (per-key table, 65 doublings) against the plain verification path and the generic
// double-scalar multiplication.
#include <gtest/gtest.h>
#include <openssl/rand.h>

#include "crypto/sm2/internal.h"

namespace medsign::crypto::sm2 {
namespace {

using detail::U256;

U256 random_u256() {
  std::uint8_t b[32];
  RAND_bytes(b, sizeof b);
  return detail::u256_from_be(b);
}

bool same_point(const detail::JacobianPoint& a, const detail::JacobianPoint& b) {
  detail::AffinePoint x, y;
  std::uint64_t fa = detail::to_affine(x, a), fb = detail::to_affine(y, b);
  if (fa != fb) return false;
  return fa == 0 || (detail::equal(x.x, y.x) && detail::equal(x.y, y.y));
}

TEST(Sm2VerifyingKey, TableMultMatchesGenericOnRandomAndEdgeScalars) {
  for (int k = 0; k < 8; ++k) {
    PrivateKey priv = generate_key().value();
    detail::AffinePoint p = detail::affine_from_public(priv.public_key());
    detail::PointTable table;
    detail::point_table_build(table, p);
    std::vector<U256> scalars = {U256{{0, 0, 0, 0}}, U256{{1, 0, 0, 0}}, U256{{~0ULL, 0, 0, 0}},
                                 U256{{0, ~0ULL, 0, 0}}, U256{{0, 0, 0, 1}}, U256{{~0ULL, ~0ULL, ~0ULL, 0}}};
    U256 nm1;
    detail::sub_borrow(nm1, detail::kN.m, U256{{1, 0, 0, 0}});
    scalars.push_back(nm1);
    for (int i = 0; i < 40; ++i) {
      U256 r = random_u256();
      detail::fn_reduce(r, r);
      scalars.push_back(r);
    }
    for (std::size_t i = 0; i < scalars.size(); ++i) {
      const U256& u2 = scalars[i];
      const U256& u1 = scalars[(i * 7 + 3) % scalars.size()];
      detail::JacobianPoint want, got;
      detail::double_scalar_mult_vartime(want, u1, p, u2);
      detail::double_scalar_mult_table_vartime(got, u1, table, u2);
      ASSERT_TRUE(same_point(want, got)) << "key " << k << " scalar " << i;
    }
  }
}

TEST(Sm2VerifyingKey, SameVerdictsAsPlainVerification) {
  for (int k = 0; k < 6; ++k) {
    PrivateKey priv = generate_key().value();
    VerifyingKey vk(priv.public_key());
    EXPECT_EQ(vk.public_key(), priv.public_key());
    PrivateKey other = generate_key().value();
    for (int i = 0; i < 60; ++i) {
      std::uint8_t e[32];
      RAND_bytes(e, sizeof e);
      Signature sig = sign_digest(i % 5 == 4 ? other : priv, ByteView(e, 32)).value();
      if (i % 7 == 3) sig.s[31] ^= 1;
      if (i % 11 == 5) e[0] ^= 0x80;
      Status plain = verify_digest(priv.public_key(), ByteView(e, 32), sig);
      Status tabled = verify_digest(vk, ByteView(e, 32), sig);
      ASSERT_EQ(plain.ok(), tabled.ok()) << k << " " << i;
      if (!plain.ok()) {
        EXPECT_EQ(plain.error().code, tabled.error().code);
      }
      EXPECT_EQ(plain.ok(), i % 5 != 4 && i % 7 != 3 && i % 11 != 5);
    }
    Signature zero{};
    EXPECT_EQ(verify_digest(vk, Bytes(32), zero).error().code, Errc::bad_signature);
    EXPECT_EQ(verify_digest(vk, Bytes(31), zero).error().code, Errc::invalid_argument);
  }
}

}  // namespace
}  // namespace medsign::crypto::sm2
