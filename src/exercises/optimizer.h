// What the optimizer-step exercises (adam-step, adamw) share: one element's float64 truth of the
// in-place p, m and v with the bound of each, and how it fills the written tensors.
#pragma once

#include <cstddef>
#include <span>

#include "exercises/exercise.h"

namespace kc::exercises {

struct OptimizerTruth {
    double m, v, p, m_bound, v_bound, p_bound;
};

// Element i of the written tensors, in tensors() order p, m, v.
inline void store_optimizer_truth(std::span<const Expected> out, size_t i, const OptimizerTruth& x) {
    out[0].truth[i] = x.p;
    out[0].bound[i] = x.p_bound;
    out[1].truth[i] = x.m;
    out[1].bound[i] = x.m_bound;
    out[2].truth[i] = x.v;
    out[2].bound[i] = x.v_bound;
}

}  // namespace kc::exercises
