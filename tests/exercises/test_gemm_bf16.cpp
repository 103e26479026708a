// gemm-bf16: the float64 truth against a naive long double product of the bf16 inputs, and the
// bound against simulated kernels: fp32 accumulation in the tensor cores' truncating blocks (the
// worst a correct kernel does) stays within it; a bf16 accumulator, a dropped k term, B read
// transposed and bf16 products rounded twice do not.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <vector>

#include "exercises/dtype.h"
#include "exercises/exercise.h"
#include "exercises/registry.h"
#include "support/host_case.h"

namespace kc::exercises {
namespace {

using test::host_case;

Sizes mnk(long long m, long long n, long long k) { return {{"m", m}, {"n", n}, {"k", k}}; }

struct Bf16Case {
    size_t m, n, k;
    std::vector<float> a, b;  // widened, exact
    std::vector<double> truth, bound;
};

Bf16Case make(const Sizes& s, uint64_t seed) {
    const Exercise* ex = find_exercise("gemm-bf16");
    EXPECT_NE(ex, nullptr);
    const auto h = host_case(*ex, s, seed);
    Bf16Case c{static_cast<size_t>(s.at("m")), static_cast<size_t>(s.at("n")), static_cast<size_t>(s.at("k")),
               {}, {}, h.truth[0], h.bound[0]};
    for (uint16_t v : h.seeded[0].as<const uint16_t>()) c.a.push_back(from_bf16(v));
    for (uint16_t v : h.seeded[1].as<const uint16_t>()) c.b.push_back(from_bf16(v));
    return c;
}

// Cut x to fp32's precision relative to a block whose largest magnitude is `top`, toward zero:
// what the tensor cores do to every addend of a block.
float truncate_to(double x, double top) {
    if (top == 0) return 0.f;
    const double ulp = std::ldexp(1.0, std::ilogb(top) - 23);
    return static_cast<float>(std::trunc(x / ulp) * ulp);
}

// A kernel's element: `dot(a row, b column)` then the store in bf16.
using Dot = std::function<float(const std::vector<float>&, const std::vector<float>&)>;

std::vector<float> run(const Bf16Case& c, const Dot& dot, bool b_transposed = false) {
    std::vector<float> out(c.m * c.n), x(c.k), y(c.k);
    for (size_t i = 0; i < c.m; ++i)
        for (size_t j = 0; j < c.n; ++j) {
            for (size_t l = 0; l < c.k; ++l) {
                x[l] = c.a[i * c.k + l];
                const size_t bi = b_transposed ? (j * c.k + l) % c.b.size() : l * c.n + j;
                y[l] = c.b[bi];
            }
            out[i * c.n + j] = from_bf16(to_bf16(dot(x, y)));
        }
    return out;
}

// Blocks of 4 products plus the accumulator, each addend truncated to the block's top, the sum
// rounded toward zero: the worst of the published tensor-core behaviour.
float tensor_core_dot(const std::vector<float>& x, const std::vector<float>& y) {
    float acc = 0;
    for (size_t l0 = 0; l0 < x.size(); l0 += 4) {
        double top = std::fabs(acc), addends[5] = {acc};
        size_t count = 1;
        for (size_t l = l0; l < std::min(x.size(), l0 + 4); ++l) {
            addends[count] = static_cast<double>(x[l]) * y[l];  // exact
            top = std::max(top, std::fabs(addends[count++]));
        }
        double sum = 0;
        for (size_t t = 0; t < count; ++t) sum += truncate_to(addends[t], top);
        acc = truncate_to(sum, std::fabs(sum));
    }
    return acc;
}

float fp32_fma_dot(const std::vector<float>& x, const std::vector<float>& y) {
    float acc = 0;
    for (size_t l = 0; l < x.size(); ++l) acc = std::fmaf(x[l], y[l], acc);
    return acc;
}

float bf16_accumulator_dot(const std::vector<float>& x, const std::vector<float>& y) {
    float acc = 0;
    for (size_t l = 0; l < x.size(); ++l) acc = from_bf16(to_bf16(acc + x[l] * y[l]));
    return acc;
}

// Elements outside the bound, and the largest error over its bound.
struct Outside {
    size_t count = 0;
    double worst = 0;
};

Outside outside(const Bf16Case& c, const std::vector<float>& got) {
    Outside o;
    for (size_t i = 0; i < got.size(); ++i) {
        const double e = std::fabs(got[i] - c.truth[i]);
        o.count += e > c.bound[i];
        o.worst = std::max(o.worst, e / c.bound[i]);
    }
    return o;
}

TEST(GemmBf16, TruthMatchesALongDoubleProductOfTheBf16Inputs) {
    const Bf16Case c = make(mnk(19, 33, 301), 4);
    for (size_t i = 0; i < c.m; ++i)
        for (size_t j = 0; j < c.n; ++j) {
            long double ref = 0, abs_sum = 0;
            for (size_t l = 0; l < c.k; ++l) {
                const long double t = static_cast<long double>(c.a[i * c.k + l]) * c.b[l * c.n + j];
                ref += t;
                abs_sum += std::fabs(t);
            }
            ASSERT_LE(std::fabs(static_cast<long double>(c.truth[i * c.n + j]) - ref), 1e-15L * abs_sum);
            EXPECT_GT(c.bound[i * c.n + j], 0x1p-8 * std::fabs(c.truth[i * c.n + j]));
        }
    for (float v : c.a) EXPECT_EQ(from_bf16(to_bf16(v)), v);  // the inputs are bf16 values
}

TEST(GemmBf16, TheDeclarationsAreConsistent) {
    const Exercise* ex = find_exercise("gemm-bf16");
    ASSERT_NE(ex, nullptr);
    EXPECT_EQ(check_declarations(*ex, mnk(67, 129, 80)), "");
    EXPECT_EQ(ex->spec().math, Math::kBf16);
    EXPECT_EQ(ex->shape(mnk(67, 129, 80), "c"), (std::vector<long long>{67, 129}));
}

TEST(GemmBf16, CorrectKernelsStayWithinTheBound) {
    for (const Sizes& s : {mnk(16, 24, 1024), mnk(7, 9, 4099), mnk(33, 17, 1), mnk(5, 3, 77)}) {
        const Bf16Case c = make(s, 2);
        const Outside tc = outside(c, run(c, tensor_core_dot)), fma = outside(c, run(c, fp32_fma_dot));
        EXPECT_EQ(tc.count, 0u) << "k = " << c.k << ", worst " << tc.worst << " of the bound";
        EXPECT_EQ(fma.count, 0u) << "k = " << c.k << ", worst " << fma.worst << " of the bound";
        std::printf("[calibration] gemm-bf16 k=%zu: truncating blocks %.3f, fp32 fma %.3f of the bound\n", c.k,
                    tc.worst, fma.worst);
    }
}

TEST(GemmBf16, WrongKernelsFail) {
    // The bound grows as k sum |t| (a worst case of truncation), a bf16 accumulator's error as
    // sqrt(k) ||t||: it fails 3 elements in 4 at k = 1024 and 2 in 5 at the timed k = 4096.
    for (const Sizes& s : {mnk(16, 24, 1024), mnk(16, 16, 4096)}) {
        const Bf16Case c = make(s, 3);
        const Outside acc = outside(c, run(c, bf16_accumulator_dot));
        EXPECT_GT(acc.count, c.truth.size() / (c.k > 1024 ? 4 : 2)) << "a bf16 accumulator at k = " << c.k;
        EXPECT_GT(acc.worst, 4.0);
        std::printf("[calibration] gemm-bf16 k=%zu: a bf16 accumulator fails %zu of %zu, up to %.1f times the bound\n",
                    c.k, acc.count, c.truth.size(), acc.worst);
        EXPECT_GT(outside(c, run(c, fp32_fma_dot, true)).count, c.truth.size() * 9 / 10) << "B read transposed";
    }
    // A dropped k term (a skipped partial k tile) is seen where k is small, as in the ragged cases.
    for (const Sizes& s : {mnk(16, 24, 1024), mnk(33, 17, 77), mnk(9, 9, 3)}) {
        const Bf16Case c = make(s, 5);
        const Outside dropped = outside(c, run(c, [](auto x, auto y) {
                                            x.pop_back();
                                            y.pop_back();
                                            return fp32_fma_dot(x, y);
                                        }));
        EXPECT_GT(dropped.count, c.truth.size() / 2) << "the last k term dropped at k = " << c.k;
    }
}

}  // namespace
}  // namespace kc::exercises
