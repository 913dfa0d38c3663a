// Per-key precomputation for verification (public data only, variable time).
#include "crypto/sm2/point.h"

namespace medsign::crypto::sm2::detail {

void point_table_build(PointTable& t, const AffinePoint& p) {
  JacobianPoint jac[4][8];
  JacobianPoint base = {p.x, p.y, kP.one};
  for (int j = 0; j < 4; ++j) {
    if (j > 0) {
      for (int d = 0; d < 64; ++d) point_double(base, base);
    }
    JacobianPoint twice;
    point_double(twice, base);
    jac[j][0] = base;
    // (2i+1)·B for i <= 7 never meets ±2B or infinity: B has prime order n > 2^255.
    for (int i = 1; i < 8; ++i) point_add_vartime(jac[j][i], jac[j][i - 1], twice);
  }
  batch_to_affine(&t.p[0][0], &jac[0][0], 32);
}

void double_scalar_mult_table_vartime(JacobianPoint& r, const U256& u1, const PointTable& t, const U256& u2) {
  // u2 = sum_j k_j·2^(64j) with 64-bit k_j; each k_j in width-5 NAF over (2i+1)·2^(64j)·P.
  int naf[4][258];
  int top = -1;
  for (int j = 0; j < 4; ++j) {
    int tj = wnaf_recode(naf[j], U256{{u2.v[j], 0, 0, 0}}, 5);
    if (tj > top) top = tj;
  }
  JacobianPoint acc = {kP.one, kP.one, {}};
  for (int i = top; i >= 0; --i) {
    point_double(acc, acc);
    for (int j = 0; j < 4; ++j) {
      int d = naf[j][i];
      if (d > 0) {
        point_add_mixed_vartime(acc, acc, t.p[j][(d - 1) / 2]);
      } else if (d < 0) {
        AffinePoint q = t.p[j][(-d - 1) / 2];
        fp_neg(q.y, q.y);
        point_add_mixed_vartime(acc, acc, q);
      }
    }
  }
  add_base_mult_vartime(acc, u1);
  r = acc;
}

}  // namespace medsign::crypto::sm2::detail
