#include "crypto/sm2/point.h"

#include <mutex>

namespace medsign::crypto::sm2::detail {

namespace {

constexpr AffinePoint kGenerator = {
    {{0x61328990f418029eULL, 0x3e7981eddca6c050ULL, 0xd6a1ed99ac24c3c3ULL, 0x91167a5ee1c13b05ULL}},
    {{0xc1354e593c2d0dddULL, 0xc1f5e5788d3295faULL, 0x8d4cfb066e2a48f8ULL, 0x63cd65d481d735bdULL}}};
constexpr U256 kB = {
    {0x90d230632bc0dd42ULL, 0x71cf379ae9b537abULL, 0x527981505ea51c3cULL, 0x240fe188ba20e2c8ULL}};

void cmov_point(JacobianPoint& r, const JacobianPoint& a, u64 mask) {
  cmov(r.x, a.x, mask);
  cmov(r.y, a.y, mask);
  cmov(r.z, a.z, mask);
}

// Mixed addition a + (b, 1), madd-2007-bl. REQUIRES: a is not infinity and a != ±b; otherwise the
// result is meaningless (callers select around those cases). Also returns H and r for such checks.
void point_add_mixed_raw(JacobianPoint& out, const JacobianPoint& a, const AffinePoint& b, U256* h_out,
                         U256* r_out) {
  U256 z1z1, u2, s2, h, hh, i, j, r, v, t;
  fp_sqr(z1z1, a.z);
  fp_mul(u2, b.x, z1z1);
  fp_mul(s2, b.y, a.z);
  fp_mul(s2, s2, z1z1);
  fp_sub(h, u2, a.x);
  fp_sqr(hh, h);
  fp_add(i, hh, hh);
  fp_add(i, i, i);
  fp_mul(j, h, i);
  fp_sub(r, s2, a.y);
  fp_add(r, r, r);
  fp_mul(v, a.x, i);
  JacobianPoint res;
  fp_sqr(res.x, r);
  fp_sub(res.x, res.x, j);
  fp_sub(res.x, res.x, v);
  fp_sub(res.x, res.x, v);
  fp_sub(t, v, res.x);
  fp_mul(res.y, r, t);
  fp_mul(t, a.y, j);
  fp_add(t, t, t);
  fp_sub(res.y, res.y, t);
  fp_add(res.z, a.z, h);
  fp_sqr(res.z, res.z);
  fp_sub(res.z, res.z, z1z1);
  fp_sub(res.z, res.z, hh);
  if (h_out) *h_out = h;
  if (r_out) *r_out = r;
  out = res;
}

// Full addition add-2007-bl without exceptional-case handling; also returns H and r.
void point_add_raw(JacobianPoint& out, const JacobianPoint& a, const JacobianPoint& b, U256& h, U256& r) {
  U256 z1z1, z2z2, u1, u2, s1, s2, i, j, v, t;
  fp_sqr(z1z1, a.z);
  fp_sqr(z2z2, b.z);
  fp_mul(u1, a.x, z2z2);
  fp_mul(u2, b.x, z1z1);
  fp_mul(s1, a.y, b.z);
  fp_mul(s1, s1, z2z2);
  fp_mul(s2, b.y, a.z);
  fp_mul(s2, s2, z1z1);
  fp_sub(h, u2, u1);
  fp_add(i, h, h);
  fp_sqr(i, i);
  fp_mul(j, h, i);
  fp_sub(r, s2, s1);
  fp_add(r, r, r);
  fp_mul(v, u1, i);
  JacobianPoint res;
  fp_sqr(res.x, r);
  fp_sub(res.x, res.x, j);
  fp_sub(res.x, res.x, v);
  fp_sub(res.x, res.x, v);
  fp_sub(t, v, res.x);
  fp_mul(res.y, r, t);
  fp_mul(t, s1, j);
  fp_add(t, t, t);
  fp_sub(res.y, res.y, t);
  fp_add(res.z, a.z, b.z);
  fp_sqr(res.z, res.z);
  fp_sub(res.z, res.z, z1z1);
  fp_sub(res.z, res.z, z2z2);
  fp_mul(res.z, res.z, h);
  out = res;
}

}  // namespace

void point_add_mixed_vartime(JacobianPoint& r, const JacobianPoint& a, const AffinePoint& b) {
  if (is_zero(a.z)) {
    r = {b.x, b.y, kP.one};
    return;
  }
  U256 h, rr;
  JacobianPoint sum;
  point_add_mixed_raw(sum, a, b, &h, &rr);
  if (is_zero(h)) {
    if (is_zero(rr)) {
      point_double(r, a);
    } else {
      r = {kP.one, kP.one, {}};
    }
    return;
  }
  r = sum;
}

void batch_to_affine(AffinePoint* out, const JacobianPoint* in, std::size_t count) {
  // Montgomery's trick: one inversion for all Z values (all non-zero here).
  U256* prefix = new U256[count];
  U256 acc = kP.one;
  for (std::size_t i = 0; i < count; ++i) {
    prefix[i] = acc;
    fp_mul(acc, acc, in[i].z);
  }
  U256 inv;
  fp_inv(inv, acc);
  for (std::size_t i = count; i-- > 0;) {
    U256 zinv, zinv2, zinv3;
    fp_mul(zinv, inv, prefix[i]);
    fp_mul(inv, inv, in[i].z);
    fp_sqr(zinv2, zinv);
    fp_mul(zinv3, zinv2, zinv);
    fp_mul(out[i].x, in[i].x, zinv2);
    fp_mul(out[i].y, in[i].y, zinv3);
  }
  delete[] prefix;
}

namespace {

// ---- Comb table for k·G: kTable[j][i] = (i+1)·2^(7j)·G, signed 7-bit windows ----------------------

constexpr int kCombWindow = 7;
constexpr int kCombWindows = 37;  // ceil(257 / 7): the recoding needs one bit above the top
constexpr int kCombEntries = 64;

struct BaseTable {
  AffinePoint p[kCombWindows][kCombEntries];
};

BaseTable* g_table = nullptr;
std::once_flag g_table_once;


void build_table() {
  auto* table = new BaseTable;
  auto* jac = new JacobianPoint[kCombWindows * kCombEntries];
  JacobianPoint base = {kGenerator.x, kGenerator.y, kP.one};
  for (int j = 0; j < kCombWindows; ++j) {
    JacobianPoint* row = jac + j * kCombEntries;
    row[0] = base;
    point_double(row[1], base);
    for (int i = 2; i < kCombEntries; ++i) point_add_vartime(row[i], row[i - 1], base);
    for (int d = 0; d < kCombWindow; ++d) point_double(base, base);
  }
  batch_to_affine(&table->p[0][0], jac, kCombWindows * kCombEntries);
  delete[] jac;
  g_table = table;
}

const BaseTable& base_table() {
  std::call_once(g_table_once, build_table);
  return *g_table;
}

// Bits [pos, pos+count) of k, with bits below 0 and above 255 read as zero; pos >= -1, count <= 8.
u64 window_bits(const U256& k, int pos, int count) {
  u64 mask = (u64{1} << count) - 1;
  if (pos < 0) return (k.v[0] << 1) & mask;
  int limb = pos / 64, off = pos % 64;
  if (limb >= 4) return 0;
  u64 w = k.v[limb] >> off;
  if (off + count > 64 && limb + 1 < 4) w |= k.v[limb + 1] << (64 - off);
  return w & mask;
}

// out = entries[digit - 1], or (0, 0) when digit is 0, reading every entry (constant time in digit).
// REQUIRES: digit <= count <= 64.
void select_affine(AffinePoint& out, const AffinePoint* entries, int count, u64 digit) {
  u64 acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (int i = 0; i < count; ++i) {
    // digit ^ (i+1) < 128, so the top bit of (x - 1) is set exactly when x == 0.
    u64 m = value_barrier(0 - (((digit ^ static_cast<u64>(i + 1)) - 1) >> 63));
    const u64* e = entries[i].x.v;
    const u64* f = entries[i].y.v;
    for (int l = 0; l < 4; ++l) {
      acc[l] |= e[l] & m;
      acc[4 + l] |= f[l] & m;
    }
  }
  for (int l = 0; l < 4; ++l) {
    out.x.v[l] = acc[l];
    out.y.v[l] = acc[4 + l];
  }
}

// Signed-digit (Booth) recoding of a (w+1)-bit window: returns |digit| << 1 | sign.
u64 booth_recode(u64 in, int w) {
  u64 s = ~((in >> w) - 1);
  u64 d = (u64{1} << (w + 1)) - in - 1;
  d = (d & s) | (in & ~s);
  d = (d >> 1) + (d & 1);
  return (d << 1) + (s & 1);
}

}  // namespace

const AffinePoint& generator() { return kGenerator; }
const U256& curve_b() { return kB; }

bool on_curve_vartime(const AffinePoint& p) {
  U256 lhs, rhs, t;
  fp_sqr(lhs, p.y);
  fp_sqr(rhs, p.x);
  fp_mul(rhs, rhs, p.x);
  fp_add(t, p.x, p.x);
  fp_add(t, t, p.x);
  fp_sub(rhs, rhs, t);
  fp_add(rhs, rhs, kB);
  return equal(lhs, rhs) != 0;
}

void point_double(JacobianPoint& r, const JacobianPoint& a) {
  U256 delta, gamma, beta, alpha, t, u;
  fp_sqr(delta, a.z);
  fp_sqr(gamma, a.y);
  fp_mul(beta, a.x, gamma);
  fp_sub(t, a.x, delta);
  fp_add(u, a.x, delta);
  fp_mul(alpha, t, u);
  fp_add(t, alpha, alpha);
  fp_add(alpha, t, alpha);
  JacobianPoint res;
  fp_add(res.z, a.y, a.z);
  fp_sqr(res.z, res.z);
  fp_sub(res.z, res.z, gamma);
  fp_sub(res.z, res.z, delta);
  fp_add(beta, beta, beta);
  fp_add(beta, beta, beta);  // 4·beta
  fp_sqr(res.x, alpha);
  fp_add(t, beta, beta);
  fp_sub(res.x, res.x, t);
  fp_sub(t, beta, res.x);
  fp_mul(res.y, alpha, t);
  fp_sqr(gamma, gamma);
  fp_add(gamma, gamma, gamma);
  fp_add(gamma, gamma, gamma);
  fp_add(gamma, gamma, gamma);
  fp_sub(res.y, res.y, gamma);
  r = res;
}

void point_add(JacobianPoint& r, const JacobianPoint& a, const JacobianPoint& b) {
  U256 h, rr;
  JacobianPoint sum, dbl;
  point_add_raw(sum, a, b, h, rr);
  point_double(dbl, a);
  u64 a_inf = is_zero(a.z), b_inf = is_zero(b.z);
  u64 same = is_zero(h) & is_zero(rr) & (a_inf ^ 1) & (b_inf ^ 1);
  cmov_point(sum, dbl, mask_from_bit(same));
  cmov_point(sum, b, mask_from_bit(a_inf));
  cmov_point(sum, a, mask_from_bit(b_inf));
  r = sum;
}

void point_add_vartime(JacobianPoint& r, const JacobianPoint& a, const JacobianPoint& b) {
  if (is_zero(a.z)) {
    r = b;
    return;
  }
  if (is_zero(b.z)) {
    r = a;
    return;
  }
  U256 h, rr;
  JacobianPoint sum;
  point_add_raw(sum, a, b, h, rr);
  if (is_zero(h)) {
    if (is_zero(rr)) {
      point_double(r, a);
    } else {
      r = {kP.one, kP.one, {}};
    }
    return;
  }
  r = sum;
}

u64 to_affine(AffinePoint& r, const JacobianPoint& a) {
  U256 zinv, zinv2, zinv3;
  fp_inv(zinv, a.z);
  fp_sqr(zinv2, zinv);
  fp_mul(zinv3, zinv2, zinv);
  fp_mul(r.x, a.x, zinv2);
  fp_mul(r.y, a.y, zinv3);
  return mask_from_bit(is_zero(a.z) ^ 1);
}

void precompute_base_table() { (void)base_table(); }

void scalar_mult_base(JacobianPoint& r, const U256& k) {
  const BaseTable& table = base_table();
  JacobianPoint acc{};
  u64 acc_inf = 1;
  for (int j = 0; j < kCombWindows; ++j) {
    u64 code = booth_recode(window_bits(k, kCombWindow * j - 1, kCombWindow + 1), kCombWindow);
    u64 digit = code >> 1;
    AffinePoint sel;
    select_affine(sel, table.p[j], kCombEntries, digit);
    U256 neg;
    fp_neg(neg, sel.y);
    cmov(sel.y, neg, mask_from_bit(code & 1));

    JacobianPoint sum;
    point_add_mixed_raw(sum, acc, sel, nullptr, nullptr);
    JacobianPoint lifted = {sel.x, sel.y, kP.one};
    cmov_point(sum, lifted, mask_from_bit(acc_inf));
    u64 digit_zero = is_zero_u64(digit);
    cmov_point(sum, acc, mask_from_bit(digit_zero));
    acc = sum;
    acc_inf &= digit_zero;
  }
  U256 zero{};
  cmov(acc.z, zero, mask_from_bit(acc_inf));
  r = acc;
}

void scalar_mult(JacobianPoint& r, const AffinePoint& p, const U256& k) {
  constexpr int kW = 5, kEntries = 16, kWindows = 52;
  JacobianPoint table[kEntries];
  table[0] = {p.x, p.y, kP.one};
  point_double(table[1], table[0]);
  for (int i = 2; i < kEntries; ++i) point_add(table[i], table[i - 1], table[0]);

  auto lookup = [&](int window, JacobianPoint& out) {
    u64 code = booth_recode(window_bits(k, kW * window - 1, kW + 1), kW);
    u64 digit = code >> 1;
    JacobianPoint sel{};
    for (int i = 0; i < kEntries; ++i) {
      cmov_point(sel, table[i], mask_from_bit(is_zero_u64(digit ^ static_cast<u64>(i + 1))));
    }
    U256 neg;
    fp_neg(neg, sel.y);
    cmov(sel.y, neg, mask_from_bit(code & 1));
    out = sel;
  };

  JacobianPoint acc, sel;
  lookup(kWindows - 1, acc);
  for (int w = kWindows - 2; w >= 0; --w) {
    for (int d = 0; d < kW; ++d) point_double(acc, acc);
    lookup(w, sel);
    point_add(acc, acc, sel);
  }
  r = acc;
}

void add_base_mult_vartime(JacobianPoint& acc, const U256& u1) {
  const BaseTable& table = base_table();
  for (int j = 0; j < kCombWindows; ++j) {
    u64 code = booth_recode(window_bits(u1, kCombWindow * j - 1, kCombWindow + 1), kCombWindow);
    u64 digit = code >> 1;
    if (digit == 0) continue;
    AffinePoint q = table.p[j][digit - 1];
    if (code & 1) fp_neg(q.y, q.y);
    point_add_mixed_vartime(acc, acc, q);
  }
}

int wnaf_recode(int naf[258], const U256& scalar, int w) {
  for (int i = 0; i < 258; ++i) naf[i] = 0;
  u64 k[5] = {scalar.v[0], scalar.v[1], scalar.v[2], scalar.v[3], 0};
  int top = -1;
  for (int i = 0; i < 258 && (k[0] | k[1] | k[2] | k[3] | k[4]); ++i) {
    if (k[0] & 1) {
      int d = static_cast<int>(k[0] & ((1u << w) - 1));
      if (d >= (1 << (w - 1))) d -= (1 << w);
      naf[i] = d;
      if (d > 0) {
        u64 borrow = static_cast<u64>(d);
        for (int l = 0; l < 5 && borrow; ++l) {
          u64 old = k[l];
          k[l] -= borrow;
          borrow = old < borrow;
        }
      } else {
        u64 carry = static_cast<u64>(-d);
        for (int l = 0; l < 5 && carry; ++l) {
          k[l] += carry;
          carry = k[l] < carry;
        }
      }
      top = i;
    }
    for (int l = 0; l < 4; ++l) k[l] = (k[l] >> 1) | (k[l + 1] << 63);
    k[4] >>= 1;
  }
  return top;
}

void double_scalar_mult_vartime(JacobianPoint& r, const U256& u1, const AffinePoint& p, const U256& u2) {
  // u1·G from the comb table (no doublings), direct indexing.
  JacobianPoint acc = {kP.one, kP.one, {}};
  add_base_mult_vartime(acc, u1);

  // u2·P by width-5 wNAF over the odd multiples P, 3P, ..., 15P.
  JacobianPoint odd[8];
  odd[0] = {p.x, p.y, kP.one};
  JacobianPoint twice;
  point_double(twice, odd[0]);
  for (int i = 1; i < 8; ++i) point_add_vartime(odd[i], odd[i - 1], twice);

  int naf[258];
  int top = wnaf_recode(naf, u2, 5);
  JacobianPoint acc2 = {kP.one, kP.one, {}};
  for (int i = top; i >= 0; --i) {
    point_double(acc2, acc2);
    int d = naf[i];
    if (d > 0) {
      point_add_vartime(acc2, acc2, odd[(d - 1) / 2]);
    } else if (d < 0) {
      JacobianPoint q = odd[(-d - 1) / 2];
      fp_neg(q.y, q.y);
      point_add_vartime(acc2, acc2, q);
    }
  }
  point_add_vartime(r, acc, acc2);
}

}  // namespace medsign::crypto::sm2::detail
