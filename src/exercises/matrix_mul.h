// matrix-mul: C = A * B, row-major: A is m x k, B is k x n, C is m x n.
#pragma once

#include "exercises/tensor.h"

namespace kc::exercises {

const Spec& matrix_mul_spec();

}  // namespace kc::exercises
