#include "support/sim_float.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "grade/compare.h"

namespace kc::test::sim {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

float to_half(float x) {
    if (!std::isfinite(x) || x == 0) return x;
    const double ax = std::fabs(static_cast<double>(x));
    const double quantum = std::ldexp(1.0, std::max(std::ilogb(ax), -14) - 10);
    double r = std::nearbyint(ax / quantum) * quantum;  // the default rounding: to nearest even
    if (r > 65504.0) r = kInf;
    return static_cast<float>(std::copysign(r, static_cast<double>(x)));
}

float ulp(float x) { return std::ldexp(1.0f, std::ilogb(x) - 23); }

float nudge(float x, int steps) {
    if (x == 0 || !std::isfinite(x)) return x;
    return x + static_cast<float>(steps) * ulp(std::fabs(x)) * (x > 0 ? 1.f : -1.f);
}

float tree_sum(std::vector<float> v) {
    if (v.empty()) return 0.f;
    for (size_t w = 1; w < v.size(); w *= 2)
        for (size_t i = 0; i + w < v.size(); i += 2 * w) v[i] += v[i + w];
    return v[0];
}

float sum(const std::vector<float>& terms, Order order) {
    switch (order) {
        case Order::kSequential: {
            float s = 0;
            for (float t : terms) s += t;
            return s;
        }
        case Order::kTree: return tree_sum(terms);
        case Order::kBlock: {
            std::vector<float> lanes(std::min<size_t>(256, terms.size()), 0.f);
            for (size_t i = 0; i < terms.size(); ++i) lanes[i % lanes.size()] += terms[i];
            return tree_sum(lanes);
        }
    }
    return 0;
}

float dot_sequential(const std::vector<float>& x, const std::vector<float>& y) {
    float s = 0;
    for (size_t l = 0; l < x.size(); ++l) s += x[l] * y[l];
    return s;
}
float dot_fma(const std::vector<float>& x, const std::vector<float>& y) {
    float s = 0;
    for (size_t l = 0; l < x.size(); ++l) s = std::fmaf(x[l], y[l], s);
    return s;
}
std::vector<float> products(const std::vector<float>& x, const std::vector<float>& y) {
    std::vector<float> p(x.size());
    for (size_t l = 0; l < x.size(); ++l) p[l] = x[l] * y[l];
    return p;
}

std::vector<float> sentinel_last_row(std::vector<float> got, size_t row_length) {
    for (size_t i = got.size() - row_length; i < got.size(); ++i) got[i] = grade::sentinel();
    return got;
}

std::vector<float> copy_of(const std::vector<float>& src, size_t n) {
    std::vector<float> out(n, 0.f);
    std::copy_n(src.begin(), std::min(n, src.size()), out.begin());
    return out;
}

}  // namespace kc::test::sim
