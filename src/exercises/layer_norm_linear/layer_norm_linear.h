// layer-norm-linear: D = LN(X) W, a transformer block's layer norm and the linear layer after it,
// the normalisation done as the GEMM loads its A operand, in a plan of two kernels.
#pragma once

#include <cstddef>
#include <cstdint>

#include "exercises/exercise.h"

namespace kc::exercises {

// The host side (layer_norm_linear.cpp, beside this file). Its tensors, in this order (the
// vendor and the tests read them by these positions; the inputs come first, so each input's
// position among the seeded tensors, make_inputs()'s and truth()'s, is the same):
namespace lnl {
enum Tensor : size_t {
    kX,      // in, bf16, m x k: tokens x hidden, row-major
    kGamma,  // in, fp32, k
    kBeta,   // in, fp32, k
    kW,      // in, bf16, k x n, row-major
    kD,      // out, bf16, m x n, row-major
    kStats,  // scratch, fp32, 2 m: each row's mean and rstd, as the first kernel leaves them
};
}  // namespace lnl

// What a row of x holds; the regime of row r is (r + an offset from the seed) % 4, so every
// regime appears in every case of 4 rows or more and small cases vary with the seed. Every
// value is bf16 (layer-norm's 1e4 + [-1, 1) is not: bf16's spacing there is 64, so such a row
// would be constant).
enum class LnLinearRow {
    kOrdinary,      // uniform in [-2, 2), rounded to bf16
    kLargeMean,     // M + uniform in [-0.25, 0.25), rounded to bf16, M an integer in [8, 64] per row:
                    // a spread of a few bf16 steps (1/16 to 1/4) on a mean 55 to 360 standard
                    // deviations away from 0, where E[x^2] - E[x]^2 in fp32 cancels
    kConstant,      // one value, a multiple of 1/8 in [-2, 2]: variance 0, eps alone avoids 0/0
    kSmallVariance  // uniform in [-0.005, 0.005), rounded to bf16: variance ~8e-6, eps weighs as much
};
LnLinearRow layer_norm_linear_row_regime(uint64_t seed, size_t row);

// z rounded to the nearest bf16 value, ties to even, from float64 directly (one rounding), as
// a double. Subnormal bf16 values keep their fixed spacing, 2^-133; no overflow for |z| < 2^127.
double bf16_nearest(double z);

// How far the bf16 value of any real within dz of z can be from bf16_nearest(z): rounding is
// monotone, so at most the larger of the steps to bf16_nearest(z + dz) and bf16_nearest(z - dz);
// 0 when no rounding boundary lies within dz of z.
double bf16_flip(double z, double dz);

}  // namespace kc::exercises
