// layer-norm-gelu's host side: layer-norm's inputs and declarations, the float64 truth against a
// long double reference, the bound against simulated fp32 kernels ("[calibration]" lines:
// layer norm in its correct ways, then the GELU in the tanh or the sigmoid form, accurate or
// fast-math at its documented worst; wrong ones: the erf GELU, the GELU before the affine, the
// one-pass variance, no eps, half output, tanh.approx.f32), the timed run's reversed rows, and
// the diagnosis of a kernel with layer norm's mistakes.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "exercises/layer_norm/layer_norm.h"
#include "exercises/registry.h"
#include "support/exercise_check.h"
#include "support/explain_check.h"
#include "support/sim_float.h"
#include "support/sim_layer_norm.h"
#include "support/sim_rows.h"
#include "support/tensor_case.h"

namespace kc::exercises {
namespace {

using test::TensorCase;
using namespace test::bounds;  // make_run (sizes checked), sizes_text, Tally
using namespace test::sim;     // the simulated kernels

const FloatExercise& ex() {
    static const auto* e = dynamic_cast<const FloatExercise*>(find_exercise("layer-norm-gelu"));
    EXPECT_NE(e, nullptr);
    return *e;
}

// ---- the GELU in fp32, as a kernel may compute it ---------------------------------------------

constexpr float kK = 0.7978845608f;  // sqrt(2 / pi)
constexpr float kC = 0.044715f;

// A function correctly rounded to fp32, then moved `ulps` (CUDA's tanhf and expf: 2 at most).
float rounded(double v, int ulps) { return nudge(static_cast<float>(v), ulps); }
// exp at __expf's documented worst, 2 + 1.173 |x| ulps, in the direction `sign`.
float worst_exp(float x, int sign) {
    return rounded(std::exp(static_cast<double>(x)), sign * static_cast<int>(2 + 1.173f * std::fabs(x)));
}

enum class Gelu {
    kTanh,           // 0.5 z (1 + tanhf(k (z + c z^3))), tanhf off by `ulps`
    kTanhFma,        // a = k z fmaf(c z, z, 1), y = fmaf(0.5 z, t, 0.5 z)
    kSigmoidExpf,    // z / (1 + expf(-2a)), a true divide
    kSigmoidFast,    // z * __fdividef(1, 1 + __expf(-2a)), both at their worst, up (ulps 1) or down (-1)
    kTanhFromExp,    // tanh = 1 - 2 / (1 + __expf(2a)), at its worst likewise
    kErf,            // 0.5 z (1 + erff(z / sqrt 2)): the other GELU
    kTanhApprox,     // tanh.approx.f32 at its documented worst, 2^-10.987 relative, up or down
    kQuick,          // z sigmoid(1.702 z): the "quick" approximation
};

float gelu(float z, Gelu form, int ulps) {
    const float a = kK * (z + kC * z * z * z);
    auto tanh_of = [&](float v) { return rounded(std::tanh(static_cast<double>(v)), ulps); };
    switch (form) {
        case Gelu::kTanh: return 0.5f * z * (1.f + tanh_of(a));
        case Gelu::kTanhFma: return std::fmaf(0.5f * z, tanh_of(kK * z * std::fmaf(kC * z, z, 1.f)), 0.5f * z);
        case Gelu::kSigmoidExpf: return z / (1.f + rounded(std::exp(static_cast<double>(-2.f * a)), ulps));
        case Gelu::kSigmoidFast: return z * nudge(1.f / (1.f + worst_exp(-2.f * a, ulps)), -2 * ulps);
        case Gelu::kTanhFromExp: {
            const float t = 1.f - nudge(2.f / (1.f + worst_exp(2.f * a, ulps)), 2 * ulps);
            return 0.5f * z * (1.f + t);
        }
        case Gelu::kErf: {
            const double e = std::erf(static_cast<double>(z) * 0.70710678118654752440);  // erff, correctly rounded
            return 0.5f * z * (1.f + static_cast<float>(e));
        }
        case Gelu::kTanhApprox: {
            const double t = std::tanh(static_cast<double>(a));
            return 0.5f * z * (1.f + static_cast<float>(t * (1 + ulps * std::exp2(-10.987))));
        }
        case Gelu::kQuick: return z / (1.f + static_cast<float>(std::exp(-1.702 * z)));
    }
    return 0;
}

std::vector<float> gelu_of(std::vector<float> z, Gelu form, int ulps = 0) {
    for (auto& v : z) v = gelu(v, form, ulps);
    return z;
}

// A fused kernel: layer norm with the statistics of `stats` (support/sim_layer_norm.h; the affine
// as one FMA or not), then the GELU of its fp32 z in `form`.
template <class Stats>
std::vector<float> fused(const TensorCase& r, Stats stats, Gelu form, int ulps = 0, bool fma = true) {
    return gelu_of(layer_norm_with(r, stats, fma), form, ulps);
}

// Layer norm's own mistakes: the variance as E[x^2] - E[x]^2 in fp32, and no eps.
Moments one_pass_variance(const float* x, size_t n, Rsqrt& rsqrt) {
    std::vector<float> sq(n);
    for (size_t j = 0; j < n; ++j) sq[j] = x[j] * x[j];
    const float nf = static_cast<float>(n), mean = tree_sum(std::vector<float>(x, x + n)) / nf;
    return Moments{mean, rsqrt(tree_sum(sq) / nf - mean * mean + kEps)};
}
Moments no_eps(const float* x, size_t n, Rsqrt& rsqrt) {
    Moments m = two_pass(Order::kTree, false)(x, n, rsqrt);
    std::vector<float> d2(n);
    for (size_t j = 0; j < n; ++j) d2[j] = (x[j] - m.mean) * (x[j] - m.mean);
    m.rstd = rsqrt(tree_sum(d2) / static_cast<float>(n));
    return m;
}

// ---- the cases ---------------------------------------------------------------------------------

// The module's shapes: 1 x 1 and 1 x 7 with six seeds (the one row takes every regime), 7 x 130
// with four, 33 x 1000 with three, 1001 x 1003; and 64 x 4096 for the timed 16384 x 4096 (rows
// are independent, so a row's bound and error do not depend on how many rows there are; the full
// size is ExerciseLayerNormGeluLarge, by hand).
const std::vector<std::pair<Sizes, uint64_t>>& cases() {
    static const std::vector<std::pair<Sizes, uint64_t>> c = [] {
        std::vector<std::pair<Sizes, uint64_t>> v;
        for (uint64_t seed = 1; seed <= 6; ++seed) v.push_back({rc(1, 1), seed});
        for (uint64_t seed = 1; seed <= 6; ++seed) v.push_back({rc(1, 7), seed});
        for (uint64_t seed = 1; seed <= 4; ++seed) v.push_back({rc(7, 130), seed});
        for (uint64_t seed = 1; seed <= 3; ++seed) v.push_back({rc(33, 1000), seed});
        v.push_back({rc(1001, 1003), 1});
        v.push_back({rc(64, 4096), 1});
        v.push_back({rc(64, 4096), 2});
        return v;
    }();
    return c;
}

bool has_regime(const Sizes& s, uint64_t seed, LayerNormRow regime) {
    for (long long i = 0; i < std::min(4LL, s.at("rows")); ++i)
        if (layer_norm_row_regime(seed, static_cast<size_t>(i)) == regime) return true;
    return false;
}

// A case's rows are all of layer norm's loose kinds: one column (s = sqrt(eps) where the mean
// is exact), or a single row of mean 1e4 or constant, whose z bound (the mean's error over s)
// dwarfs any GELU's.
bool loose(const Sizes& s, uint64_t seed) {
    if (s.at("cols") == 1) return true;
    if (s.at("rows") > 1) return false;
    const LayerNormRow r = layer_norm_row_regime(seed, 0);
    return r == LayerNormRow::kLargeMean || r == LayerNormRow::kConstant;
}

// ---- declarations, inputs, truth ---------------------------------------------------------------

TEST(ExerciseLayerNormGelu, DeclaresLayerNormsTensorsAndItsVendor) {
    const Spec& s = ex().spec();
    EXPECT_EQ(s.vendor, "cuDNN layer norm + a GELU pass (unfused)");
    EXPECT_EQ(parameters(ex(), s.example),
              "const float* x, const float* gamma, const float* beta, float* y, int rows, int cols, float eps");
    EXPECT_EQ(s.bytes(rc(16384, 4096)), 8.0 * 16384 * 4096 + 8.0 * 4096);
    const auto sc = ex().scalars(rc(4, 1000));
    ASSERT_EQ(sc.size(), 3u);
    EXPECT_EQ(sc[2].f, kLayerNormEps);
    // The same inputs as layer-norm's, so its hard rows are this exercise's too.
    const auto* ln = dynamic_cast<const FloatExercise*>(find_exercise("layer-norm"));
    ASSERT_NE(ln, nullptr);
    for (const Sizes& sz : {rc(9, 123), rc(1, 7)})
        EXPECT_EQ(test::make_inputs(ex(), sz, 4), test::make_inputs(*ln, sz, 4));
}

TEST(ExerciseLayerNormGelu, TruthMatchesLongDoubleReference) {
    for (const Sizes& s : {rc(8, 777), rc(4, 7), rc(5, 1)}) {
        const TensorCase r = make_run(ex(), s, 9);
        const auto rows = static_cast<size_t>(s.at("rows")), cols = static_cast<size_t>(s.at("cols"));
        const long double k = std::sqrt(2.0L / 3.14159265358979323846264338327950288L);
        for (size_t i = 0; i < rows; ++i) {
            const float* x = r.in[0].data() + i * cols;
            long double mean = 0, var = 0;
            for (size_t j = 0; j < cols; ++j) mean += x[j];
            mean /= cols;
            for (size_t j = 0; j < cols; ++j) var += (x[j] - mean) * (x[j] - mean);
            var /= cols;
            const long double sd = std::sqrt(var + static_cast<long double>(kLayerNormEps));
            for (size_t j = 0; j < cols; ++j) {
                const long double z = (x[j] - mean) / sd * r.in[1][j] + r.in[2][j];
                const long double ref = 0.5L * z * (1 + std::tanh(k * (z + 0.044715L * z * z * z)));
                // float64 rounds the mean of the 1e4 rows: off by ~1e-12, a millionth of the bound
                ASSERT_LE(std::fabs(static_cast<long double>(r.truth[i * cols + j]) - ref),
                          1e-6L * r.bound[i * cols + j])
                    << sizes_text(s) << " " << i << "," << j;
                EXPECT_GT(r.bound[i * cols + j], 0.0);
            }
        }
    }
}

// ---- the bound against simulated kernels -------------------------------------------------------

TEST(ExerciseLayerNormGelu, CorrectKernelsStayWithinHalfTheBound) {
    Tally tally("ln-gelu");
    for (const auto& [s, seed] : cases()) {
        const TensorCase r = make_run(ex(), s, seed);
        tally.correct("two-pass+tanhf-up", r, fused(r, two_pass(Order::kSequential, false), Gelu::kTanh, 2));
        tally.correct("two-pass-tree+tanhf-fma", r, fused(r, two_pass(Order::kTree, true), Gelu::kTanhFma, -2));
        tally.correct("welford-256+tanhf-down", r, fused(r, welford(256), Gelu::kTanh, -2, false));
        tally.correct("welford+sigmoid-expf", r, fused(r, welford(1), Gelu::kSigmoidExpf, 2));
        tally.correct("shifted+sigmoid-fast-up", r, fused(r, shifted_one_pass(Order::kBlock), Gelu::kSigmoidFast, 1));
        tally.correct("two-pass+sigmoid-fast-down", r,
                      fused(r, two_pass(Order::kBlock, false), Gelu::kSigmoidFast, -1));
        tally.correct("two-pass+tanh-from-fast-exp", r,
                      fused(r, two_pass(Order::kSequential, true), Gelu::kTanhFromExp, 1));
    }
}

TEST(ExerciseLayerNormGelu, WrongKernelsFail) {
    Tally tally("ln-gelu");
    for (const auto& [s, seed] : cases()) {
        const TensorCase r = make_run(ex(), s, seed);
        const auto cols = static_cast<size_t>(s.at("cols"));
        const std::vector<float> z = layer_norm_with(r, welford(256));
        tally.wrong("last-row-skipped", r, sentinel_last_row(gelu_of(z, Gelu::kTanh), cols));
        if (cols >= 7 && has_regime(s, seed, LayerNormRow::kLargeMean))
            tally.wrong("one-pass-variance", r, fused(r, one_pass_variance, Gelu::kTanh));
        if (cols >= 7 &&
            (has_regime(s, seed, LayerNormRow::kConstant) || has_regime(s, seed, LayerNormRow::kSmallVariance)))
            tally.wrong("no-eps", r, fused(r, no_eps, Gelu::kTanh));
        // A wrong GELU is invisible where z's bound is loose (no GELU at all passes 1 x 1 with
        // x = 1e4: z's bound is 2.3 |gamma| there); every other case sees it.
        if (loose(s, seed)) continue;
        tally.wrong("erf-gelu", r, gelu_of(z, Gelu::kErf));
        tally.wrong("tanh-approx-worst-up", r, gelu_of(z, Gelu::kTanhApprox, 1));
        tally.wrong("tanh-approx-worst-down", r, gelu_of(z, Gelu::kTanhApprox, -1));
        tally.wrong("quick-gelu", r, gelu_of(z, Gelu::kQuick));
        tally.wrong("no-gelu", r, z);
        std::vector<float> half = gelu_of(z, Gelu::kTanh);
        for (auto& v : half) v = to_half(v);
        tally.wrong("half-output", r, half);
        // The GELU of the normalised value, then the affine: gelu(xhat) gamma + beta.
        TensorCase plain = r;
        std::fill(plain.in[1].begin(), plain.in[1].end(), 1.f);
        std::fill(plain.in[2].begin(), plain.in[2].end(), 0.f);
        std::vector<float> before = fused(plain, welford(256), Gelu::kTanh);
        for (size_t i = 0; i < before.size(); ++i)
            before[i] = std::fmaf(before[i], r.in[1][i % cols], r.in[2][i % cols]);
        tally.wrong("gelu-before-affine", r, before);
    }
}

TEST(ExerciseLayerNormGelu, ReversedRowsReverseTheTruthExactly) {
    for (const Sizes& s : {rc(13, 50), rc(1, 9), rc(4, 1), rc(1, 1)}) expect_reversed_rows_reverse_truth(ex(), s);
}

// The module's timed size, every row: half a minute on 2 cores, so by hand:
//   kc_tests --gtest_also_run_disabled_tests --gtest_filter='*LayerNormGeluLarge*'
TEST(ExerciseLayerNormGeluLarge, DISABLED_Calibration) {
    Tally tally("ln-gelu");
    const auto t0 = std::chrono::steady_clock::now();
    const TensorCase r = make_run(ex(), rc(16384, 4096), 1);
    std::printf("[timing] ln-gelu 16384 x 4096: inputs and truth %.2f s on %u threads\n",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
                std::thread::hardware_concurrency());
    tally.correct("two-pass+tanhf-up", r, fused(r, two_pass(Order::kSequential, false), Gelu::kTanh, 2));
    tally.correct("welford+sigmoid-expf", r, fused(r, welford(1), Gelu::kSigmoidExpf, 2));
    tally.correct("shifted+sigmoid-fast-up", r, fused(r, shifted_one_pass(Order::kBlock), Gelu::kSigmoidFast, 1));
    const std::vector<float> z = layer_norm_with(r, welford(256));
    tally.wrong("erf-gelu", r, gelu_of(z, Gelu::kErf));
    tally.wrong("tanh-approx-worst-up", r, gelu_of(z, Gelu::kTanhApprox, 1));
    std::vector<float> half = gelu_of(z, Gelu::kTanh);
    for (auto& v : half) v = to_half(v);
    tally.wrong("half-output", r, half);
}

// ---- the diagnosis of a wrong kernel ---------------------------------------------------------

namespace explain {

using test::make_run;
using test::explain::CaseRun;
using test::explain::Checked;
using test::explain::check;
using test::explain::kRunSeed;
using test::explain::layer_norm_with;
using test::explain::one_pass_variance;
using test::explain::rows_of;

std::vector<float> gelu_tanh_of(std::vector<float> z) { return gelu_of(std::move(z), Gelu::kTanh); }

TEST(ExplainLayerNormGelu, OnePassVarianceFailsOnlyTheLargeMeanRows) {
    const uint64_t seed = case_seed(kRunSeed, 3);
    const CaseRun r = make_run(ex(), rc(33, 1000), seed);
    const Checked c = check(r, gelu_tanh_of(layer_norm_with(r, one_pass_variance)));
    ASSERT_FALSE(c.comparison.passed());
    auto regime = [&](size_t i) { return layer_norm_row_regime(seed, i); };
    EXPECT_EQ(c.diagnosis, "only the rows with mean 1e4 (" + rows_of(33, LayerNormRow::kLargeMean, regime) +
                               ") are wrong: the variance lost to cancellation: E[x^2] - E[x]^2 subtracts two numbers "
                               "near 1e8, whose fp32 spacing (8) dwarfs the variance (1/3); compute it as "
                               "E[(x - mean)^2] (two passes, or Welford)");
}

TEST(ExplainLayerNormGelu, MissingEpsNamesWhatTheConstantRowsHold) {
    const uint64_t seed = case_seed(kRunSeed, 3);
    const CaseRun r = make_run(ex(), rc(33, 1000), seed);
    const Checked c = check(r, gelu_tanh_of(layer_norm_with(r, [](const float* x, size_t n, float mean) {
                                float d2 = 0;
                                for (size_t j = 0; j < n; ++j) d2 += (x[j] - mean) * (x[j] - mean);
                                return d2 / static_cast<float>(n);
                            })));
    auto regime = [&](size_t i) { return layer_norm_row_regime(seed, i); };
    EXPECT_EQ(c.diagnosis,
              "only the constant rows (" + rows_of(33, LayerNormRow::kConstant, regime) +
                  ") and the rows with variance ~1e-5 (" + rows_of(33, LayerNormRow::kSmallVariance, regime) +
                  ") are wrong: their variance is 0, so without eps the normalisation is 0 / 0 = NaN (the answer "
                  "there is gelu(beta)): add eps to the variance under the square root, rsqrt(var + eps); eps (1e-5) "
                  "weighs as much as the variance there: add it to the variance under the square root, "
                  "rsqrt(var + eps), not to the standard deviation, and do not leave it out");
}

TEST(ExplainLayerNormGelu, AWrongGeluIsNotBlamedOnARowRegime) {
    const CaseRun r = make_run(ex(), rc(33, 1000), case_seed(kRunSeed, 3));
    const auto z = layer_norm_with(r, [](const float* x, size_t n, float mean) {
        float d2 = 0;
        for (size_t j = 0; j < n; ++j) d2 += (x[j] - mean) * (x[j] - mean);
        return d2 / static_cast<float>(n) + kLayerNormEps;
    });
    // The erf GELU is wrong on the ordinary and small-variance rows alike (the rows of mean 1e4
    // and the constant ones hide it under their z bound): no regime explains it, and the
    // mismatches (a third of the elements) make no pattern either.
    const Checked c = check(r, gelu_of(z, Gelu::kErf));
    ASSERT_FALSE(c.comparison.passed());
    EXPECT_EQ(c.diagnosis, "");
}

// The GPU's __tanhf fails a short case in a few elements of the rows where z's bound is tight
// (mastery/02's dev check on the H200: 2 of 21 in case short, both in its constant row). That
// row's regime must not be named (it would send the learner after eps); the scattered pattern
// names the GELU. Whole rows are still layer norm's to explain.
TEST(ExplainLayerNormGelu, ScatteredMismatchesNameTheGeluWholeRowsDoNot) {
    const Sizes s = rc(3, 7);
    const uint64_t seed = case_seed(kRunSeed, 2);
    std::vector<uint8_t> mask(21, 0);
    mask[7 + 2] = mask[7 + 5] = 1;  // two elements of row 1
    const std::string gelu = ex().explain(s, seed, "y", mask);
    EXPECT_EQ(gelu.rfind("the wrong elements are scattered in their rows (2 of the 7 elements of the 1 rows that have "
                         "any, at most 2 in a row), never whole rows",
                         0),
              0u)
        << gelu;
    EXPECT_NE(gelu.find("not __tanhf"), std::string::npos) << gelu;
    for (size_t j = 0; j < 7; ++j) mask[7 + j] = 1;  // all of row 1: a statistics mistake's pattern
    EXPECT_EQ(ex().explain(s, seed, "y", mask).find("scattered"), std::string::npos);
}

// With one column every row holds z = beta: some rows right and others wrong is the GELU's doing.
TEST(ExplainLayerNormGelu, TheErfGeluInOneColumnIsNamedAsTheGelu) {
    const CaseRun r = make_run(ex(), rc(9, 1), case_seed(kRunSeed, 1));
    const auto z = layer_norm_with(r, [](const float* x, size_t n, float mean) {
        float d2 = 0;
        for (size_t j = 0; j < n; ++j) d2 += (x[j] - mean) * (x[j] - mean);
        return d2 / static_cast<float>(n) + kLayerNormEps;
    });
    const Checked c = check(r, gelu_of(z, Gelu::kErf));
    ASSERT_FALSE(c.comparison.passed());
    ASSERT_LT(c.comparison.mismatches, 9u);
    EXPECT_NE(c.diagnosis.find("with one column every row holds z = beta"), std::string::npos) << c.diagnosis;
    EXPECT_NE(c.diagnosis.find("not the erf form"), std::string::npos) << c.diagnosis;
}

}  // namespace explain

}  // namespace
}  // namespace kc::exercises
