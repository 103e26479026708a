// float64 truth of the CUB reference's sums and scans (host/cub_plan.h), with the bound of each
// fp32 element's error; int32 results are exact.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "reference/host/bounded.h"
#include "reference/host/cub_plan.h"

namespace kc::reference {

// fp32: the sum (one element) or the inclusive / exclusive prefix sums of x, each within
// c u sqrt(T) (|S| + ||t||_2) (c = 5, docs/grading.md's reduction form) for its T terms; an
// exclusive scan's first element is 0, exactly.
Bounded scan_truth(ScanKind k, std::span<const float> x);

// int32: the exact results, or an error when one of them does not fit an int32 (CUB's int32
// arithmetic would wrap).
Result<std::vector<int32_t>> scan_truth_int(ScanKind k, std::span<const int32_t> x);

}  // namespace kc::reference
