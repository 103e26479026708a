#include "support/sim_layer_norm.h"

namespace kc::test::sim {

WelfordState welford_add(WelfordState w, float x) {
    w.count += 1;
    const float delta = x - w.mean;
    w.mean += delta / w.count;
    w.m2 += delta * (x - w.mean);
    return w;
}
WelfordState chan_combine(WelfordState a, WelfordState b) {
    if (a.count == 0) return b;
    if (b.count == 0) return a;
    const float n = a.count + b.count, delta = b.mean - a.mean;
    return {n, a.mean + delta * (b.count / n), a.m2 + b.m2 + delta * delta * (a.count * b.count / n)};
}

}  // namespace kc::test::sim

namespace kc::test::explain {

using exercises::kLayerNormEps;

float one_pass_variance(const float* x, size_t n, float mean) {
    float sq = 0;
    for (size_t j = 0; j < n; ++j) sq += x[j] * x[j];
    return sq / static_cast<float>(n) - mean * mean + kLayerNormEps;
}

}  // namespace kc::test::explain
