// softmax over the rows of a row-major rows x cols matrix.
#pragma once

#include "exercises/tensor.h"

namespace kc::exercises {

const Spec& softmax_spec();

}  // namespace kc::exercises
