// layer-norm kernels simulated on the host: a row's mean and rstd as two passes, Welford (over
// any number of lanes, combined as Chan et al.) or one shifted pass compute them in fp32, rsqrtf
// within its 2 ulp; and, for the explain tests, the module's controls (a variance that is
// wrong).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

#include "exercises/layer_norm/layer_norm.h"
#include "support/sim_float.h"
#include "support/sim_rows.h"
#include "support/tensor_case.h"

namespace kc::test::sim {

// A row's mean and 1 / sqrt(var + eps) as a kernel computes them, in fp32.
struct Moments {
    float mean, rstd;
};

// rsqrtf: within 2 ulp (CUDA); here 1/sqrt correctly rounded, then off by -2..2 ulp.
class Rsqrt {
public:
    float operator()(float v) { return nudge(1.f / std::sqrt(v), static_cast<int>(g_() % 5) - 2); }

private:
    std::mt19937_64 g_{777};
};

inline constexpr float kEps = exercises::kLayerNormEps;

// Two passes: the mean, then the mean of (x - mean)^2, each summed in `order`.
inline auto two_pass(Order order, bool reciprocal) {
    return [order, reciprocal](const float* x, size_t n, Rsqrt& rsqrt) {
        const float nf = static_cast<float>(n);
        const float s = sum(std::vector<float>(x, x + n), order);
        const float mean = reciprocal ? s * (1.f / nf) : s / nf;
        std::vector<float> d2(n);
        for (size_t j = 0; j < n; ++j) d2[j] = (x[j] - mean) * (x[j] - mean);
        return Moments{mean, rsqrt(sum(d2, order) / nf + kEps)};
    };
}

struct WelfordState {
    float count = 0, mean = 0, m2 = 0;
};
// One element added to a running count, mean and sum of squared deviations (Welford).
WelfordState welford_add(WelfordState w, float x);
// Two running states as one (Chan, Golub, LeVeque).
WelfordState chan_combine(WelfordState a, WelfordState b);

// Welford over `lanes` strided lanes, combined in a tree (lanes = 1: one thread per row).
inline auto welford(size_t lanes) {
    return [lanes](const float* x, size_t n, Rsqrt& rsqrt) {
        std::vector<WelfordState> w(std::min(lanes, n));
        for (size_t j = 0; j < n; ++j) w[j % w.size()] = welford_add(w[j % w.size()], x[j]);
        for (size_t step = 1; step < w.size(); step *= 2)
            for (size_t i = 0; i + step < w.size(); i += 2 * step) w[i] = chan_combine(w[i], w[i + step]);
        return Moments{w[0].mean, rsqrt(w[0].m2 / static_cast<float>(n) + kEps)};
    };
}

// One pass over x - x_0 (a shift that makes the sum of squares well conditioned).
inline auto shifted_one_pass(Order order) {
    return [order](const float* x, size_t n, Rsqrt& rsqrt) {
        const float nf = static_cast<float>(n), k = x[0];
        std::vector<float> d(n), d2(n);
        for (size_t j = 0; j < n; ++j) {
            d[j] = x[j] - k;
            d2[j] = d[j] * d[j];
        }
        const float m1 = sum(d, order) / nf;
        const float var = std::max(0.f, sum(d2, order) / nf - m1 * m1);
        return Moments{k + m1, rsqrt(var + kEps)};
    };
}

// y = (x - mean) * rstd * gamma + beta, with an FMA for the last step or not.
template <class Stats>
std::vector<float> layer_norm_with(const TensorCase& r, Stats stats, bool fma = true) {
    const auto& gamma = r.in[1];
    const auto& beta = r.in[2];
    Rsqrt rsqrt;
    return by_rows(r, [&](const float* x, size_t n, float* y, size_t) {
        const Moments m = stats(x, n, rsqrt);
        for (size_t j = 0; j < n; ++j) {
            const float z = (x[j] - m.mean) * m.rstd;
            y[j] = fma ? std::fmaf(z, gamma[j], beta[j]) : z * gamma[j] + beta[j];
        }
    });
}

}  // namespace kc::test::sim

namespace kc::test::explain {

// y = (x - mean) * rstd * gamma + beta with the variance `var(x, n, mean)`, in fp32.
template <class Var>
std::vector<float> layer_norm_with(const TensorCase& r, Var var) {
    const auto& gamma = r.in[1];
    const auto& beta = r.in[2];
    return by_rows(r, [&](const float* x, size_t n, float* y) {
        float sum = 0;
        for (size_t j = 0; j < n; ++j) sum += x[j];
        const float mean = sum / static_cast<float>(n);
        const float rstd = 1.f / std::sqrt(var(x, n, mean));
        for (size_t j = 0; j < n; ++j) y[j] = (x[j] - mean) * rstd * gamma[j] + beta[j];
    });
}

// var = E[x^2] - E[x]^2 + eps in fp32, one pass (the module's one-pass-variance control).
float one_pass_variance(const float* x, size_t n, float mean);

}  // namespace kc::test::explain
