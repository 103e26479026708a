#include "reference/host/scan_truth.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

namespace kc::reference {

// CUB sums fp32 in fp32 with round to nearest in an order of its own (per-thread runs, warp and
// block trees, a chain of tile prefixes for a scan): every result is a sum of its terms in some
// order, which docs/grading.md's form bounds whatever the order (it is calibrated there on
// sequential and tree sums alike).

namespace {
constexpr double kU = 0x1p-24;
constexpr double kC = 5;
}  // namespace

Bounded scan_truth(ScanKind k, std::span<const float> x) {
    const size_t n = x.size(), outputs = static_cast<size_t>(scan_outputs(k, static_cast<int64_t>(n)));
    Bounded t{std::vector<double>(outputs), std::vector<double>(outputs)};
    double sum = 0, sq = 0;
    auto bound = [&](size_t terms) {
        return kC * kU * std::sqrt(static_cast<double>(terms)) * (std::fabs(sum) + std::sqrt(sq));
    };
    for (size_t i = 0; i < n; ++i) {
        if (k == ScanKind::kExclusiveSum) {
            t.value[i] = sum;
            t.bound[i] = bound(i);
        }
        sum += x[i];
        sq += static_cast<double>(x[i]) * x[i];
        if (k == ScanKind::kInclusiveSum) {
            t.value[i] = sum;
            t.bound[i] = bound(i + 1);
        }
    }
    if (k == ScanKind::kSum) {
        t.value[0] = sum;
        t.bound[0] = bound(n);
    }
    return t;
}

Result<std::vector<int32_t>> scan_truth_int(ScanKind k, std::span<const int32_t> x) {
    const size_t n = x.size();
    std::vector<int64_t> wide(static_cast<size_t>(scan_outputs(k, static_cast<int64_t>(n))));
    int64_t sum = 0;
    for (size_t i = 0; i < n; ++i) {
        if (k == ScanKind::kExclusiveSum) wide[i] = sum;
        sum += x[i];
        if (k == ScanKind::kInclusiveSum) wide[i] = sum;
    }
    if (k == ScanKind::kSum) wide[0] = sum;
    std::vector<int32_t> out(wide.size());
    for (size_t i = 0; i < wide.size(); ++i) {
        if (wide[i] < std::numeric_limits<int32_t>::min() || wide[i] > std::numeric_limits<int32_t>::max())
            return make_error(fmt::format("the int32 {} overflows: result {} is {}", scan_kind_name(k), i, wide[i]));
        out[i] = static_cast<int32_t>(wide[i]);
    }
    return out;
}

}  // namespace kc::reference
