// conv2d's host side: the float64 truth against a long double reference, the error bounds
// against simulated fp32 kernels (direct in two tap orders, Winograd F(2x2, 3x3); wrong ones:
// half precision, a flipped filter, a replicated border, ...; "[calibration]" lines), the timed
// run's halved input, its size sweep, and the diagnosis of a kernel that reads past the border.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <span>
#include <thread>
#include <vector>

#include "exercises/conv2d/conv2d.h"
#include "exercises/spec.h"
#include "grade/compare.h"
#include "support/exercise_check.h"
#include "support/explain_check.h"
#include "support/sim_conv2d.h"
#include "support/sim_float.h"
#include "support/sweep.h"
#include "support/tensor_case.h"

namespace kc::exercises {
namespace {

using test::TensorCase;
using test::make_inputs;
using namespace test::bounds;  // make_run (sizes checked), sizes_text, Tally
using namespace test::sim;     // the simulated kernels
using test::field;
using test::spec_of;

const std::vector<Sizes>& conv_cases() {
    static const std::vector<Sizes> cases = {
        conv(2, 3, 9, 11, 4, 3, 3, 1, 1), conv(1, 512, 6, 6, 4, 3, 3, 1, 1), conv(2, 5, 10, 9, 3, 5, 5, 2, 2),
        conv(1, 1, 1, 1, 1, 1, 1, 0, 1),  conv(3, 7, 8, 8, 5, 1, 1, 0, 1),   conv(1, 4, 7, 7, 2, 3, 3, 3, 1),
        conv(1, 1, 8, 8, 1, 3, 3, 1, 1),  conv(2, 2, 5, 5, 3, 3, 3, 1, 1),   conv(1, 3, 16, 16, 8, 3, 3, 0, 1),
        conv(4, 1, 9, 9, 4, 3, 3, 2, 1),  conv(2, 16, 12, 12, 8, 3, 3, 1, 1),
    };
    return cases;
}

TEST(ExerciseConv2d, TruthMatchesLongDoubleReference) {
    for (const Sizes& z : conv_cases()) {
        const TensorCase t = make_run(conv2d_exercise(), z, 5);
        // The reference: every tap in long double, straight from the definition.
        const long long N = z.at("n"), C = z.at("c"), H = z.at("h"), W = z.at("w"), K = z.at("k"), R = z.at("r"),
                        S = z.at("s"), pad = z.at("pad"), stride = z.at("stride"), P = conv2d_p(z), Q = conv2d_q(z);
        for (long long n = 0; n < N; ++n)
            for (long long k = 0; k < K; ++k)
                for (long long p = 0; p < P; ++p)
                    for (long long q = 0; q < Q; ++q) {
                        long double ref = 0, abs_sum = 0;
                        for (long long c = 0; c < C; ++c)
                            for (long long r = 0; r < R; ++r)
                                for (long long s = 0; s < S; ++s) {
                                    const long long ih = p * stride + r - pad, iw = q * stride + s - pad;
                                    if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                                    const long double v =
                                        static_cast<long double>(t.in[0][static_cast<size_t>(((n * C + c) * H + ih) * W + iw)]) *
                                        t.in[1][static_cast<size_t>(((k * C + c) * R + r) * S + s)];
                                    ref += v;
                                    abs_sum += std::fabs(v);
                                }
                        const size_t i = static_cast<size_t>(((n * K + k) * P + p) * Q + q);
                        ASSERT_LE(std::fabs(static_cast<long double>(t.truth[i]) - ref), 1e-15L * abs_sum)
                            << sizes_text(z) << " at " << i;
                        if (abs_sum > 0) {
                            EXPECT_GT(t.bound[i], 0.0) << sizes_text(z) << " at " << i;
                        }
                    }
    }
}

TEST(ExerciseConv2d, CorrectKernelsStayWithinHalfTheBound) {
    Tally tally("conv2d");
    for (const Sizes& z : conv_cases())
        for (uint64_t seed : {1u, 2u, 3u, 4u}) {
            const TensorCase t = make_run(conv2d_exercise(), z, seed);
            tally.correct("direct-sequential", t, conv_with(t, dot_sequential));
            tally.correct("direct-sequential-fma", t, conv_with(t, dot_fma));
            tally.correct("implicit-gemm-rsc-fma", t, conv_with(t, dot_fma, false));
            tally.correct("tree", t, conv_with(t, [](auto& x, auto& y) { return tree_sum(products(x, y)); }));
            tally.correct("256-lane-block", t,
                          conv_with(t, [](auto& x, auto& y) { return sum(products(x, y), Order::kBlock); }, false));
            if (z.at("r") == 3 && z.at("s") == 3 && z.at("stride") == 1)
            {
                tally.correct("winograd-f2x2-3x3", t, conv_winograd(t, winograd_f2()));
                tally.observe("winograd-f4x4-3x3-not-covered", t, conv_winograd(t, winograd_f4()));
            }
        }
}

TEST(ExerciseConv2d, WrongKernelsFail) {
    Tally tally("conv2d");
    for (const Sizes& z : conv_cases()) {
        if (z.at("c") * z.at("r") * z.at("s") < 4) continue;  // a single tap: flips and borders do not exist
        const TensorCase t = make_run(conv2d_exercise(), z, 3);
        tally.wrong("half-inputs", t, conv_with(t, [](auto x, auto y) {
                        for (auto& v : x) v = to_half(v);
                        for (auto& v : y) v = to_half(v);
                        return dot_fma(x, y);
                    }));
        tally.wrong("half-output", t, conv_with(t, [](auto& x, auto& y) { return to_half(dot_fma(x, y)); }));
        if (z.at("r") > 1) tally.wrong("flipped-filter", t, conv_with(t, dot_fma, true, Taps::kFlipped));
        if (z.at("pad") > 0) tally.wrong("replicated-border", t, conv_with(t, dot_fma, true, Taps::kReplicate));
        tally.wrong("zeros", t, std::vector<float>(t.elements(), 0.f));
        tally.wrong("copy-of-input", t, copy_of(t.in[0], t.elements()));
        tally.wrong("last-row-skipped", t, sentinel_last_row(conv_with(t, dot_fma), static_cast<size_t>(conv2d_q(z))));
    }
}

TEST(ExerciseConv2d, HalvedInputHalvesTruthAndBoundExactly) {
    for (const Sizes& z : conv_cases()) {
        const auto tt = conv2d_exercise().timed_transform(z);
        ASSERT_EQ(tt.kind, TimedTransform::kHalveInput);
        ASSERT_EQ(tt.input, 0u);
        TensorCase t = make_run(conv2d_exercise(), z, 11);
        for (auto& v : t.in[0]) v *= 0.5f;
        std::vector<double> truth(t.elements()), bound(t.elements());
        std::vector<std::span<const float>> cin(t.in.begin(), t.in.end());
        conv2d_exercise().float_truth(z, cin, truth, bound);
        for (size_t i = 0; i < t.elements(); ++i) {
            ASSERT_EQ(truth[i], 0.5 * t.truth[i]) << i;
            ASSERT_EQ(bound[i], 0.5 * t.bound[i]) << i;
        }
    }
}

TEST(ExerciseConv2d, DISABLED_TruthTiming) {
    const Sizes z = conv(32, 64, 56, 56, 64, 3, 3, 1, 1);
    const auto in = make_inputs(conv2d_exercise(), z, 1);
    std::vector<double> truth(*checked_elements(conv2d_exercise(), z)), bound(truth.size());
    std::vector<std::span<const float>> cin(in.begin(), in.end());
    for (int rep = 0; rep < 2; ++rep) {
        const auto t0 = std::chrono::steady_clock::now();
        conv2d_exercise().float_truth(z, cin, truth, bound);
        const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::printf("[timing] conv2d truth n32 c64 56x56 k64 3x3: %.3f s (%.1f GFLOP) on %u threads\n", sec,
                    conv2d_spec().flops(z) / 1e9, std::thread::hardware_concurrency());
    }
}

TEST(Sweep, Conv2dScalesTheBatchAndKeepsTheRest) {
    const Sizes largest{{"n", 32}, {"c", 64}, {"h", 56}, {"w", 56}, {"k", 64},
                        {"r", 3},  {"s", 3},  {"pad", 0}, {"stride", 1}};
    auto sweep = kc::exercises::sweep_sizes(spec_of("conv2d"), largest);
    EXPECT_EQ(field(sweep, "n"), (std::vector<long long>{1, 2, 4, 8, 16, 32}));
    for (const auto& s : sweep) {
        for (const char* kept : {"c", "h", "w", "k", "r", "s", "pad", "stride"}) {
            EXPECT_EQ(s.at(kept), largest.at(kept)) << kept << " at n=" << s.at("n");
        }
    }
}

// ---- the diagnosis of a wrong kernel ---------------------------------------------------------

// In a namespace of their own: the explain tests take kc::test's make_run (no size check), not
// the bounds tests' above.
namespace explain {

using test::make_run;
using test::explain::CaseRun;
using test::explain::Checked;
using test::explain::check;
using test::explain::kRunSeed;

// The module's no-padding-check control on the host: taps outside the input read the clamped
// border instead of zero (a stand-in for whatever lies next to the image).
std::vector<float> conv_replicating_border(const CaseRun& t) {
    const auto& z = t.sizes;
    const long long C = z.at("c"), H = z.at("h"), W = z.at("w"), K = z.at("k"), R = z.at("r"), S = z.at("s"),
                    pad = z.at("pad"), stride = z.at("stride"), P = conv2d_p(z), Q = conv2d_q(z);
    std::vector<float> out(t.truth.size());
    for (long long n = 0; n < z.at("n"); ++n)
        for (long long k = 0; k < K; ++k)
            for (long long p = 0; p < P; ++p)
                for (long long q = 0; q < Q; ++q) {
                    float acc = 0;
                    for (long long c = 0; c < C; ++c)
                        for (long long r = 0; r < R; ++r)
                            for (long long s = 0; s < S; ++s) {
                                const long long ih = std::clamp(p * stride + r - pad, 0LL, H - 1);
                                const long long iw = std::clamp(q * stride + s - pad, 0LL, W - 1);
                                acc += t.in[0][static_cast<size_t>(((n * C + c) * H + ih) * W + iw)] *
                                       t.in[1][static_cast<size_t>(((k * C + c) * R + r) * S + s)];
                            }
                    out[static_cast<size_t>(((n * K + k) * P + p) * Q + q)] = acc;
                }
    return out;
}

TEST(ExplainConv2d, ReadingPastTheBorderFailsOnlyTheOutputsThatTouchThePadding) {
    const Sizes s = {{"n", 2}, {"c", 3}, {"h", 9}, {"w", 11}, {"k", 5}, {"r", 3}, {"s", 3}, {"pad", 1}, {"stride", 1}};
    const CaseRun r = make_run(conv2d_exercise(), s, case_seed(kRunSeed, 2));
    const Checked c = check(r, conv_replicating_border(r));
    // 9 x 11 outputs per plane, 7 x 9 inside: 36 border outputs in each of 10 planes.
    EXPECT_EQ(c.diagnosis,
              "only the outputs whose window reaches into the zero padding (360 of 360) are wrong: the border of "
              "every output plane: taps that fall outside the input must count as zero; test each tap's input row "
              "and column, p * stride + r - pad and q * stride + s - pad, against h and w before reading it");
}

}  // namespace explain

}  // namespace
}  // namespace kc::exercises
