// matrix-mul: C = A * B, row-major: A is m x k, B is k x n, C is m x n.
#pragma once

#include "exercises/float_exercise.h"

namespace kc::exercises {

const Spec& matrix_mul_spec();

// The host side (matrix_mul.cpp, beside this file): inputs a (m x k) and b (k x n), each uniform in
// [-1, 1) with 24 random bits (exact in fp32); output c (m x n); scalars m, n, k; the timed run
// halves a. Bound of c[i][j] (see matrix_mul.cpp for the derivation):
//   kMatmulC * 2^-24 * sqrt(k) * (|c_ij| + min(|a_i|_2 |b_j|_inf, |a_i|_inf |b_j|_2))
const FloatExercise& matrix_mul_exercise();

// The float64 truth and bound of c = a b for a (m x k) and b (k x n), row-major, on every core.
// `portable` takes the 2-wide tile (SSE2, NEON) even where the 4-wide AVX2 one is available;
// both give the same bits (the tests compare them).
void matrix_mul_truth(std::span<const float> a, std::span<const float> b, size_t m, size_t n, size_t k,
                      std::span<double> truth, std::span<double> bound, bool portable = false);

// The calibrated constant of the bound (docs/grading.md, "Calibration of the Track 1 bounds").
inline constexpr double kMatmulC = 5.0;

}  // namespace kc::exercises
