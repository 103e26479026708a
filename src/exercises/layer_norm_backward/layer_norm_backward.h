// layer norm's backward pass over the rows of a row-major rows x cols matrix, from the
// statistics the forward pass saved: dx, dgamma and dbeta, in a plan of two kernels.
#pragma once

#include <cstddef>
#include <cstdint>

#include "exercises/exercise.h"

namespace kc::exercises {

// The host side (layer_norm_backward.cpp, beside this file). Its tensors, in this order (the
// vendor and the tests read them by these positions; the inputs come first, so each input's
// position among the seeded tensors, make_inputs()'s and truth()'s, is the same):
namespace lnb {
enum Tensor : size_t {
    kDy,       // in, rows x cols: the gradient of y
    kX,        // in, rows x cols: the forward pass's input
    kMean,     // in, rows: each row's mean, as the forward pass saved it (fp32)
    kRstd,     // in, rows: 1 / sqrt(var + eps), as saved (fp32; eps = kLayerNormEps)
    kGamma,    // in, cols
    kDx,       // out, rows x cols
    kDgamma,   // out, cols
    kDbeta,    // out, cols
    kPartial,  // scratch, sized by partial_elements(Problem), zeroed before every run of the plan
};
}  // namespace lnb
const Exercise& layer_norm_backward_exercise();

// What a row of x holds; the regime of row r is (r + an offset from the seed) % 3, so every
// regime appears in every case of 3 rows or more and small cases vary with the seed.
enum class LnBackwardRow {
    kOrdinary,      // uniform in [-2, 2): rstd ~0.87
    kLargeMean,     // 1e4 + uniform in [-1, 1): rstd ~1.7, and E[x^2] - E[x]^2 in fp32 loses every digit
    kSmallVariance  // uniform in [-0.002, 0.002): variance ~1.3e-6 under eps = 1e-5, rstd ~300
};
LnBackwardRow layer_norm_backward_row_regime(uint64_t seed, size_t row);

}  // namespace kc::exercises
