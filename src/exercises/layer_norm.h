// layer norm over the rows of a row-major rows x cols matrix, with per-column gamma and beta.
#pragma once

#include "exercises/tensor.h"

namespace kc::exercises {

const Spec& layer_norm_spec();

constexpr float kLayerNormEps = 1e-5f;

}  // namespace kc::exercises
