// softmax kernels simulated on the host: exp and the divide as accurate, fast (__expf) or
// worst-case arithmetic computes them, the plain three-pass and the online softmax over any
// number of lanes; and, for the explain tests, the modules' controls (a max shift that is
// wrong, threads that return early).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <random>
#include <vector>

#include "support/sim_float.h"
#include "support/sim_rows.h"
#include "support/tensor_case.h"

namespace kc::test::sim {

inline constexpr float kFloatMin = std::numeric_limits<float>::min();

// exp as a kernel may compute it, from the fp32 difference d = x - max.
enum class Exp {
    kAccurate,  // expf: within 1 ulp here (glibc), 2 in CUDA
    kExp2,      // exp2f(d * log2e) in fp32
    kFast,      // __expf as the hardware does it: ex2.approx(fl(d * log2e)), 2 ulp, flush to zero
    kWorst,     // every exp off by the documented maximum of __expf, 2 + floor(1.173 |d|) ulp, upwards
};

class ExpSim {
public:
    explicit ExpSim(Exp kind) : kind_(kind) {}
    float operator()(float d) {
        switch (kind_) {
            case Exp::kAccurate: return std::exp(d);
            case Exp::kExp2: return std::exp2(d * 1.44269504f);
            case Exp::kFast: {
                const float t = d * 1.44269504f;
                const float e = nudge(static_cast<float>(std::exp2(static_cast<double>(t))), static_cast<int>(g_() % 5) - 2);
                return e < kFloatMin ? 0.f : e;
            }
            case Exp::kWorst: {
                const float e = static_cast<float>(std::exp(static_cast<double>(d)));
                return e < kFloatMin ? 0.f : nudge(e, 2 + static_cast<int>(std::floor(1.173 * std::fabs(d))));
            }
        }
        return 0;
    }
    // a / b as the kernel's divide: correctly rounded, or (fast) within 2 ulp and flushed.
    float divide(float a, float b) {
        if (kind_ == Exp::kAccurate) return a / b;
        if (kind_ == Exp::kExp2) return a * (1.f / b);
        const float q = nudge(a / b, kind_ == Exp::kWorst ? 2 : static_cast<int>(g_() % 5) - 2);
        return q < kFloatMin ? 0.f : q;
    }

private:
    Exp kind_;
    std::mt19937_64 g_{12345};
};

// max, exp(x - max), the sum in `order`, the divide.
inline auto softmax_plain(Exp kind, Order order) {
    return [kind, order](const float* x, size_t n, float* y, size_t) {
        ExpSim ex(kind);
        const float m = *std::max_element(x, x + n);
        std::vector<float> e(n);
        for (size_t j = 0; j < n; ++j) e[j] = ex(x[j] - m);
        const float s = sum(e, order);
        for (size_t j = 0; j < n; ++j) y[j] = ex.divide(e[j], s);
    };
}

// Online softmax (Milakov & Gimelshein): each of `lanes` lanes keeps a running max and a sum
// rescaled by exp(m_old - m_new) over its strided elements; the lanes combine in a tree.
inline auto softmax_online(Exp kind, size_t lanes) {
    return [kind, lanes](const float* x, size_t n, float* y, size_t) {
        ExpSim ex(kind);
        const size_t L = std::min(lanes, n);
        std::vector<float> m(L, -std::numeric_limits<float>::infinity()), s(L, 0.f);
        for (size_t j = 0; j < n; ++j) {
            const size_t l = j % L;
            if (x[j] > m[l]) {
                s[l] = s[l] * ex(m[l] - x[j]) + 1.f;
                m[l] = x[j];
            } else {
                s[l] += ex(x[j] - m[l]);
            }
        }
        for (size_t w = 1; w < L; w *= 2)
            for (size_t i = 0; i + w < L; i += 2 * w) {
                const float mm = std::max(m[i], m[i + w]);
                s[i] = s[i] * ex(m[i] - mm) + s[i + w] * ex(m[i + w] - mm);
                m[i] = mm;
            }
        for (size_t j = 0; j < n; ++j) y[j] = ex.divide(ex(x[j] - m[0]), s[0]);
    };
}

}  // namespace kc::test::sim

namespace kc::test::explain {

// y = exp(x - m) / sum exp(x - m) in fp32, with m = shift(row).
template <class Shift>
std::vector<float> softmax_with(const TensorCase& r, Shift shift) {
    return by_rows(r, [&](const float* x, size_t n, float* y) {
        const float m = shift(x, n);
        float sum = 0;
        for (size_t j = 0; j < n; ++j) sum += std::exp(x[j] - m);
        for (size_t j = 0; j < n; ++j) y[j] = std::exp(x[j] - m) / sum;
    });
}

// Issue 11, point 3: threads `return` when threadIdx.x >= cols, one thread per row, 1 block of
// 256 threads for the case `column` (7 x 1): rows 1 to 6 keep the sentinel.
std::vector<float> early_return_threads(const TensorCase& r);

}  // namespace kc::test::explain
