// float64 truth of the cuDNN frontend's norm references (host/graph_plan.h's NormShape): layer
// norm forward (y, and each row's mean and 1/sqrt(var + eps)) and backward (dx, dgamma, dbeta
// from the saved statistics), RMSNorm forward (y and each row's 1/sqrt(mean x^2 + eps)); each
// element with the bound of its error from an error analysis of an fp32 kernel
// (norm_truth.cpp). Inputs hold the values as stored (x, y, dy in the shape's type; the rest fp32).
#pragma once

#include <span>
#include <vector>

#include "reference/host/bounded.h"
#include "reference/host/graph_plan.h"

namespace kc::reference {

struct LayerNormForwardTruth {
    Bounded y;         // rows x cols
    Bounded mean;      // rows
    Bounded inv_std;   // rows: 1 / sqrt(var + eps), var the biased variance (cuDNN's inv_variance)
};
LayerNormForwardTruth layer_norm_forward_truth(const NormShape& s, std::span<const float> x,
                                               std::span<const float> gamma, std::span<const float> beta, float eps);

struct LayerNormBackwardTruth {
    Bounded dx;      // rows x cols
    Bounded dgamma;  // cols
    Bounded dbeta;   // cols
};
// With z = (x - mean) inv_std per row (the saved statistics as given, as cuDNN uses them):
// dbeta_j = sum_r dy_rj, dgamma_j = sum_r dy_rj z_rj, and with g = dy gamma,
// dx_j = inv_std (g_j - mean_k g_k - z_j mean_k g_k z_k).
LayerNormBackwardTruth layer_norm_backward_truth(const NormShape& s, std::span<const float> dy,
                                                 std::span<const float> x, std::span<const float> gamma,
                                                 std::span<const float> mean, std::span<const float> inv_std);

struct RmsNormForwardTruth {
    Bounded y;        // x_j / sqrt(mean x^2 + eps) gamma_j
    Bounded inv_rms;  // rows: 1 / sqrt(mean x^2 + eps) (cuDNN's inv_variance)
};
RmsNormForwardTruth rms_norm_forward_truth(const NormShape& s, std::span<const float> x, std::span<const float> gamma,
                                           float eps);

}  // namespace kc::reference
