// float64 truth of the SDPA forward reference (host/graph_plan.h's SdpaShape): the output O and
// the softmax statistics (the log-sum-exp of each query's scaled scores), each element with the
// bound of its error from the error analysis of a flash-attention kernel (attention_truth.cpp).
#pragma once

#include <span>
#include <vector>

#include "reference/host/bounded.h"
#include "reference/host/graph_plan.h"

namespace kc::reference {

struct AttentionTruth {
    Bounded o;      // [batch, heads, seq_q, dim]
    Bounded stats;  // [batch, heads, seq_q]: max + log(sum exp(s - max)), natural log
};

// q, k, v hold the values as stored (already in the shape's type), in BHSD order. s must be valid.
AttentionTruth sdpa_truth(const SdpaShape& s, std::span<const float> q, std::span<const float> k,
                          std::span<const float> v);

// Half the spacing of `t`'s subnormals: the largest error of storing a tiny number in it
// (2^-25 for fp16, 2^-134 for bf16, 2^-150 for fp32).
double subnormal_half_spacing(DType t);

}  // namespace kc::reference
