// layer norm over the rows of a row-major rows x cols matrix, with per-column gamma and beta.
#pragma once

#include "exercises/float_exercise.h"

namespace kc::exercises {

const Spec& layer_norm_spec();

constexpr float kLayerNormEps = 1e-5f;

// The host side (layer_norm.cpp, beside this file): inputs x (rows x cols), gamma and beta (cols);
// output y (rows x cols); scalars rows, cols, eps = kLayerNormEps; the timed run reverses the
// rows. The bound and its derivation are in layer_norm.cpp.
const FloatExercise& layer_norm_exercise();

// What a row of x holds; the regime of row r is (r + an offset from the seed) % 4, so every
// regime appears in every case of 4 rows or more and small cases vary with the seed.
enum class LayerNormRow {
    kOrdinary,      // uniform in [-2, 2)
    kLargeMean,     // 1e4 + uniform in [-1, 1): E[x^2] - E[x]^2 in fp32 loses every digit
    kConstant,      // one value, a multiple of 1/8 in [-2, 2]: variance 0, eps alone avoids 0/0
    kSmallVariance  // uniform in [-0.005, 0.005): variance 8e-6, eps = 1e-5 weighs as much
};
LayerNormRow layer_norm_row_regime(uint64_t seed, size_t row);

inline constexpr double kLayerNormC = 5.0;  // the reductions' constant, as in docs/grading.md

}  // namespace kc::exercises
