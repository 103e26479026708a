// float64 truth of the cuBLASLt reference's GEMMs (host/lt_plan.h's GemmShape), with the error
// bound of each element of D from the error analysis of how cuBLASLt computes it (derived in
// gemm_truth.cpp). The vendor's D is right when every element is within its bound.
#pragma once

#include <span>
#include <vector>

#include "reference/host/bounded.h"
#include "reference/host/lt_plan.h"

namespace kc::reference {

// The GELU in the tanh form cuBLASLt's epilogue computes: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
double gelu_tanh(double x);
// The accumulation bound of a bf16 GEMM's element on tensor cores, fp32 accumulation, with
// `terms` terms whose magnitudes sum to `sum_abs`: 4u (terms + 1) sum_abs, u = 2^-24 (derived in
// gemm_truth.cpp: tensor cores truncate, so the worst case, not a sqrt form).
double bf16_accumulation_bound(double terms, double sum_abs);

// Its steepest slope, max |gelu_tanh'(x)| = 1.12899 (near x = 2.4), rounded up.
constexpr double kGeluMaxSlope = 1.13;

// One element of D: its truth and the bound of its error.
struct GemmElement {
    double value = 0, bound = 0;
};

// One element of D from the sums over its k products a_il b_lj (in float64): their sum, the sum
// of their magnitudes and of their squares (fp32 inputs' bound only), and its column's bias
// (nullptr without one). gemm_truth() applies it to every element; a caller that sums the
// products in its own way (the exercises' blocked product, exercises/matrix_mul/matrix_mul.h)
// applies it to its sums, and gets the same truth and bound.
GemmElement gemm_element_truth(const GemmShape& s, double product_sum, double sum_abs, double sum_sq,
                               const float* bias);

// D (m x n, row-major) with its bounds. a (m x k), b (k x n) and bias (n, or empty without one) hold the values as stored, already in
// the input type (bf16 values, or fp32) and the output type (the bias). s must be valid.
Bounded gemm_truth(const GemmShape& s, std::span<const float> a, std::span<const float> b,
                     std::span<const float> bias);

}  // namespace kc::reference
