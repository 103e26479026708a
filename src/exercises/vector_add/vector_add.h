// vector-add: out[i] = a[i] + b[i]. The host side: inputs, float64 truth, error bounds.
#pragma once

#include <cstdint>
#include <span>

#include "exercises/float_exercise.h"

namespace kc::exercises {

const Spec& vector_add_spec();
const FloatExercise& vector_add_exercise();

// Inputs in [-1, 1) scaled per element by a random power of two in [2^-8, 2^8], so sums
// cancel and magnitudes vary (a half-precision kernel cannot hide).
void vector_add_inputs(uint64_t seed, std::span<float> a, std::span<float> b);

// Truth in float64 and the per-element bound: one fp32 rounding of the sum, with a factor
// two of margin: 2 * 2^-24 * (|a| + |b|). Any correct fp32 kernel is within 2^-24 * |a + b|.
void vector_add_truth(std::span<const float> a, std::span<const float> b, std::span<double> truth,
                      std::span<double> bound);

}  // namespace kc::exercises
