// mastery/01's elementwise exercises (poly-activation, glu, complex-mul, silu, silu-bf16): their
// bounds against simulated kernels. Correct fp32 kernels pass with at least half the bound to
// spare, in any order, with FMA or not, with fast-math exp and divide at their documented
// worst; the classic mistakes (a dropped term, half precision, the gate and value swapped, the
// conjugate, bf16 arithmetic) fail.
#include <gtest/gtest.h>

#include <cmath>

#include "exercises/dtype.h"
#include "exercises/registry.h"
#include "support/exercise_check.h"
#include "support/host_case.h"
#include "support/sim_float.h"

namespace kc::test::bounds {
namespace {

using exercises::find_exercise;
using exercises::FloatExercise;
using sim::nudge;
using sim::to_half;

const FloatExercise& float_exercise(const char* name) {
    const auto* ex = dynamic_cast<const FloatExercise*>(find_exercise(name));
    EXPECT_NE(ex, nullptr) << name;
    return *ex;
}

// fp32 exp at __expf's documented worst (2 + 1.173 |x| ulps), in the direction `sign`.
float worst_exp(float x, int sign) { return nudge(std::exp(x), sign * static_cast<int>(2 + 1.173f * std::fabs(x))); }

// The sigmoid a kernel computes: accurate (expf, a true divide) or fast-math at its worst.
float sigmoid_f(float b, bool fast, int sign) {
    const float e = fast ? worst_exp(-b, sign) : std::exp(-b);
    const float q = 1.0f / (1.0f + e);
    return fast ? nudge(q, -sign * 2) : q;  // __fdividef: 2 ulp
}

template <class F>
std::vector<float> each(const TensorCase& r, F f) {
    std::vector<float> out(r.elements());
    for (size_t i = 0; i < out.size(); ++i) out[i] = f(i);
    return out;
}

TEST(MasteryElementwise, PolynomialInAnyOrderPassesAndShortcutsFail) {
    const auto& ex = float_exercise("poly-activation");
    Tally tally("poly");
    const float a = 0.3f, b = -0.05f;
    for (long long n : {1LL, 1003LL, 100003LL}) {
        const auto r = make_run(ex, {{"n", n}}, 5);
        const auto& x = r.in[0];
        tally.correct("terms", r, each(r, [&](size_t i) { return x[i] + a * x[i] * x[i] + b * x[i] * x[i] * x[i]; }));
        tally.correct("horner-fma", r, each(r, [&](size_t i) { return std::fmaf(std::fmaf(std::fmaf(b, x[i], a), x[i], 1.f), x[i], 0.f); }));
        tally.correct("horner", r, each(r, [&](size_t i) { return ((b * x[i] + a) * x[i] + 1.f) * x[i]; }));
        tally.wrong("no-cubic", r, each(r, [&](size_t i) { return x[i] + a * x[i] * x[i]; }));
        tally.wrong("half", r, each(r, [&](size_t i) {
            const float h = to_half(x[i]);
            return to_half(to_half(h + to_half(a * h * h)) + to_half(b * h * h * h));
        }), 1);
    }
}

TEST(MasteryElementwise, GluWithFastExpPassesAndSwappedHalvesFail) {
    const auto& ex = float_exercise("glu");
    Tally tally("glu");
    for (auto [rows, cols] : {std::pair{1LL, 1LL}, {3LL, 1001LL}, {64LL, 4096LL}}) {
        const auto r = make_run(ex, {{"rows", rows}, {"cols", cols}}, 7);
        const auto c = static_cast<size_t>(cols);
        auto value = [&](size_t i) { return r.in[0][i / c * 2 * c + i % c]; };
        auto gate = [&](size_t i) { return r.in[0][i / c * 2 * c + c + i % c]; };
        tally.correct("expf", r, each(r, [&](size_t i) { return value(i) * sigmoid_f(gate(i), false, 1); }));
        tally.correct("fast-worst-up", r, each(r, [&](size_t i) { return value(i) * sigmoid_f(gate(i), true, 1); }));
        tally.correct("fast-worst-down", r, each(r, [&](size_t i) { return value(i) * sigmoid_f(gate(i), true, -1); }));
        if (rows * cols > 1)
            tally.wrong("swapped", r, each(r, [&](size_t i) { return gate(i) * sigmoid_f(value(i), false, 1); }));
        tally.wrong("half", r, each(r, [&](size_t i) { return to_half(value(i) * to_half(sigmoid_f(gate(i), false, 1))); }), 1);
    }
}

TEST(MasteryElementwise, ComplexProductWithOrWithoutFmaPassesAndTheConjugateFails) {
    const auto& ex = float_exercise("complex-mul");
    Tally tally("complex");
    for (long long n : {1LL, 1003LL, 100003LL}) {
        const auto r = make_run(ex, {{"n", n}}, 9);
        const auto &a = r.in[0], &b = r.in[1];
        auto product = [&](size_t i, bool fma, bool conj) {
            const size_t k = i / 2 * 2;
            const float ar = a[k], ai = a[k + 1], br = b[k], bi = conj ? -b[k + 1] : b[k + 1];
            if (i % 2 == 0) return fma ? std::fmaf(ar, br, -(ai * bi)) : ar * br - ai * bi;
            return fma ? std::fmaf(ar, bi, ai * br) : ar * bi + ai * br;
        };
        tally.correct("plain", r, each(r, [&](size_t i) { return product(i, false, false); }));
        tally.correct("fma", r, each(r, [&](size_t i) { return product(i, true, false); }));
        tally.wrong("conjugate", r, each(r, [&](size_t i) { return product(i, false, true); }));
    }
}

// silu and silu-bf16 are checked through the generic host case (their element type varies).
grade::Comparison compare_case(const test::HostCase& h, const std::vector<float>& got, long long n) {
    const std::vector<long long> shape{n};
    auto c = grade::compare(got, h.truth[0], h.bound[0], shape);
    EXPECT_TRUE(c.ok());
    return c.ok() ? *c : grade::Comparison{};
}

float input(const test::HostCase& h, size_t i, bool bf16) {
    return bf16 ? exercises::from_bf16(h.seeded[0].as<const uint16_t>()[i]) : h.seeded[0].as<const float>()[i];
}

TEST(MasteryElementwise, SiluFp32WithFastExpPassesAndHalfFails) {
    const auto* ex = find_exercise("silu");
    ASSERT_NE(ex, nullptr);
    for (long long n : {1LL, 100003LL}) {
        const auto h = host_case(*ex, {{"n", n}}, 3);
        std::vector<float> accurate(n), fast(n), half(n);
        for (size_t i = 0; i < static_cast<size_t>(n); ++i) {
            const float x = input(h, i, false);
            accurate[i] = x * sigmoid_f(x, false, 1);
            fast[i] = x * sigmoid_f(x, true, 1);
            half[i] = to_half(x * to_half(sigmoid_f(x, false, 1)));
        }
        const auto a = compare_case(h, accurate, n), f = compare_case(h, fast, n), w = compare_case(h, half, n);
        EXPECT_TRUE(a.passed());
        EXPECT_LE(a.headroom, 0.5);
        EXPECT_TRUE(f.passed());
        EXPECT_LE(f.headroom, 0.5);
        if (n > 1) EXPECT_FALSE(w.passed());
    }
}

TEST(MasteryElementwise, SiluBf16RoundedOnceFromFp32PassesAndBf16ArithmeticFails) {
    const auto* ex = find_exercise("silu-bf16");
    ASSERT_NE(ex, nullptr);
    EXPECT_EQ(parameters(*ex, {{"n", 8}}), "const __nv_bfloat16* x, __nv_bfloat16* y, int n");
    const long long n = 100003;
    const auto h = host_case(*ex, {{"n", n}}, 4);
    auto bf = [](float v) { return exercises::from_bf16(exercises::to_bf16(v)); };
    std::vector<float> once(n), fast(n), in_bf16(n);
    for (size_t i = 0; i < static_cast<size_t>(n); ++i) {
        const float x = input(h, i, true);
        once[i] = bf(x * sigmoid_f(x, false, 1));
        fast[i] = bf(x * sigmoid_f(x, true, -1));
        // Every step rounded to bf16, as __nv_bfloat16 arithmetic would: exp, add, divide, product.
        const float e = bf(std::exp(-x)), q = bf(1.0f / bf(1.0f + e));
        in_bf16[i] = bf(x * q);
    }
    const auto a = compare_case(h, once, n), f = compare_case(h, fast, n), w = compare_case(h, in_bf16, n);
    EXPECT_TRUE(a.passed());
    EXPECT_LE(a.headroom, 0.5);
    EXPECT_TRUE(f.passed());
    EXPECT_FALSE(w.passed()) << "bf16 arithmetic throughout: " << w.mismatches << " mismatches, headroom " << w.headroom;
}

}  // namespace
}  // namespace kc::test::bounds
