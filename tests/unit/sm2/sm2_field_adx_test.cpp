// The MULX/ADX field code against the portable code, on random and edge inputs (both paths must agree
// bit for bit; the portable code is itself checked against BIGNUM in sm2_arith_test.cpp).
#include <gtest/gtest.h>
#include <openssl/rand.h>

#include <vector>

#include "crypto/sm2/field.h"

namespace medsign::crypto::sm2 {
namespace {

using detail::U256;
using detail::u64;

U256 random_element() {
  std::uint8_t b[32];
  RAND_bytes(b, sizeof b);
  U256 a = detail::u256_from_be(b);
  if (!detail::less_than(a, detail::kP.m)) detail::sub_borrow(a, a, detail::kP.m);
  return a;
}

std::vector<U256> edge_elements() {
  const U256& p = detail::kP.m;
  std::vector<U256> v = {U256{{0, 0, 0, 0}}, U256{{1, 0, 0, 0}}, U256{{2, 0, 0, 0}}, detail::kP.one,
                         detail::kP.rr};
  U256 pm1, pm2;
  detail::sub_borrow(pm1, p, U256{{1, 0, 0, 0}});
  detail::sub_borrow(pm2, p, U256{{2, 0, 0, 0}});
  v.push_back(pm1);
  v.push_back(pm2);
  v.push_back(U256{{~u64{0}, 0, 0, 0}});
  v.push_back(U256{{0, 0, 0, 0xfffffffe00000000ULL}});
  v.push_back(U256{{~u64{0}, ~u64{0}, ~u64{0}, 0xfffffffeffffffffULL - 1}});
  for (int i = 0; i < 4; ++i) {
    U256 w{{0, 0, 0, 0}};
    w.v[i] = ~u64{0} >> (i == 3 ? 32 : 0);
    v.push_back(w);
  }
  return v;
}

TEST(Sm2FieldAdx, MatchesPortableCode) {
#if defined(__x86_64__)
  if (!detail::fp_have_adx()) GTEST_SKIP() << "CPU without BMI2/ADX (or MEDSIGN_SM2_NO_ADX set)";
  std::vector<U256> inputs = edge_elements();
  for (int i = 0; i < 2000; ++i) inputs.push_back(random_element());
  std::size_t checked = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    for (std::size_t j = 0; j < inputs.size(); j += (i < 20 ? 1 : 97)) {
      U256 want, got;
      detail::fp_mul_portable(want, inputs[i], inputs[j]);
      detail::fp_mul_adx(got, inputs[i], inputs[j]);
      ASSERT_TRUE(detail::equal(want, got)) << "mul " << i << " " << j;
      ++checked;
    }
    U256 want, got;
    detail::fp_mul_portable(want, inputs[i], inputs[i]);
    detail::fp_sqr_adx(got, inputs[i]);
    ASSERT_TRUE(detail::equal(want, got)) << "sqr " << i;
    ASSERT_TRUE(detail::less_than(got, detail::kP.m));
  }
  EXPECT_GT(checked, 50000u);
  // In-place use (r aliases an operand), as the point code does.
  U256 a = random_element(), b = random_element(), want;
  detail::fp_mul_portable(want, a, b);
  detail::fp_mul_adx(a, a, b);
  EXPECT_TRUE(detail::equal(want, a));
#else
  GTEST_SKIP() << "x86-64 only";
#endif
}

}  // namespace
}  // namespace medsign::crypto::sm2
