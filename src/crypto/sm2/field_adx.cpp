// Montgomery multiplication and squaring mod p with the BMI2/ADX instructions (MULX, ADCX, ADOX), and
// fp_mul/fp_sqr, which use them when cpuid reports BMI2 and ADX and the portable code (field.cpp)
// otherwise. Straight-line code: constant time.
#include "crypto/sm2/field.h"

#include <cstdlib>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace medsign::crypto::sm2::detail {

#if defined(__x86_64__)

namespace {

// One row of the operand-scanning product: T[i..i+4] += a·b[i], with the carries of the low and high
// halves in two independent chains (OF for ADOX, CF for ADCX). T4 is written fresh.
#define MEDSIGN_ADX_ROW(i, T0, T1, T2, T3, T4)        \
  "movq 8*" #i "(%[b]), %%rdx\n\t"                    \
  "xorq %[z], %[z]\n\t"                               \
  "mulxq 0(%[a]), %[lo], %[hi]\n\t"                   \
  "adoxq %[lo], %[" #T0 "]\n\t"                       \
  "adcxq %[hi], %[" #T1 "]\n\t"                       \
  "mulxq 8(%[a]), %[lo], %[hi]\n\t"                   \
  "adoxq %[lo], %[" #T1 "]\n\t"                       \
  "adcxq %[hi], %[" #T2 "]\n\t"                       \
  "mulxq 16(%[a]), %[lo], %[hi]\n\t"                  \
  "adoxq %[lo], %[" #T2 "]\n\t"                       \
  "adcxq %[hi], %[" #T3 "]\n\t"                       \
  "mulxq 24(%[a]), %[lo], %[" #T4 "]\n\t"             \
  "adoxq %[lo], %[" #T3 "]\n\t"                       \
  "adcxq %[z], %[" #T4 "]\n\t"                        \
  "adoxq %[z], %[" #T4 "]\n\t"                        \
  "movq %[" #T0 "], 8*" #i "(%[t])\n\t"

// t[0..7] = a·b.
void mul512(u64 t[8], const U256& a, const U256& b) {
  u64 r0, r1, r2, r3, r4, lo, hi, z;
  __asm__ volatile(
      "movq 0(%[b]), %%rdx\n\t"
      "mulxq 0(%[a]), %[r0], %[r1]\n\t"
      "mulxq 8(%[a]), %[lo], %[r2]\n\t"
      "addq %[lo], %[r1]\n\t"
      "mulxq 16(%[a]), %[lo], %[r3]\n\t"
      "adcq %[lo], %[r2]\n\t"
      "mulxq 24(%[a]), %[lo], %[r4]\n\t"
      "adcq %[lo], %[r3]\n\t"
      "adcq $0, %[r4]\n\t"
      "movq %[r0], 0(%[t])\n\t"
      MEDSIGN_ADX_ROW(1, r1, r2, r3, r4, r0)
      MEDSIGN_ADX_ROW(2, r2, r3, r4, r0, r1)
      MEDSIGN_ADX_ROW(3, r3, r4, r0, r1, r2)
      "movq %[r4], 32(%[t])\n\t"
      "movq %[r0], 40(%[t])\n\t"
      "movq %[r1], 48(%[t])\n\t"
      "movq %[r2], 56(%[t])\n\t"
      : [r0] "=&r"(r0), [r1] "=&r"(r1), [r2] "=&r"(r2), [r3] "=&r"(r3), [r4] "=&r"(r4), [lo] "=&r"(lo),
        [hi] "=&r"(hi), [z] "=&r"(z)
      : [a] "r"(a.v), [b] "r"(b.v), [t] "r"(t)
      : "rdx", "cc", "memory");
}
#undef MEDSIGN_ADX_ROW

// t[0..7] = a^2: the six cross products, doubled, plus the four squares.
void sqr512(u64 t[8], const U256& a) {
  u64 t0, t1, t2, t3, t4, t5, t6, t7, lo, hi;
  __asm__ volatile(
      "movq 0(%[a]), %%rdx\n\t"
      "mulxq 8(%[a]), %[t1], %[t2]\n\t"
      "mulxq 16(%[a]), %[lo], %[t3]\n\t"
      "addq %[lo], %[t2]\n\t"
      "mulxq 24(%[a]), %[lo], %[t4]\n\t"
      "adcq %[lo], %[t3]\n\t"
      "adcq $0, %[t4]\n\t"
      "movq 8(%[a]), %%rdx\n\t"
      "mulxq 16(%[a]), %[lo], %[hi]\n\t"
      "mulxq 24(%[a]), %[t0], %[t5]\n\t"
      "addq %[lo], %[t3]\n\t"
      "adcq %[hi], %[t4]\n\t"
      "adcq $0, %[t5]\n\t"
      "addq %[t0], %[t4]\n\t"
      "adcq $0, %[t5]\n\t"
      "movq 16(%[a]), %%rdx\n\t"
      "mulxq 24(%[a]), %[lo], %[t6]\n\t"
      "addq %[lo], %[t5]\n\t"
      "adcq $0, %[t6]\n\t"
      "xorq %[t7], %[t7]\n\t"
      "addq %[t1], %[t1]\n\t"
      "adcq %[t2], %[t2]\n\t"
      "adcq %[t3], %[t3]\n\t"
      "adcq %[t4], %[t4]\n\t"
      "adcq %[t5], %[t5]\n\t"
      "adcq %[t6], %[t6]\n\t"
      "adcq $0, %[t7]\n\t"
      "movq 0(%[a]), %%rdx\n\t"
      "mulxq %%rdx, %[t0], %[hi]\n\t"
      "addq %[hi], %[t1]\n\t"
      "movq 8(%[a]), %%rdx\n\t"
      "mulxq %%rdx, %[lo], %[hi]\n\t"
      "adcq %[lo], %[t2]\n\t"
      "adcq %[hi], %[t3]\n\t"
      "movq 16(%[a]), %%rdx\n\t"
      "mulxq %%rdx, %[lo], %[hi]\n\t"
      "adcq %[lo], %[t4]\n\t"
      "adcq %[hi], %[t5]\n\t"
      "movq 24(%[a]), %%rdx\n\t"
      "mulxq %%rdx, %[lo], %[hi]\n\t"
      "adcq %[lo], %[t6]\n\t"
      "adcq %[hi], %[t7]\n\t"
      "movq %[t0], 0(%[t])\n\t"
      "movq %[t1], 8(%[t])\n\t"
      "movq %[t2], 16(%[t])\n\t"
      "movq %[t3], 24(%[t])\n\t"
      "movq %[t4], 32(%[t])\n\t"
      "movq %[t5], 40(%[t])\n\t"
      "movq %[t6], 48(%[t])\n\t"
      "movq %[t7], 56(%[t])\n\t"
      : [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3), [t4] "=&r"(t4), [t5] "=&r"(t5),
        [t6] "=&r"(t6), [t7] "=&r"(t7), [lo] "=&r"(lo), [hi] "=&r"(hi)
      : [a] "r"(a.v), [t] "r"(t)
      : "rdx", "cc", "memory");
}

// One Montgomery round (n0 = 1, m = A0): (A0..A5) += m·p, after which A0 is zero and A1..A5 carry the
// value. m·p = m·2^256 - m·2^224 - m·2^96 + m·2^64 - m; with u = m·(2^32 - 1) (96 bits, in rdx:rax) this
// subtracts u at limb 1 and adds u·2^32 at limb 3.
#define MEDSIGN_REDC_ROUND(A0, A1, A2, A3, A4, A5) \
  "xorl %k[" #A5 "], %k[" #A5 "]\n\t"              \
  "movq %[" #A0 "], %%rax\n\t"                     \
  "shlq $32, %%rax\n\t"                            \
  "movq %[" #A0 "], %%rdx\n\t"                     \
  "shrq $32, %%rdx\n\t"                            \
  "subq %[" #A0 "], %%rax\n\t"                     \
  "sbbq $0, %%rdx\n\t"                             \
  "movq %%rdx, %[c]\n\t"                           \
  "shldq $32, %%rax, %[c]\n\t"                     \
  "movq %%rax, %%rcx\n\t"                          \
  "shlq $32, %%rcx\n\t"                            \
  "subq %%rax, %[" #A1 "]\n\t"                     \
  "sbbq %%rdx, %[" #A2 "]\n\t"                     \
  "sbbq $0, %[" #A3 "]\n\t"                        \
  "sbbq $0, %[" #A4 "]\n\t"                        \
  "sbbq $0, %[" #A5 "]\n\t"                        \
  "addq %%rcx, %[" #A3 "]\n\t"                     \
  "adcq %[c], %[" #A4 "]\n\t"                      \
  "adcq $0, %[" #A5 "]\n\t"

// r = t·2^-256 mod p for t < p^2: reduces the low half (giving W <= p), adds the high half (W + H < 2p)
// and subtracts p once if needed.
void redc(U256& r, const u64 t[8]) {
  u64 r0 = t[0], r1 = t[1], r2 = t[2], r3 = t[3], r4 = 0, r5 = 0, c;
  __asm__ volatile(
      MEDSIGN_REDC_ROUND(r0, r1, r2, r3, r4, r5)
      MEDSIGN_REDC_ROUND(r1, r2, r3, r4, r5, r0)
      MEDSIGN_REDC_ROUND(r2, r3, r4, r5, r0, r1)
      MEDSIGN_REDC_ROUND(r3, r4, r5, r0, r1, r2)
      "addq 32(%[t]), %[r4]\n\t"
      "adcq 40(%[t]), %[r5]\n\t"
      "adcq 48(%[t]), %[r0]\n\t"
      "adcq 56(%[t]), %[r1]\n\t"
      "adcq $0, %[r2]\n\t"
      "movq %[r4], %%rax\n\t"
      "movq %[r5], %%rcx\n\t"
      "movq %[r0], %%rdx\n\t"
      "movq %[r1], %[c]\n\t"
      "subq $-1, %%rax\n\t"
      "sbbq %[p1], %%rcx\n\t"
      "sbbq $-1, %%rdx\n\t"
      "sbbq %[p3], %[c]\n\t"
      "sbbq $0, %[r2]\n\t"
      "cmovcq %[r4], %%rax\n\t"
      "cmovcq %[r5], %%rcx\n\t"
      "cmovcq %[r0], %%rdx\n\t"
      "cmovcq %[r1], %[c]\n\t"
      "movq %%rax, 0(%[out])\n\t"
      "movq %%rcx, 8(%[out])\n\t"
      "movq %%rdx, 16(%[out])\n\t"
      "movq %[c], 24(%[out])\n\t"
      : [r0] "+&r"(r0), [r1] "+&r"(r1), [r2] "+&r"(r2), [r3] "+&r"(r3), [r4] "+&r"(r4), [r5] "+&r"(r5),
        [c] "=&r"(c)
      : [t] "r"(t), [out] "r"(r.v), [p1] "m"(kPLimb13[0]), [p3] "m"(kPLimb13[1])
      : "rax", "rcx", "rdx", "cc", "memory");
}
#undef MEDSIGN_REDC_ROUND

bool detect_adx() {
  const char* off = std::getenv("MEDSIGN_SM2_NO_ADX");
  if (off != nullptr && *off != '\0' && *off != '0') return false;
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d) == 0) return false;
  constexpr unsigned kBmi2 = 1u << 8, kAdx = 1u << 19;
  return (b & kBmi2) != 0 && (b & kAdx) != 0;
}

// Read before its dynamic initialisation it is false, which selects the portable code: still correct.
const bool g_adx = detect_adx();

}  // namespace

bool fp_have_adx() { return g_adx; }

void fp_mul_adx(U256& r, const U256& a, const U256& b) {
  u64 t[8];
  mul512(t, a, b);
  redc(r, t);
}

void fp_sqr_adx(U256& r, const U256& a) {
  u64 t[8];
  sqr512(t, a);
  redc(r, t);
}

void fp_mul(U256& r, const U256& a, const U256& b) {
  if (g_adx) {
    u64 t[8];
    mul512(t, a, b);
    redc(r, t);
  } else {
    fp_mul_portable(r, a, b);
  }
}

void fp_sqr(U256& r, const U256& a) {
  if (g_adx) {
    u64 t[8];
    sqr512(t, a);
    redc(r, t);
  } else {
    fp_mul_portable(r, a, a);
  }
}

#endif

}  // namespace medsign::crypto::sm2::detail
