// Internal: arithmetic modulo the SM2 prime p and modulo the group order n, on four 64-bit limbs.
//
// Every function here runs in time independent of the values of its operands (no branches or memory
// indices depend on them); functions whose name ends in _vartime are the exception. Elements are fully
// reduced (< modulus) on input and output. Field elements live in the Montgomery domain (x·2^256 mod p);
// scalars are plain integers mod n unless a name says otherwise.
#pragma once

#include <cstddef>
#include <cstdint>

namespace medsign::crypto::sm2::detail {

using u64 = std::uint64_t;
using u128 = unsigned __int128;

// A 256-bit integer, least significant limb first.
struct U256 {
  u64 v[4];
};

struct Modulus {
  U256 m;
  u64 n0;    // -m^-1 mod 2^64
  U256 rr;   // 2^512 mod m
  U256 one;  // 2^256 mod m (1 in the Montgomery domain)
};

inline constexpr Modulus kP = {
    {{0xffffffffffffffffULL, 0xffffffff00000000ULL, 0xffffffffffffffffULL, 0xfffffffeffffffffULL}},
    1,
    {{0x0000000200000003ULL, 0x00000002ffffffffULL, 0x0000000100000001ULL, 0x0000000400000002ULL}},
    {{0x0000000000000001ULL, 0x00000000ffffffffULL, 0x0000000000000000ULL, 0x0000000100000000ULL}}};

inline constexpr Modulus kN = {
    {{0x53bbf40939d54123ULL, 0x7203df6b21c6052bULL, 0xffffffffffffffffULL, 0xfffffffeffffffffULL}},
    0x327f9e8872350975ULL,
    {{0x901192af7c114f20ULL, 0x3464504ade6fa2faULL, 0x620fc84c3affe0d4ULL, 0x1eb5e412a22b3d3bULL}},
    {{0xac440bf6c62abeddULL, 0x8dfc2094de39fad4ULL, 0x0000000000000000ULL, 0x0000000100000000ULL}}};
// n - 1 and n - 2 of the SM2 group order (upper bound of private keys and nonces; the inversion exponent).
inline constexpr U256 kNMinus1 = {
    {0x53bbf40939d54122ULL, 0x7203df6b21c6052bULL, 0xffffffffffffffffULL, 0xfffffffeffffffffULL}};
inline constexpr U256 kNMinus2 = {
    {0x53bbf40939d54121ULL, 0x7203df6b21c6052bULL, 0xffffffffffffffffULL, 0xfffffffeffffffffULL}};

// Hides a value from the optimiser so that mask arithmetic is not turned back into branches.
inline u64 value_barrier(u64 x) {
  __asm__("" : "+r"(x));
  return x;
}

// All ones if bit (0 or 1) is 1, else 0.
inline u64 mask_from_bit(u64 bit) { return value_barrier(0 - bit); }

// 1 if x == 0, else 0.
inline u64 is_zero_u64(u64 x) { return value_barrier(((x | (0 - x)) >> 63) ^ 1); }

inline u64 is_zero(const U256& a) { return is_zero_u64(a.v[0] | a.v[1] | a.v[2] | a.v[3]); }

inline u64 equal(const U256& a, const U256& b) {
  return is_zero_u64((a.v[0] ^ b.v[0]) | (a.v[1] ^ b.v[1]) | (a.v[2] ^ b.v[2]) | (a.v[3] ^ b.v[3]));
}

// r = mask ? a : r, for mask all ones or zero.
inline void cmov(U256& r, const U256& a, u64 mask) {
  for (int i = 0; i < 4; ++i) r.v[i] = (a.v[i] & mask) | (r.v[i] & ~mask);
}

// r = a - b; returns the borrow (1 when a < b).
inline u64 sub_borrow(U256& r, const U256& a, const U256& b) {
  u64 borrow = 0;
  for (int i = 0; i < 4; ++i) {
    u128 d = static_cast<u128>(a.v[i]) - b.v[i] - borrow;
    r.v[i] = static_cast<u64>(d);
    borrow = static_cast<u64>(d >> 64) & 1;
  }
  return borrow;
}

// r = a + b; returns the carry.
inline u64 add_carry(U256& r, const U256& a, const U256& b) {
  u64 carry = 0;
  for (int i = 0; i < 4; ++i) {
    u128 s = static_cast<u128>(a.v[i]) + b.v[i] + carry;
    r.v[i] = static_cast<u64>(s);
    carry = static_cast<u64>(s >> 64);
  }
  return carry;
}

// 1 if a < b.
inline u64 less_than(const U256& a, const U256& b) {
  U256 t;
  return sub_borrow(t, a, b);
}

// r = (carry·2^256 + t) mod m, for carry·2^256 + t < 2m.
inline void reduce_once(U256& r, const U256& t, u64 carry, const U256& m) {
  U256 s;
  u64 borrow = sub_borrow(s, t, m);
  // Keep t when t < m as a 257-bit number, i.e. when the subtraction borrowed past the carry.
  u64 keep = mask_from_bit(borrow & (carry ^ 1));
  cmov(s, t, keep);
  r = s;
}

template <const Modulus& M>
inline void mod_add(U256& r, const U256& a, const U256& b) {
  U256 t;
  u64 c = add_carry(t, a, b);
  reduce_once(r, t, c, M.m);
}

template <const Modulus& M>
inline void mod_sub(U256& r, const U256& a, const U256& b) {
  U256 t, u;
  u64 borrow = sub_borrow(t, a, b);
  add_carry(u, t, M.m);
  r = t;
  cmov(r, u, mask_from_bit(borrow));
}

template <const Modulus& M>
inline void mod_neg(U256& r, const U256& a) {
  U256 zero{};
  mod_sub<M>(r, zero, a);
}

// Montgomery product r = a·b·2^-256 mod m (operands < m).
template <const Modulus& M>
inline void mont_mul(U256& r, const U256& a, const U256& b) {
  u64 t[6] = {0, 0, 0, 0, 0, 0};
  for (int i = 0; i < 4; ++i) {
    u128 c = 0;
    for (int j = 0; j < 4; ++j) {
      c += static_cast<u128>(a.v[j]) * b.v[i] + t[j];
      t[j] = static_cast<u64>(c);
      c >>= 64;
    }
    c += t[4];
    t[4] = static_cast<u64>(c);
    t[5] = static_cast<u64>(c >> 64);
    u64 q = t[0] * M.n0;
    c = static_cast<u128>(q) * M.m.v[0] + t[0];
    c >>= 64;
    for (int j = 1; j < 4; ++j) {
      c += static_cast<u128>(q) * M.m.v[j] + t[j];
      t[j - 1] = static_cast<u64>(c);
      c >>= 64;
    }
    c += t[4];
    t[3] = static_cast<u64>(c);
    t[4] = t[5] + static_cast<u64>(c >> 64);
  }
  U256 lo{{t[0], t[1], t[2], t[3]}};
  reduce_once(r, lo, t[4], M.m);
}

// ---- Field Fp (Montgomery domain) ----------------------------------------------------------------

// fp_mul/fp_sqr use the MULX/ADX code (field_adx.cpp) when the CPU has BMI2 and ADX, else the portable
// code; MEDSIGN_SM2_NO_ADX=1 in the environment forces the portable code (for tests and comparisons).
void fp_mul(U256& r, const U256& a, const U256& b);
void fp_sqr(U256& r, const U256& a);
bool fp_have_adx();
// The two implementations, for tests and benchmarks; the _adx ones REQUIRE fp_have_adx().
void fp_mul_portable(U256& r, const U256& a, const U256& b);
#if defined(__x86_64__)
void fp_mul_adx(U256& r, const U256& a, const U256& b);
void fp_sqr_adx(U256& r, const U256& a);

// p's limbs 1 and 3 (limbs 0 and 2 are all ones and fit a sign-extended immediate).
alignas(16) inline constexpr u64 kPLimb13[2] = {0xffffffff00000000ULL, 0xfffffffeffffffffULL};

inline void fp_add(U256& r, const U256& a, const U256& b) {
  u64 r0 = a.v[0], r1 = a.v[1], r2 = a.v[2], r3 = a.v[3], s0, s1, s2, s3, carry;
  __asm__(
      "xorq %[c], %[c]\n\t"
      "addq %[b0], %[r0]\n\t"
      "adcq %[b1], %[r1]\n\t"
      "adcq %[b2], %[r2]\n\t"
      "adcq %[b3], %[r3]\n\t"
      "adcq $0, %[c]\n\t"
      "movq %[r0], %[s0]\n\t"
      "movq %[r1], %[s1]\n\t"
      "movq %[r2], %[s2]\n\t"
      "movq %[r3], %[s3]\n\t"
      "subq $-1, %[s0]\n\t"
      "sbbq %[p1], %[s1]\n\t"
      "sbbq $-1, %[s2]\n\t"
      "sbbq %[p3], %[s3]\n\t"
      "sbbq $0, %[c]\n\t"
      "cmovncq %[s0], %[r0]\n\t"
      "cmovncq %[s1], %[r1]\n\t"
      "cmovncq %[s2], %[r2]\n\t"
      "cmovncq %[s3], %[r3]\n\t"
      : [r0] "+&r"(r0), [r1] "+&r"(r1), [r2] "+&r"(r2), [r3] "+&r"(r3), [s0] "=&r"(s0), [s1] "=&r"(s1),
        [s2] "=&r"(s2), [s3] "=&r"(s3), [c] "=&r"(carry)
      : [b0] "rm"(b.v[0]), [b1] "rm"(b.v[1]), [b2] "rm"(b.v[2]), [b3] "rm"(b.v[3]), [p1] "m"(kPLimb13[0]),
        [p3] "m"(kPLimb13[1])
      : "cc");
  r.v[0] = r0;
  r.v[1] = r1;
  r.v[2] = r2;
  r.v[3] = r3;
}

inline void fp_sub(U256& r, const U256& a, const U256& b) {
  u64 r0 = a.v[0], r1 = a.v[1], r2 = a.v[2], r3 = a.v[3], mask, t1, t3;
  __asm__(
      "subq %[b0], %[r0]\n\t"
      "sbbq %[b1], %[r1]\n\t"
      "sbbq %[b2], %[r2]\n\t"
      "sbbq %[b3], %[r3]\n\t"
      "sbbq %[m], %[m]\n\t"
      "movq %[p1], %[t1]\n\t"
      "andq %[m], %[t1]\n\t"
      "movq %[p3], %[t3]\n\t"
      "andq %[m], %[t3]\n\t"
      "addq %[m], %[r0]\n\t"
      "adcq %[t1], %[r1]\n\t"
      "adcq %[m], %[r2]\n\t"
      "adcq %[t3], %[r3]\n\t"
      : [r0] "+&r"(r0), [r1] "+&r"(r1), [r2] "+&r"(r2), [r3] "+&r"(r3), [m] "=&r"(mask), [t1] "=&r"(t1),
        [t3] "=&r"(t3)
      : [b0] "rm"(b.v[0]), [b1] "rm"(b.v[1]), [b2] "rm"(b.v[2]), [b3] "rm"(b.v[3]), [p1] "m"(kPLimb13[0]),
        [p3] "m"(kPLimb13[1])
      : "cc");
  r.v[0] = r0;
  r.v[1] = r1;
  r.v[2] = r2;
  r.v[3] = r3;
}
#else
inline void fp_add(U256& r, const U256& a, const U256& b) { mod_add<kP>(r, a, b); }
inline void fp_sub(U256& r, const U256& a, const U256& b) { mod_sub<kP>(r, a, b); }
#endif
inline void fp_neg(U256& r, const U256& a) { mod_neg<kP>(r, a); }
inline void fp_to_mont(U256& r, const U256& a) { fp_mul(r, a, kP.rr); }
inline void fp_from_mont(U256& r, const U256& a) {
  U256 one{{1, 0, 0, 0}};
  fp_mul(r, a, one);
}
// r = a^-1 (0 maps to 0). Fermat inversion with a fixed addition chain.
void fp_inv(U256& r, const U256& a);
// If a is a square, sets r to a square root and returns true. Variable time (public inputs only).
bool fp_sqrt_vartime(U256& r, const U256& a);

// ---- Scalars mod n -------------------------------------------------------------------------------

inline void fn_add(U256& r, const U256& a, const U256& b) { mod_add<kN>(r, a, b); }
inline void fn_sub(U256& r, const U256& a, const U256& b) { mod_sub<kN>(r, a, b); }
inline void fn_mont_mul(U256& r, const U256& a, const U256& b) { mont_mul<kN>(r, a, b); }
// r = a·b mod n for plain a, b.
inline void fn_mul(U256& r, const U256& a, const U256& b) {
  U256 t;
  mont_mul<kN>(t, a, b);
  mont_mul<kN>(r, t, kN.rr);
}
// r = a^-1·2^256 mod n, given a in the Montgomery domain as am = a·2^256 mod n (0 maps to 0).
void fn_mont_inv(U256& r, const U256& am);
// r = a mod n for any 256-bit a (a < 2n always holds since n > 2^255).
inline void fn_reduce(U256& r, const U256& a) { reduce_once(r, a, 0, kN.m); }

// ---- Conversions ---------------------------------------------------------------------------------

// Big-endian 32 bytes <-> limbs.
U256 u256_from_be(const std::uint8_t in[32]);
void u256_to_be(std::uint8_t out[32], const U256& a);

}  // namespace medsign::crypto::sm2::detail
