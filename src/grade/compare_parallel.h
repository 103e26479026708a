// compare() over many cores: the same Comparison as one compare() call (counts, first,
// worst, max error, headroom), for outputs of tens of millions of elements. No mask: callers
// that need to explain a failure compare again with the mask.
#pragma once

#include "grade/compare.h"

namespace kc::grade {

Result<Comparison> compare_parallel(std::span<const float> got, std::span<const double> truth,
                                    std::span<const double> bound, std::span<const long long> shape,
                                    size_t chunk = size_t{1} << 22);

}  // namespace kc::grade
