// Field, scalar and point arithmetic against OpenSSL BIGNUM / EC_POINT on random and edge inputs.
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include <vector>

#include "crypto/sm2/internal.h"
#include "sm2_openssl.h"

namespace medsign::crypto::sm2 {
namespace {

using detail::U256;
using detail::u64;

struct BnCtx {
  BN_CTX* ctx = BN_CTX_new();
  BIGNUM* p = BN_new();
  BIGNUM* n = BN_new();
  BnCtx() {
    BN_hex2bn(&p, "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF");
    BN_hex2bn(&n, "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123");
  }
  ~BnCtx() {
    BN_free(p);
    BN_free(n);
    BN_CTX_free(ctx);
  }
};

BIGNUM* to_bn(const U256& a) {
  std::uint8_t b[32];
  detail::u256_to_be(b, a);
  return BN_bin2bn(b, 32, nullptr);
}

U256 from_bn(const BIGNUM* bn) {
  std::uint8_t b[32];
  BN_bn2binpad(bn, b, 32);
  return detail::u256_from_be(b);
}

U256 random_below(const BIGNUM* m) {
  BIGNUM* r = BN_new();
  BN_rand_range(r, m);
  U256 v = from_bn(r);
  BN_free(r);
  return v;
}

// Random values plus the edges 0, 1, 2, m-1, m-2.
std::vector<U256> samples(const BIGNUM* m, int random_count) {
  std::vector<U256> out;
  U256 mm = from_bn(m);
  out.push_back({{0, 0, 0, 0}});
  out.push_back({{1, 0, 0, 0}});
  out.push_back({{2, 0, 0, 0}});
  U256 t;
  detail::sub_borrow(t, mm, U256{{1, 0, 0, 0}});
  out.push_back(t);
  detail::sub_borrow(t, mm, U256{{2, 0, 0, 0}});
  out.push_back(t);
  out.push_back({{~0ULL, ~0ULL, 0, 0}});
  for (int i = 0; i < random_count; ++i) out.push_back(random_below(m));
  return out;
}

U256 fp_in(const U256& a) {
  U256 r;
  detail::fp_to_mont(r, a);
  return r;
}
U256 fp_out(const U256& a) {
  U256 r;
  detail::fp_from_mont(r, a);
  return r;
}

void expect_eq(const U256& ours, const BIGNUM* ref, const char* what) {
  U256 want = from_bn(ref);
  EXPECT_TRUE(detail::equal(ours, want)) << what;
}

TEST(Sm2Field, MatchesBignumOnRandomAndEdgeInputs) {
  BnCtx c;
  const int n = static_cast<int>(test::iterations("MEDSIGN_SM2_ARITH", 300, 60));
  auto xs = samples(c.p, n);
  auto ys = samples(c.p, n);
  BIGNUM* r = BN_new();
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const U256& a = xs[i];
    const U256& b = ys[(i * 7 + 3) % ys.size()];
    BIGNUM *ba = to_bn(a), *bb = to_bn(b);
    U256 out;
    detail::fp_mul(out, fp_in(a), fp_in(b));
    BN_mod_mul(r, ba, bb, c.p, c.ctx);
    expect_eq(fp_out(out), r, "mul");
    detail::fp_sqr(out, fp_in(a));
    BN_mod_sqr(r, ba, c.p, c.ctx);
    expect_eq(fp_out(out), r, "sqr");
    detail::fp_add(out, a, b);
    BN_mod_add(r, ba, bb, c.p, c.ctx);
    expect_eq(out, r, "add");
    detail::fp_sub(out, a, b);
    BN_mod_sub(r, ba, bb, c.p, c.ctx);
    expect_eq(out, r, "sub");
    detail::fp_inv(out, fp_in(a));
    if (BN_is_zero(ba)) {
      EXPECT_TRUE(detail::is_zero(out));
    } else {
      BN_mod_inverse(r, ba, c.p, c.ctx);
      expect_eq(fp_out(out), r, "inv");
    }
    U256 sq, root;
    detail::fp_sqr(sq, fp_in(a));
    ASSERT_TRUE(detail::fp_sqrt_vartime(root, sq));
    U256 back;
    detail::fp_sqr(back, root);
    EXPECT_TRUE(detail::equal(back, sq)) << "sqrt";
    BN_free(ba);
    BN_free(bb);
  }
  BN_free(r);
}

TEST(Sm2Scalar, MatchesBignumOnRandomAndEdgeInputs) {
  BnCtx c;
  const int n = static_cast<int>(test::iterations("MEDSIGN_SM2_ARITH", 300, 60));
  auto xs = samples(c.n, n);
  BIGNUM* r = BN_new();
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const U256& a = xs[i];
    const U256& b = xs[(i * 5 + 1) % xs.size()];
    BIGNUM *ba = to_bn(a), *bb = to_bn(b);
    U256 out;
    detail::fn_mul(out, a, b);
    BN_mod_mul(r, ba, bb, c.n, c.ctx);
    expect_eq(out, r, "mul");
    detail::fn_add(out, a, b);
    BN_mod_add(r, ba, bb, c.n, c.ctx);
    expect_eq(out, r, "add");
    detail::fn_sub(out, a, b);
    BN_mod_sub(r, ba, bb, c.n, c.ctx);
    expect_eq(out, r, "sub");
    if (!BN_is_zero(ba)) {
      U256 am, inv, plain;
      detail::fn_mont_mul(am, a, detail::kN.rr);
      detail::fn_mont_inv(inv, am);
      detail::fn_mont_mul(plain, inv, U256{{1, 0, 0, 0}});
      BN_mod_inverse(r, ba, c.n, c.ctx);
      expect_eq(plain, r, "inv");
    }
    BN_free(ba);
    BN_free(bb);
  }
  // Reduction of values in [n, 2^256).
  U256 big{{~0ULL, ~0ULL, ~0ULL, ~0ULL}}, red;
  detail::fn_reduce(red, big);
  BIGNUM* bbig = to_bn(big);
  BN_nnmod(r, bbig, c.n, c.ctx);
  expect_eq(red, r, "reduce");
  BN_free(bbig);
  BN_free(r);
}

// Scalars where windowed methods tend to break: small, near n, near 2^(7j) and 2^(5j) boundaries.
std::vector<U256> edge_scalars() {
  BnCtx c;
  std::vector<U256> out;
  U256 n = detail::kN.m;
  for (u64 small = 1; small <= 70; ++small) out.push_back({{small, 0, 0, 0}});
  for (u64 k = 1; k <= 70; ++k) {
    U256 t;
    detail::sub_borrow(t, n, U256{{k, 0, 0, 0}});
    out.push_back(t);
  }
  for (int bit = 0; bit < 256; bit += 5) {
    U256 t{{0, 0, 0, 0}};
    t.v[bit / 64] = 1ULL << (bit % 64);
    out.push_back(t);
    U256 m1;
    detail::sub_borrow(m1, t, U256{{1, 0, 0, 0}});
    if (!detail::is_zero(m1)) out.push_back(m1);
  }
  for (int bit = 0; bit < 256; bit += 7) {
    U256 t{{0, 0, 0, 0}};
    t.v[bit / 64] = 1ULL << (bit % 64);
    detail::fn_sub(t, n, t);  // n - 2^bit
    out.push_back(t);
  }
  out.push_back({{0x5555555555555555ULL, 0xAAAAAAAAAAAAAAAAULL, 0x5555555555555555ULL, 0x2AAAAAAAAAAAAAAAULL}});
  for (int i = 0; i < 200; ++i) out.push_back(random_below(c.n));
  return out;
}

TEST(Sm2Point, BaseTableGenericLadderAndOpenSslAgree) {
  EC_GROUP* group = EC_GROUP_new_by_curve_name(NID_sm2);
  ASSERT_NE(group, nullptr);
  EC_POINT* ref = EC_POINT_new(group);
  BN_CTX* ctx = BN_CTX_new();
  BIGNUM *x = BN_new(), *y = BN_new();
  for (const U256& k : edge_scalars()) {
    detail::JacobianPoint comb, ladder;
    detail::scalar_mult_base(comb, k);
    detail::scalar_mult(ladder, detail::generator(), k);
    detail::AffinePoint a, b;
    ASSERT_TRUE(detail::to_affine(a, comb));
    ASSERT_TRUE(detail::to_affine(b, ladder));
    BIGNUM* bk = to_bn(k);
    ASSERT_EQ(EC_POINT_mul(group, ref, bk, nullptr, nullptr, ctx), 1);
    ASSERT_EQ(EC_POINT_get_affine_coordinates(group, ref, x, y, ctx), 1);
    EXPECT_TRUE(detail::equal(fp_out(a.x), from_bn(x)) && detail::equal(fp_out(a.y), from_bn(y)))
        << "comb disagrees with OpenSSL";
    EXPECT_TRUE(detail::equal(a.x, b.x) && detail::equal(a.y, b.y)) << "ladder disagrees with comb";
    BN_free(bk);
  }
  BN_free(x);
  BN_free(y);
  BN_CTX_free(ctx);
  EC_POINT_free(ref);
  EC_GROUP_free(group);
}

TEST(Sm2Point, DoubleScalarMatchesSeparateProducts) {
  auto scalars = edge_scalars();
  detail::AffinePoint p;
  detail::JacobianPoint pj;
  detail::scalar_mult_base(pj, scalars.back());
  ASSERT_TRUE(detail::to_affine(p, pj));
  for (std::size_t i = 0; i < scalars.size(); ++i) {
    const U256& u1 = scalars[i];
    const U256& u2 = scalars[(i * 13 + 7) % scalars.size()];
    detail::JacobianPoint a, b, sum, got;
    detail::scalar_mult_base(a, u1);
    detail::scalar_mult(b, p, u2);
    detail::point_add(sum, a, b);
    detail::double_scalar_mult_vartime(got, u1, p, u2);
    detail::AffinePoint want_a, got_a;
    u64 want_finite = detail::to_affine(want_a, sum), got_finite = detail::to_affine(got_a, got);
    ASSERT_EQ(want_finite, got_finite);
    if (want_finite) {
      EXPECT_TRUE(detail::equal(want_a.x, got_a.x) && detail::equal(want_a.y, got_a.y)) << i;
    }
  }
  // u1·G + u2·G with u1 + u2 = n is infinity; u1 = u2 exercises doubling inside the final addition.
  U256 one{{1, 0, 0, 0}}, n1;
  detail::sub_borrow(n1, detail::kN.m, one);
  detail::JacobianPoint r;
  detail::double_scalar_mult_vartime(r, one, detail::generator(), n1);
  EXPECT_TRUE(detail::is_zero(r.z));
  detail::double_scalar_mult_vartime(r, n1, detail::generator(), n1);
  detail::AffinePoint a;
  ASSERT_TRUE(detail::to_affine(a, r));
  detail::JacobianPoint want;
  detail::scalar_mult_base(want, U256{{detail::kN.m.v[0] - 2, detail::kN.m.v[1], detail::kN.m.v[2], detail::kN.m.v[3]}});
  detail::AffinePoint wa;
  ASSERT_TRUE(detail::to_affine(wa, want));
  EXPECT_TRUE(detail::equal(a.x, wa.x) && detail::equal(a.y, wa.y));
}

TEST(Sm2Point, CompleteAdditionHandlesInfinityAndDoubling) {
  detail::JacobianPoint g = {detail::generator().x, detail::generator().y, detail::kP.one};
  detail::JacobianPoint inf = {detail::kP.one, detail::kP.one, {}};
  detail::JacobianPoint r, d;
  detail::point_add(r, g, inf);
  detail::AffinePoint a;
  ASSERT_TRUE(detail::to_affine(a, r));
  EXPECT_TRUE(detail::equal(a.x, detail::generator().x));
  detail::point_add(r, inf, g);
  ASSERT_TRUE(detail::to_affine(a, r));
  EXPECT_TRUE(detail::equal(a.x, detail::generator().x));
  detail::point_add(r, g, g);
  detail::point_double(d, g);
  detail::AffinePoint da;
  ASSERT_TRUE(detail::to_affine(a, r));
  ASSERT_TRUE(detail::to_affine(da, d));
  EXPECT_TRUE(detail::equal(a.x, da.x) && detail::equal(a.y, da.y));
  detail::JacobianPoint neg = g;
  detail::fp_neg(neg.y, neg.y);
  detail::point_add(r, g, neg);
  EXPECT_TRUE(detail::is_zero(r.z));
}

}  // namespace
}  // namespace medsign::crypto::sm2
