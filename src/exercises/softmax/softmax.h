// softmax over the rows of a row-major rows x cols matrix.
#pragma once

#include "exercises/float_exercise.h"

namespace kc::exercises {

const Spec& softmax_spec();

// The host side (softmax.cpp, beside this file): input x (rows x cols), output y; scalars rows, cols;
// the timed run reverses the rows. The bound and its derivation are in softmax.cpp.
const FloatExercise& softmax_exercise();

// What a row of x holds; the regime of row r is (r + an offset from the seed) % kSoftmaxRegimes,
// so every regime appears in every case of 5 rows or more and small cases vary with the seed.
enum class SoftmaxRow {
    kOrdinary,  // uniform in [-4, 4)
    kOffset,    // 1000 + uniform in [-4, 4), its maximum (1004 + k/256) repeated at columns 0,
                // cols - 1 and 17 mod 61: exp(x) without the max shift overflows to inf, and ties
    kWide,      // uniform in [-60, 60): outputs from 1 down to e^-120 (0 in fp32)
    kNegative,  // -1000 + uniform in [-4, 4): a max that starts at 0 instead of -inf makes every
                // exp underflow to 0, and 0 / 0 is NaN
    kSpike,     // uniform in [-4, 4) with one 100 at a seeded column: a reduction that misses
                // one lane's or one warp's maximum overflows exp(100 - max) to inf
};
inline constexpr size_t kSoftmaxRegimes = 5;
SoftmaxRow softmax_row_regime(uint64_t seed, size_t row);

inline constexpr double kSoftmaxC = 5.0;  // the sum's constant, as in docs/grading.md

}  // namespace kc::exercises
