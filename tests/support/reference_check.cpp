#include "support/reference_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "exercises/spec.h"

namespace kc::test {

std::vector<float> random_values(uint64_t seed, size_t n, float lo, float hi, reference::DType t) {
    exercises::Rng rng(seed);
    std::vector<float> v(n);
    for (auto& x : v) x = reference::round_to(t, rng.uniform(lo, hi));
    return v;
}

namespace {
template <typename T>
Worst worst_impl(const reference::Bounded& truth, std::span<const T> got) {
    Worst w;
    if (got.size() != truth.value.size()) {
        w.ratio = std::numeric_limits<double>::infinity();
        w.over = std::max(got.size(), truth.value.size());
        return w;
    }
    for (size_t i = 0; i < got.size(); ++i) {
        const double err = std::fabs(static_cast<double>(got[i]) - truth.value[i]);
        const double r = std::isnan(err) ? std::numeric_limits<double>::infinity() : err == 0 ? 0 : err / truth.bound[i];
        if (r > 1) ++w.over;
        if (i == 0 || r > w.ratio) w = {r, i, static_cast<double>(got[i]), truth.value[i], truth.bound[i], w.over};
    }
    return w;
}
}  // namespace

Worst worst_of(const reference::Bounded& truth, std::span<const float> got) { return worst_impl(truth, got); }
Worst worst_of(const reference::Bounded& truth, std::span<const double> got) { return worst_impl(truth, got); }

std::string Worst::text() const {
    return fmt::format("element {}: {:.9g} vs {:.9g} (bound {:.3g}), {:.3g} of it; {} over", index, got, want, bound,
                       ratio, over);
}

}  // namespace kc::test
