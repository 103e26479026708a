// conv2d: input NCHW, filter KCRS, output NKPQ; cross-correlation, zero padding, one stride.
#pragma once

#include "exercises/tensor.h"

namespace kc::exercises {

const Spec& conv2d_spec();

// The output's height and width: P = (H + 2 pad - R) / stride + 1, Q likewise with W and S.
long long conv2d_p(const Sizes& s);
long long conv2d_q(const Sizes& s);

}  // namespace kc::exercises
