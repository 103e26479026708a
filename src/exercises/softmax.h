// softmax over the rows of a row-major rows x cols matrix.
#pragma once

#include "exercises/tensor.h"

namespace kc::exercises {

const Spec& softmax_spec();

// The host side (exercises/softmax.cpp): input x (rows x cols), output y; scalars rows, cols;
// the timed run reverses the rows. The bound and its derivation are in softmax.cpp.
const TensorExercise& softmax_exercise();

// What a row of x holds; the regime of row r is (r + an offset from the seed) % 4, so every
// regime appears in every case of 4 rows or more and small cases vary with the seed.
enum class SoftmaxRow {
    kOrdinary,    // uniform in [-4, 4)
    kOffset,      // 1000 + uniform in [-4, 4): exp(x) without the max shift overflows to inf
    kWide,        // uniform in [-60, 60): outputs from 1 down to e^-120 (0 in fp32)
    kRepeatedMax  // uniform in [-4, 4) with its maximum (in [4, 5)) at columns 0, cols - 1 and 17 mod 61
};
SoftmaxRow softmax_row_regime(uint64_t seed, size_t row);

inline constexpr double kSoftmaxC = 5.0;  // the sum's constant, as in docs/grading.md

}  // namespace kc::exercises
