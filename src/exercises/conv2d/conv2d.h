// conv2d: input NCHW, filter KCRS, output NKPQ; cross-correlation, zero padding, one stride.
#pragma once

#include "exercises/float_exercise.h"

namespace kc::exercises {

const Spec& conv2d_spec();

// The output's height and width: P = (H + 2 pad - R) / stride + 1, Q likewise with W and S;
// 0 when the filter does not fit the padded input or stride < 1.
long long conv2d_p(const Sizes& s);
long long conv2d_q(const Sizes& s);

// The host side (conv2d.cpp, beside this file): inputs `input` (n*c*h*w, NCHW) and `filter` (k*c*r*s,
// KCRS), uniform in [-1, 1); output `output` (n*k*p*q, NKPQ); scalars n, c, h, w, k, r, s, pad,
// stride; the timed run halves the input. Bound of an output element, a sum of T in-bounds
// terms t (see conv2d.cpp): kConvC * 2^-24 * sqrt(T) * (|sum t| + ||t||_2), plus a floor of half
// the typical element's bound in its (image, output channel) plane.
const FloatExercise& conv2d_exercise();

inline constexpr double kConvC = 5.0;

}  // namespace kc::exercises
