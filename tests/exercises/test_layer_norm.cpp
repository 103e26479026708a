// layer-norm's host side: every row regime in four rows, the float64 truth against a long double
// reference, the error bounds against simulated fp32 kernels (two passes, Welford, a shifted
// pass; wrong ones: the one-pass variance, eps misplaced, half precision, ...; "[calibration]"
// lines), the timed run's reversed rows, and the diagnosis of a kernel with the one-pass
// variance or without eps.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "exercises/layer_norm/layer_norm.h"
#include "exercises/spec.h"
#include "grade/compare.h"
#include "support/exercise_check.h"
#include "support/explain_check.h"
#include "support/sim_float.h"
#include "support/sim_layer_norm.h"
#include "support/sim_rows.h"
#include "support/tensor_case.h"

namespace kc::exercises {
namespace {

using test::TensorCase;
using test::make_inputs;
using namespace test::bounds;  // make_run (sizes checked), sizes_text, Tally
using namespace test::sim;     // the simulated kernels

const std::vector<std::pair<Sizes, uint64_t>>& layer_norm_cases() {
    static const std::vector<std::pair<Sizes, uint64_t>> cases = [] {
        std::vector<std::pair<Sizes, uint64_t>> c = {{rc(16, 30000), 1}, {rc(16, 30000), 2}, {rc(8, 4096), 3},
                                                    {rc(256, 1000), 4}, {rc(9, 1), 5},       {rc(1, 1), 6},
                                                    {rc(64, 2), 7}};
        for (uint64_t seed = 10; seed < 18; ++seed) c.push_back({rc(3, 7), seed});
        for (uint64_t seed = 20; seed < 24; ++seed) c.push_back({rc(4, 7), seed});
        return c;
    }();
    return cases;
}

bool has_regime(const Sizes& s, uint64_t seed, LayerNormRow regime) {
    for (long long i = 0; i < std::min(4LL, s.at("rows")); ++i)
        if (layer_norm_row_regime(seed, static_cast<size_t>(i)) == regime) return true;
    return false;
}

TEST(ExerciseLayerNorm, EveryRegimeAppearsInFourRows) {
    for (uint64_t seed = 0; seed < 20; ++seed) {
        std::vector<bool> seen(4);
        for (size_t r = 0; r < 4; ++r) seen[static_cast<size_t>(layer_norm_row_regime(seed, r))] = true;
        EXPECT_EQ(std::count(seen.begin(), seen.end(), true), 4) << seed;
    }
    const TensorCase r = make_run(layer_norm_exercise(), rc(4, 1000), 3);
    for (size_t i = 0; i < 4; ++i) {
        const float* x = r.in[0].data() + i * 1000;
        const auto [lo, hi] = std::minmax_element(x, x + 1000);
        switch (layer_norm_row_regime(3, i)) {
            case LayerNormRow::kOrdinary: EXPECT_GT(*hi - *lo, 3.f); break;
            case LayerNormRow::kLargeMean: EXPECT_GT(*lo, 9998.f); break;
            case LayerNormRow::kConstant: EXPECT_EQ(*lo, *hi); break;
            case LayerNormRow::kSmallVariance: EXPECT_LT(*hi - *lo, 0.01f); break;
        }
    }
    for (float g : r.in[1]) EXPECT_TRUE(g >= 0.5f && g < 1.5f);
    for (float b : r.in[2]) EXPECT_TRUE(b >= -1.f && b < 1.f);
    const auto sc = layer_norm_exercise().scalars(rc(4, 1000));
    ASSERT_EQ(sc.size(), 3u);
    EXPECT_TRUE(sc[2].is_float);
    EXPECT_EQ(sc[2].f, kLayerNormEps);
}

TEST(ExerciseLayerNorm, TruthMatchesLongDoubleReference) {
    for (const Sizes& s : {rc(8, 777), rc(4, 7), rc(5, 1)}) {
        const TensorCase r = make_run(layer_norm_exercise(), s, 9);
        const auto rows = static_cast<size_t>(s.at("rows")), cols = static_cast<size_t>(s.at("cols"));
        for (size_t i = 0; i < rows; ++i) {
            const float* x = r.in[0].data() + i * cols;
            long double mean = 0, var = 0;
            for (size_t j = 0; j < cols; ++j) mean += x[j];
            mean /= cols;
            for (size_t j = 0; j < cols; ++j) var += (x[j] - mean) * (x[j] - mean);
            var /= cols;
            const long double s_ = std::sqrt(var + static_cast<long double>(kLayerNormEps));
            for (size_t j = 0; j < cols; ++j) {
                const long double ref = (x[j] - mean) / s_ * r.in[1][j] + r.in[2][j];
                // float64 rounds the mean of the 1e4 rows: off by ~1e-12, a millionth of the bound
                ASSERT_LE(std::fabs(static_cast<long double>(r.truth[i * cols + j]) - ref),
                          1e-6L * r.bound[i * cols + j])
                    << sizes_text(s) << " " << i << "," << j;
                EXPECT_GT(r.bound[i * cols + j], 0.0);
            }
        }
    }
}

TEST(ExerciseLayerNorm, CorrectKernelsStayWithinHalfTheBound) {
    Tally tally("layer-norm");
    for (const auto& [s, seed] : layer_norm_cases()) {
        const TensorCase r = make_run(layer_norm_exercise(), s, seed);
        tally.correct("two-pass-sequential", r, layer_norm_with(r, two_pass(Order::kSequential, false)));
        tally.correct("two-pass-sequential-recip", r, layer_norm_with(r, two_pass(Order::kSequential, true), false));
        tally.correct("two-pass-tree", r, layer_norm_with(r, two_pass(Order::kTree, true)));
        tally.correct("two-pass-256-lane-block", r, layer_norm_with(r, two_pass(Order::kBlock, false)));
        tally.correct("welford-sequential", r, layer_norm_with(r, welford(1)));
        tally.correct("welford-256-lanes-chan", r, layer_norm_with(r, welford(256), false));
        tally.correct("shifted-one-pass-sequential", r, layer_norm_with(r, shifted_one_pass(Order::kSequential)));
        tally.correct("shifted-one-pass-block", r, layer_norm_with(r, shifted_one_pass(Order::kBlock)));
    }
}

TEST(ExerciseLayerNorm, WrongKernelsFail) {
    Tally tally("layer-norm");
    for (const auto& [s, seed] : layer_norm_cases()) {
        if (s.at("cols") < 7) continue;  // one or two columns: y = beta or +-1 * gamma + beta
        const TensorCase r = make_run(layer_norm_exercise(), s, seed);
        const auto cols = static_cast<size_t>(s.at("cols"));
        auto one_pass = [](Order order) {
            return [order](const float* x, size_t n, Rsqrt& rsqrt) {
                std::vector<float> sq(n);
                for (size_t j = 0; j < n; ++j) sq[j] = x[j] * x[j];
                const float nf = static_cast<float>(n), mean = sum(std::vector<float>(x, x + n), order) / nf;
                return Moments{mean, rsqrt(sum(sq, order) / nf - mean * mean + kEps)};
            };
        };
        if (has_regime(s, seed, LayerNormRow::kLargeMean)) {
            tally.wrong("one-pass-variance-sequential", r, layer_norm_with(r, one_pass(Order::kSequential)));
            tally.wrong("one-pass-variance-tree", r, layer_norm_with(r, one_pass(Order::kTree)));
            tally.wrong("one-pass-variance-clamped", r, layer_norm_with(r, [](const float* x, size_t n, Rsqrt& rsqrt) {
                            double s1 = 0;  // even with the sums in float64: only the last step in fp32
                            double s2 = 0;
                            for (size_t j = 0; j < n; ++j) {
                                s1 += x[j];
                                s2 += static_cast<double>(x[j]) * x[j];
                            }
                            const float nf = static_cast<float>(n), mean = static_cast<float>(s1) / nf;
                            const float var = std::max(0.f, static_cast<float>(s2) / nf - mean * mean);
                            return Moments{mean, rsqrt(var + kEps)};
                        }));
        }
        if (has_regime(s, seed, LayerNormRow::kSmallVariance)) {
            tally.wrong("eps-outside-sqrt", r, by_rows(r, [&](const float* x, size_t n, float* y, size_t) {
                            const float nf = static_cast<float>(n), mean = tree_sum(std::vector<float>(x, x + n)) / nf;
                            std::vector<float> d2(n);
                            for (size_t j = 0; j < n; ++j) d2[j] = (x[j] - mean) * (x[j] - mean);
                            const float inv = 1.f / (std::sqrt(tree_sum(d2) / nf) + kEps);
                            for (size_t j = 0; j < n; ++j) y[j] = std::fmaf((x[j] - mean) * inv, r.in[1][j], r.in[2][j]);
                        }));
            tally.wrong("no-eps", r, layer_norm_with(r, [](const float* x, size_t n, Rsqrt& rsqrt) {
                            Moments m = two_pass(Order::kTree, false)(x, n, rsqrt);
                            std::vector<float> d2(n);
                            for (size_t j = 0; j < n; ++j) d2[j] = (x[j] - m.mean) * (x[j] - m.mean);
                            m.rstd = rsqrt(tree_sum(d2) / static_cast<float>(n));
                            return m;
                        }));
        }
        if (cols <= 1000)  // 1 / (2n) relative: visible on short rows
            tally.wrong("unbiased-variance", r, layer_norm_with(r, [](const float* x, size_t n, Rsqrt& rsqrt) {
                            Moments m = two_pass(Order::kTree, false)(x, n, rsqrt);
                            std::vector<float> d2(n);
                            for (size_t j = 0; j < n; ++j) d2[j] = (x[j] - m.mean) * (x[j] - m.mean);
                            m.rstd = rsqrt(tree_sum(d2) / static_cast<float>(n - 1) + kEps);
                            return m;
                        }));
        const auto good = layer_norm_with(r, welford(256));
        std::vector<float> half_out = good;
        for (auto& v : half_out) v = to_half(v);
        tally.wrong("half-output", r, half_out);
        TensorCase half_in = r;
        for (auto& v : half_in.in)
            for (auto& x : v) x = to_half(x);
        tally.wrong("half-inputs", r, layer_norm_with(half_in, welford(256)));
        TensorCase swapped = r;
        std::swap(swapped.in[1], swapped.in[2]);
        tally.wrong("gamma-beta-swapped", r, layer_norm_with(swapped, welford(256)));
        tally.wrong("zeros", r, std::vector<float>(r.elements(), 0.f));
        tally.wrong("copy-of-x", r, r.in[0]);
        tally.wrong("last-row-skipped", r, sentinel_last_row(good, cols));
    }
}

TEST(ExerciseLayerNorm, ReversedRowsReverseTheTruthExactly) {
    // rows == 1: gamma and beta have rows * cols floats too and are "reversed": the identity.
    for (const Sizes& s : {rc(13, 50), rc(1, 9), rc(4, 1), rc(1, 1)})
        expect_reversed_rows_reverse_truth(layer_norm_exercise(), s);
}

// ---- the diagnosis of a wrong kernel ---------------------------------------------------------

// In a namespace of their own: the explain tests take kc::test's make_run (no size check) and
// test::explain's simulated controls, which share names with the bounds tests' helpers above.
namespace explain {

using test::make_run;
using test::explain::CaseRun;
using test::explain::Checked;
using test::explain::check;
using test::explain::kRunSeed;
using test::explain::layer_norm_with;
using test::explain::one_pass_variance;
using test::explain::rows_of;

std::string large_mean_line(const std::string& rows) {
    return "only the rows with mean 1e4 (" + rows +
           ") are wrong: the variance lost to cancellation: E[x^2] - E[x]^2 subtracts two numbers near 1e8, whose "
           "fp32 spacing (8) dwarfs the variance (1/3); compute it as E[(x - mean)^2] (two passes, or Welford)";
}

TEST(ExplainLayerNorm, OnePassVarianceFailsOnlyTheLargeMeanRows) {
    for (const auto& [s, index] : {std::pair{rc(3, 7), size_t{2}}, std::pair{rc(33, 1000), size_t{3}},
                                   std::pair{rc(129, 1025), size_t{4}}}) {
        const uint64_t seed = case_seed(kRunSeed, index);
        const CaseRun r = make_run(layer_norm_exercise(), s, seed);
        const Checked c = check(r, layer_norm_with(r, one_pass_variance));
        ASSERT_FALSE(c.comparison.passed());
        const auto rows = static_cast<size_t>(s.at("rows"));
        EXPECT_EQ(c.diagnosis, large_mean_line(rows_of(rows, LayerNormRow::kLargeMean, [&](size_t i) {
                                   return layer_norm_row_regime(seed, i);
                               })));
    }
}

TEST(ExplainLayerNorm, MissingEpsFailsTheConstantAndSmallVarianceRows) {
    const uint64_t seed = case_seed(kRunSeed, 3);
    const CaseRun r = make_run(layer_norm_exercise(), rc(33, 1000), seed);
    const Checked c = check(r, layer_norm_with(r, [](const float* x, size_t n, float mean) {
                                float d2 = 0;
                                for (size_t j = 0; j < n; ++j) d2 += (x[j] - mean) * (x[j] - mean);
                                return d2 / static_cast<float>(n);
                            }));
    auto regime = [&](size_t i) { return layer_norm_row_regime(seed, i); };
    EXPECT_EQ(c.diagnosis,
              "only the constant rows (" + rows_of(33, LayerNormRow::kConstant, regime) +
                  ") and the rows with variance ~1e-5 (" + rows_of(33, LayerNormRow::kSmallVariance, regime) +
                  ") are wrong: their variance is 0, so without eps the normalisation is 0 / 0 = NaN (the answer "
                  "there is beta): add eps to the variance under the square root, rsqrt(var + eps); eps (1e-5) "
                  "weighs as much as the variance there: add it to the variance under the square root, "
                  "rsqrt(var + eps), not to the standard deviation, and do not leave it out");
}

TEST(ExplainLayerNorm, WithoutARegimeToBlameThePatternSpeaks) {
    const CaseRun r = make_run(layer_norm_exercise(), rc(33, 1000), case_seed(kRunSeed, 3));
    // Zeros: wrong on every row (not on every element: y near 0 on the mean-1e4 rows is within
    // their bound), so no regime stands out, and no pattern either.
    const Checked zeros = check(r, std::vector<float>(r.truth.size(), 0.f));
    EXPECT_FALSE(zeros.comparison.passed());
    EXPECT_EQ(zeros.diagnosis, "");
    // The last two rows never written: the launch's story, whatever their regimes.
    std::vector<float> got(r.truth.begin(), r.truth.end());
    std::fill(got.end() - 2000, got.end(), grade::sentinel());
    EXPECT_EQ(check(r, got, grade::LaunchShape{31, 256}).diagnosis,
              "the last 2 rows were never written: the grid is too small: with one row per block, 31 blocks "
              "cover only the first 31 rows of the 33");
}

}  // namespace explain

}  // namespace
}  // namespace kc::exercises
