#include "crypto/sm2/field.h"

namespace medsign::crypto::sm2::detail {

#if defined(__x86_64__)

// One Montgomery round for p (n0 = 1): acc += a·b[i]; m = acc0; acc = (acc + m·p) / 2^64. With
// p = 2^256 - 2^224 - 2^96 + 2^64 - 1 the added multiple is, after the shift, u·2^160 - u for
// u = m·(2^32 - 1), so the round needs no multiplication for the reduction.
#define MEDSIGN_SM2_ROUND(i, A0, A1, A2, A3, A4, A5)                                        \
  "movq 8*" #i "(%[b]), %%rcx\n\t"                                                          \
  "movq 0(%[a]), %%rax\n\t"                                                                 \
  "mulq %%rcx\n\t"                                                                          \
  "addq %%rax, %[" #A0 "]\n\t"                                                              \
  "adcq $0, %%rdx\n\t"                                                                      \
  "movq %%rdx, %[c]\n\t"                                                                    \
  "movq 8(%[a]), %%rax\n\t"                                                                 \
  "mulq %%rcx\n\t"                                                                          \
  "addq %[c], %%rax\n\t"                                                                    \
  "adcq $0, %%rdx\n\t"                                                                      \
  "addq %%rax, %[" #A1 "]\n\t"                                                              \
  "adcq $0, %%rdx\n\t"                                                                      \
  "movq %%rdx, %[c]\n\t"                                                                    \
  "movq 16(%[a]), %%rax\n\t"                                                                \
  "mulq %%rcx\n\t"                                                                          \
  "addq %[c], %%rax\n\t"                                                                    \
  "adcq $0, %%rdx\n\t"                                                                      \
  "addq %%rax, %[" #A2 "]\n\t"                                                              \
  "adcq $0, %%rdx\n\t"                                                                      \
  "movq %%rdx, %[c]\n\t"                                                                    \
  "movq 24(%[a]), %%rax\n\t"                                                                \
  "mulq %%rcx\n\t"                                                                          \
  "addq %[c], %%rax\n\t"                                                                    \
  "adcq $0, %%rdx\n\t"                                                                      \
  "addq %%rax, %[" #A3 "]\n\t"                                                              \
  "adcq $0, %%rdx\n\t"                                                                      \
  "addq %%rdx, %[" #A4 "]\n\t"                                                              \
  "movq $0, %[" #A5 "]\n\t"                                                                 \
  "adcq $0, %[" #A5 "]\n\t"                                                                 \
  "movq %[" #A0 "], %%rax\n\t"                                                              \
  "shlq $32, %%rax\n\t"                                                                     \
  "movq %[" #A0 "], %%rdx\n\t"                                                              \
  "shrq $32, %%rdx\n\t"                                                                     \
  "subq %[" #A0 "], %%rax\n\t"                                                              \
  "sbbq $0, %%rdx\n\t"                                                                      \
  "movq %%rdx, %[c]\n\t"                                                                    \
  "shldq $32, %%rax, %[c]\n\t"                                                              \
  "movq %%rax, %%rcx\n\t"                                                                   \
  "shlq $32, %%rcx\n\t"                                                                     \
  "subq %%rax, %[" #A1 "]\n\t"                                                              \
  "sbbq %%rdx, %[" #A2 "]\n\t"                                                              \
  "sbbq $0, %[" #A3 "]\n\t"                                                                 \
  "sbbq $0, %[" #A4 "]\n\t"                                                                 \
  "sbbq $0, %[" #A5 "]\n\t"                                                                 \
  "addq %%rcx, %[" #A3 "]\n\t"                                                              \
  "adcq %[c], %[" #A4 "]\n\t"                                                               \
  "adcq $0, %[" #A5 "]\n\t"

void fp_mul_portable(U256& r, const U256& a, const U256& b) {
  u64 r0 = 0, r1 = 0, r2 = 0, r3 = 0, r4 = 0, r5 = 0, c;
  __asm__(MEDSIGN_SM2_ROUND(0, r0, r1, r2, r3, r4, r5)
          MEDSIGN_SM2_ROUND(1, r1, r2, r3, r4, r5, r0)
          MEDSIGN_SM2_ROUND(2, r2, r3, r4, r5, r0, r1)
          MEDSIGN_SM2_ROUND(3, r3, r4, r5, r0, r1, r2)
          : [r0] "+&r"(r0), [r1] "+&r"(r1), [r2] "+&r"(r2), [r3] "+&r"(r3), [r4] "+&r"(r4), [r5] "+&r"(r5),
            [c] "=&r"(c)
          : [a] "r"(a.v), [b] "r"(b.v)
          : "rax", "rcx", "rdx", "cc", "memory");
  U256 lo{{r4, r5, r0, r1}};
  reduce_once(r, lo, r2, kP.m);
}
#undef MEDSIGN_SM2_ROUND
// fp_mul, fp_sqr and fp_have_adx for x86-64 are in field_adx.cpp, next to the code they choose.
#else
void fp_mul_portable(U256& r, const U256& a, const U256& b) { mont_mul<kP>(r, a, b); }
void fp_mul(U256& r, const U256& a, const U256& b) { mont_mul<kP>(r, a, b); }
void fp_sqr(U256& r, const U256& a) { mont_mul<kP>(r, a, a); }
bool fp_have_adx() { return false; }
#endif

namespace {

void fp_sqr_n(U256& r, const U256& a, int n) {
  r = a;
  for (int i = 0; i < n; ++i) fp_sqr(r, r);
}

// Montgomery-domain exponentiation by a public exponent (big-endian bit scan).
template <const Modulus& M>
void mont_pow_public(U256& r, const U256& a, const U256& e) {
  U256 acc = M.one;
  for (int i = 255; i >= 0; --i) {
    mont_mul<M>(acc, acc, acc);
    if ((e.v[i / 64] >> (i % 64)) & 1) mont_mul<M>(acc, acc, a);
  }
  r = acc;
}

}  // namespace

// p - 2 = 2^256 - 2^224 - 2^96 + 2^64 - 3, read from the top as 31 ones, a zero, 128 ones, 32 zeros,
// 32 ones, 30 ones, a zero and a one. x_k below is a^(2^k - 1).
void fp_inv(U256& r, const U256& a) {
  U256 x1 = a, x2, x3, x4, x6, x7, x8, x15, x16, x30, x31, x32, t;
  fp_sqr(t, x1);
  fp_mul(x2, t, x1);
  fp_sqr(t, x2);
  fp_mul(x3, t, x1);
  fp_sqr_n(t, x2, 2);
  fp_mul(x4, t, x2);
  fp_sqr_n(t, x3, 3);
  fp_mul(x6, t, x3);
  fp_sqr(t, x6);
  fp_mul(x7, t, x1);
  fp_sqr_n(t, x4, 4);
  fp_mul(x8, t, x4);
  fp_sqr_n(t, x8, 7);
  fp_mul(x15, t, x7);
  fp_sqr_n(t, x8, 8);
  fp_mul(x16, t, x8);
  fp_sqr_n(t, x15, 15);
  fp_mul(x30, t, x15);
  fp_sqr(t, x30);
  fp_mul(x31, t, x1);
  fp_sqr_n(t, x16, 16);
  fp_mul(x32, t, x16);

  U256 acc;
  fp_sqr_n(acc, x31, 1);  // 31 ones, then a zero
  for (int i = 0; i < 4; ++i) {  // 128 ones
    fp_sqr_n(acc, acc, 32);
    fp_mul(acc, acc, x32);
  }
  fp_sqr_n(acc, acc, 32);  // 32 zeros
  fp_sqr_n(acc, acc, 32);  // 32 ones
  fp_mul(acc, acc, x32);
  fp_sqr_n(acc, acc, 30);  // 30 ones
  fp_mul(acc, acc, x30);
  fp_sqr_n(acc, acc, 2);  // "01"
  fp_mul(r, acc, x1);
}

bool fp_sqrt_vartime(U256& r, const U256& a) {
  // p ≡ 3 (mod 4): candidate = a^((p+1)/4).
  static constexpr U256 kExp = {
      {0x4000000000000000ULL, 0xffffffffc0000000ULL, 0xffffffffffffffffULL, 0x3fffffffbfffffffULL}};
  U256 c, c2;
  mont_pow_public<kP>(c, a, kExp);
  fp_sqr(c2, c);
  if (!equal(c2, a)) return false;
  r = c;
  return true;
}

void fn_mont_inv(U256& r, const U256& am) {
  mont_pow_public<kN>(r, am, kNMinus2);
}

U256 u256_from_be(const std::uint8_t in[32]) {
  U256 r;
  for (int i = 0; i < 4; ++i) {
    u64 w = 0;
    for (int j = 0; j < 8; ++j) w = (w << 8) | in[(3 - i) * 8 + j];
    r.v[i] = w;
  }
  return r;
}

void u256_to_be(std::uint8_t out[32], const U256& a) {
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 8; ++j) out[(3 - i) * 8 + j] = static_cast<std::uint8_t>(a.v[i] >> (56 - 8 * j));
  }
}

}  // namespace medsign::crypto::sm2::detail
