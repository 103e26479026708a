// Shared by the mastery track's elementwise exercises (poly-activation, glu, complex-mul, silu):
// fp32's unit roundoff and the error bound of a value scaled by a sigmoid.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>

#include "exercises/exercise.h"
#include "util/parallel.h"

namespace kc::exercises {

inline constexpr double kU32 = 1.0 / 16777216.0;  // fp32's unit roundoff, 2^-24

// sigmoid(b) = 1 / (1 + exp(-b)) in float64.
inline double sigmoid(double b) { return 1.0 / (1.0 + std::exp(-b)); }

// The bound of v = s * sigmoid(b) computed in fp32 with any exp the fast-math flags allow:
// __expf is within 2 + 1.173 |x| ulp (CUDA C++ Programming Guide, intrinsic functions), an ulp
// at most 2u of the value; sigmoid's relative error is at most exp's (e / (1 + e) <= 1) plus
// the add and the divide (__fdividef: 2 ulp), and the product one rounding more. Twice that:
// a correct fp32 kernel stays within half of it, a half-precision one (2^-11) is far past it.
inline double sigmoid_product_bound(double v, double b) {
    const double ulps_exp = 2 + 1.173 * std::fabs(b);
    return std::fabs(v) * kU32 * 2 * (2 * ulps_exp + 2 * 2 + 2 + 1);
}

}  // namespace kc::exercises
