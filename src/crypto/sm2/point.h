// Internal: points of the SM2 curve y^2 = x^3 - 3x + b over Fp, and scalar multiplication.
//
// Coordinates are Montgomery-domain field elements. Functions without _vartime run in time independent
// of secret scalars and of the point coordinates they compute.
#pragma once

#include <cstddef>

#include "crypto/sm2/field.h"

namespace medsign::crypto::sm2::detail {

struct AffinePoint {
  U256 x, y;
};

// (X, Y, Z) stands for (X/Z^2, Y/Z^3); Z = 0 is the point at infinity.
struct JacobianPoint {
  U256 x, y, z;
};

const AffinePoint& generator();
const U256& curve_b();

// True when (x, y) satisfies the curve equation (coordinates already reduced and in Montgomery form).
bool on_curve_vartime(const AffinePoint& p);

void point_double(JacobianPoint& r, const JacobianPoint& a);
// Complete addition: handles infinity, a == b and a == -b without branching on the coordinates.
void point_add(JacobianPoint& r, const JacobianPoint& a, const JacobianPoint& b);
void point_add_vartime(JacobianPoint& r, const JacobianPoint& a, const JacobianPoint& b);

// Writes the affine form of a and returns all ones, or returns 0 when a is infinity (r then holds 0, 0).
u64 to_affine(AffinePoint& r, const JacobianPoint& a);

// k·G for a plain scalar k with 1 <= k < n (comb over a precomputed table, constant time).
// REQUIRES: k in [1, n-1]; the additions of the comb never meet an exceptional case in that range.
void scalar_mult_base(JacobianPoint& r, const U256& k);

// k·P for any plain scalar k < 2^256 and any point P on the curve (fixed 5-bit signed window, constant
// time in k and P).
void scalar_mult(JacobianPoint& r, const AffinePoint& p, const U256& k);

// u1·G + u2·P for public scalars and point (verification), variable time.
void double_scalar_mult_vartime(JacobianPoint& r, const U256& u1, const AffinePoint& p, const U256& u2);

// ---- Variable-time helpers for verification (public inputs only) ----

// Mixed addition r = a + (b, 1) with every case handled (a infinity, a = b, a = -b).
void point_add_mixed_vartime(JacobianPoint& r, const JacobianPoint& a, const AffinePoint& b);
// Affine forms of count points with non-zero Z, with one inversion.
void batch_to_affine(AffinePoint* out, const JacobianPoint* in, std::size_t count);
// acc += u1·G with the comb table.
void add_base_mult_vartime(JacobianPoint& acc, const U256& u1);
// Width-w NAF digits of k, least significant first; returns the index of the top non-zero digit (-1 for 0).
int wnaf_recode(int naf[258], const U256& k, int w);

// Per-key table for verification: p[j][i] = (2i+1)·2^(64j)·P in affine form (32 points, 2 KB).
struct PointTable {
  AffinePoint p[4][8];
};
// REQUIRES: P on the curve (not infinity).
void point_table_build(PointTable& t, const AffinePoint& p);
// u1·G + u2·P with P's table: 65 doublings instead of 256. Variable time.
void double_scalar_mult_table_vartime(JacobianPoint& r, const U256& u1, const PointTable& t, const U256& u2);

// Builds the comb table now instead of at first use.
void precompute_base_table();

}  // namespace medsign::crypto::sm2::detail
