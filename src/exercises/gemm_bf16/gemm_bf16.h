// gemm-bf16's inputs (gemm_bf16.cpp, beside this file), shared with the exercises built on the
// same bf16 GEMM (linear-bias-gelu): the same seed gives the same a and b in each.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace kc::exercises {

// Uniform in [-1, 1), rounded to bf16, element i from `stream` (uniform_at): the same values
// whatever the thread count.
void fill_bf16_uniform(std::span<uint16_t> x, uint64_t stream);

// A case's a (m x k) and b (k x n), each filled from its own stream of the case's seed.
void make_gemm_bf16_inputs(uint64_t seed, std::span<uint16_t> a, std::span<uint16_t> b);

// The values of bf16 `x` as floats (exact), or their magnitudes.
std::vector<float> widened_bf16(std::span<const uint16_t> x, bool magnitude = false);

}  // namespace kc::exercises
