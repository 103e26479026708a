// Explaining a wrong answer by what the exercise knows of its inputs (issue 11, point 4): the
// regime helper alone, then every exercise with hard inputs against a simulated buggy kernel
// (inputs from make_inputs, the bug on the host in fp32, grade::compare's mask), and the
// never-written patterns told against the launch (point 3). The "[report]" lines print the
// summary and diagnosis a learner sees for issue 11's examples.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "exercises/conv2d/conv2d.h"
#include "exercises/layer_norm/layer_norm.h"
#include "exercises/matrix_mul/matrix_mul.h"
#include "exercises/softmax/softmax.h"
#include "exercises/float_exercise.h"
#include "grade/compare.h"
#include "grade/regime.h"
#include "support/tensor_case.h"

namespace kc::exercises {
namespace {

// ---- the regime helper ---------------------------------------------------------------------

const std::vector<grade::Regime> kThree = {
    {"the plain rows", ""}, {"the hard rows", "hard cause"}, {"the odd rows", "odd cause"}};

// `rows` rows of 2 elements; rows listed in `wrong` get `fault` in both.
std::vector<uint8_t> row_mask(size_t rows, std::vector<size_t> wrong, grade::Fault fault = grade::Fault::kOutOfBound) {
    std::vector<uint8_t> mask(rows * 2);
    for (size_t r : wrong) mask[2 * r] = mask[2 * r + 1] = static_cast<uint8_t>(fault);
    return mask;
}

const std::vector<uint8_t> kLabels = {0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2};  // 15 rows

std::string explain(const std::vector<uint8_t>& mask, const std::vector<uint8_t>& labels = kLabels) {
    return grade::explain_regimes(mask, 2, labels, kThree, grade::Units::kRows);
}

TEST(ExplainRegimes, NamesTheOnlyFailingRegimeAndItsRows) {
    EXPECT_EQ(explain(row_mask(15, {1, 4, 7, 10, 13})),
              "only the hard rows (rows 1, 4, 7 and 2 more) are wrong: hard cause");
    EXPECT_EQ(explain(row_mask(15, {1, 4, 7})), "only the hard rows (rows 1, 4 and 7) are wrong: hard cause");
    EXPECT_EQ(explain(row_mask(15, {1, 2, 4, 5, 7, 8})),
              "only the hard rows (rows 1, 4 and 7) and the odd rows (rows 2, 5 and 8) are wrong: hard cause; "
              "odd cause");
    const std::vector<uint8_t> one_hard = {0, 1, 2};
    EXPECT_EQ(explain(row_mask(3, {1}), one_hard), "only the hard rows (row 1) are wrong: hard cause");
}

TEST(ExplainRegimes, SaysNothingWhenTheRegimesDoNotExplainIt) {
    EXPECT_EQ(explain(row_mask(15, {0, 1, 4, 7, 10, 13})), "");      // a plain row is wrong too
    EXPECT_EQ(explain(row_mask(15, {1, 4})), "");                    // 2 of the 5 hard rows: coincidence
    EXPECT_EQ(explain(row_mask(15, {})), "");                        // nothing wrong
    const std::vector<uint8_t> no_plain = {1, 2, 1, 2};
    EXPECT_EQ(explain(row_mask(4, {0, 1, 2, 3}), no_plain), "");     // every regime present is wrong
    EXPECT_EQ(explain(row_mask(15, {1, 4, 7, 10, 13}, grade::Fault::kNeverWritten)), "");  // not a value
    EXPECT_EQ(explain(row_mask(14, {1, 4, 7})), "");                 // the mask is not 15 rows of 2
    const std::vector<uint8_t> bad_label = {0, 1, 7};
    EXPECT_EQ(explain(row_mask(3, {1}), bad_label), "");
}

TEST(ExplainRegimes, CountsElementUnits) {
    const std::vector<uint8_t> labels = {1, 0, 0, 1, 1, 0, 0, 1};
    const std::vector<uint8_t> mask = {1, 0, 0, 3, 0, 0, 0, 1};
    EXPECT_EQ(grade::explain_regimes(mask, 1, labels, kThree, grade::Units::kElements),
              "only the hard rows (3 of 4) are wrong: hard cause");
}

// ---- cases with simulated kernels ----------------------------------------------------------

using CaseRun = test::TensorCase;
using test::make_run;

struct Checked {
    grade::Comparison comparison;
    std::string diagnosis;
};

// What the worker's check_output says of `got`: the comparison and diagnose_case()'s line.
Checked check(const CaseRun& r, const std::vector<float>& got, std::optional<grade::LaunchShape> launch = {}) {
    std::vector<uint8_t> mask;
    const auto shape = r.ex->output_shape(r.sizes);
    auto c = grade::compare(got, r.truth, r.bound, shape, &mask);
    EXPECT_TRUE(c.ok());
    if (!c.ok()) return {};
    return {*c, diagnose_case(*r.ex, r.sizes, r.seed, r.ex->output(r.sizes).name, *c, mask, launch)};
}

Sizes rc(long long rows, long long cols) { return {{"rows", rows}, {"cols", cols}}; }

// The output of a row-wise kernel: row(x_row, cols, y_row) for every row.
template <class Row>
std::vector<float> by_rows(const CaseRun& r, Row row) {
    const auto rows = static_cast<size_t>(r.sizes.at("rows")), cols = static_cast<size_t>(r.sizes.at("cols"));
    std::vector<float> out(rows * cols);
    for (size_t i = 0; i < rows; ++i) row(r.in[0].data() + i * cols, cols, out.data() + i * cols);
    return out;
}

// "rows 1, 5 and 9", "rows 1, 5, 9 and 5 more": where `regime` stands among the rows of a case,
// as explain_regimes lists them.
template <class Regime, class RegimeOf>
std::string rows_of(size_t rows, Regime regime, RegimeOf regime_of) {
    std::vector<size_t> at;
    for (size_t r = 0; r < rows; ++r)
        if (regime_of(r) == regime) at.push_back(r);
    if (at.size() == 1) return fmt::format("row {}", at[0]);
    if (at.size() <= 3) return fmt::format("rows {} and {}", fmt::join(at.begin(), at.end() - 1, ", "), at.back());
    return fmt::format("rows {}, {}, {} and {} more", at[0], at[1], at[2], at.size() - 3);
}

// ---- layer norm ----------------------------------------------------------------------------

constexpr uint64_t kRunSeed = 1;  // as `kernelcoach run --seed 1`; case indices from module 04's manifest

// y = (x - mean) * rstd * gamma + beta with the variance `var(x, n, mean)`, in fp32.
template <class Var>
std::vector<float> layer_norm_with(const CaseRun& r, Var var) {
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
float one_pass_variance(const float* x, size_t n, float mean) {
    float sq = 0;
    for (size_t j = 0; j < n; ++j) sq += x[j] * x[j];
    return sq / static_cast<float>(n) - mean * mean + kLayerNormEps;
}

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

// ---- softmax -------------------------------------------------------------------------------

// y = exp(x - m) / sum exp(x - m) in fp32, with m = shift(row).
template <class Shift>
std::vector<float> softmax_with(const CaseRun& r, Shift shift) {
    return by_rows(r, [&](const float* x, size_t n, float* y) {
        const float m = shift(x, n);
        float sum = 0;
        for (size_t j = 0; j < n; ++j) sum += std::exp(x[j] - m);
        for (size_t j = 0; j < n; ++j) y[j] = std::exp(x[j] - m) / sum;
    });
}

TEST(ExplainSoftmax, NoMaxShiftFailsTheOffsetNegativeAndSpikeRows) {
    const uint64_t seed = case_seed(kRunSeed, 3);
    const CaseRun r = make_run(softmax_exercise(), rc(33, 1000), seed);
    const Checked c = check(r, softmax_with(r, [](const float*, size_t) { return 0.f; }));
    auto regime = [&](size_t i) { return softmax_row_regime(seed, i); };
    EXPECT_EQ(c.diagnosis,
              "only the rows offset by 1000 (" + rows_of(33, SoftmaxRow::kOffset, regime) +
                  "), the rows of values near -1000 (" + rows_of(33, SoftmaxRow::kNegative, regime) +
                  ") and the rows with one spike of 100 (" + rows_of(33, SoftmaxRow::kSpike, regime) +
                  ") are wrong: exp(x) overflows to inf above 88.7, so without the max shift they are inf / inf = "
                  "NaN: subtract the row's max before exp (their max also stands in the first and last columns: a "
                  "max or a sum that misses an end column shows here too); exp(x) underflows to 0 below -103, so "
                  "without the max shift (or with a max that starts at 0, not -inf) their sum is 0 and 0 / 0 = "
                  "NaN: subtract the row's max, starting it at -inf; exp(100) overflows to inf, so the max must "
                  "include the spike: subtract the row's max before exp, and check that the max reduction "
                  "combines every lane and warp");
}

TEST(ExplainSoftmax, MaxStartingAtZeroFailsOnlyTheNegativeRows) {
    const uint64_t seed = case_seed(kRunSeed, 3);
    const CaseRun r = make_run(softmax_exercise(), rc(33, 1000), seed);
    const Checked c = check(r, softmax_with(r, [](const float* x, size_t n) {
                                float m = 0.f;  // the bug: not -inf
                                for (size_t j = 0; j < n; ++j) m = std::max(m, x[j]);
                                return m;
                            }));
    auto regime = [&](size_t i) { return softmax_row_regime(seed, i); };
    EXPECT_EQ(c.diagnosis, "only the rows of values near -1000 (" + rows_of(33, SoftmaxRow::kNegative, regime) +
                               ") are wrong: exp(x) underflows to 0 below -103, so without the max shift (or with a "
                               "max that starts at 0, not -inf) their sum is 0 and 0 / 0 = NaN: subtract the row's "
                               "max, starting it at -inf");
}

// Issue 11, point 3: threads `return` when threadIdx.x >= cols, one thread per row, 1 block of
// 256 threads for the case `column` (7 x 1): rows 1 to 6 keep the sentinel.
std::vector<float> early_return_threads(const CaseRun& r) {
    std::vector<float> got(r.truth.size(), grade::sentinel());
    got[0] = 1.f;  // thread 0 (row 0) passes threadIdx.x < cols = 1
    return got;
}

constexpr const char* kEarlyReturnLine =
    "the last 6 rows were never written: the launch has 1 block x 256 threads = 256 threads for 7 elements: "
    "enough to cover them, so threads that should write them returned early or skipped them (check every early "
    "return and bounds check against the index it guards); or, with one row per block, 1 block covers only the "
    "first row of the 7";

TEST(ExplainSoftmax, RowsLeftByEarlyReturnsAreNotBlamedOnTheGrid) {
    const CaseRun r = make_run(softmax_exercise(), rc(7, 1), case_seed(kRunSeed, 1));
    EXPECT_EQ(check(r, early_return_threads(r), grade::LaunchShape{1, 256}).diagnosis, kEarlyReturnLine);
    EXPECT_EQ(check(r, early_return_threads(r)).diagnosis,
              "the last 6 rows were never written: no thread stored them: check the grid size, and every early "
              "return or bounds check before the store");
}

// ---- conv2d --------------------------------------------------------------------------------

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

// ---- matrix-mul ----------------------------------------------------------------------------

// c = a b in fp32, the sum over l < k_used only.
std::vector<float> matmul_first_terms(const CaseRun& r, size_t k_used) {
    const auto m = static_cast<size_t>(r.sizes.at("m")), n = static_cast<size_t>(r.sizes.at("n")),
               k = static_cast<size_t>(r.sizes.at("k"));
    std::vector<float> out(m * n);
    for (size_t i = 0; i < m; ++i)
        for (size_t j = 0; j < n; ++j) {
            float acc = 0;
            for (size_t l = 0; l < k_used; ++l) acc = std::fmaf(r.in[0][i * k + l], r.in[1][l * n + j], acc);
            out[i * n + j] = acc;
        }
    return out;
}

Sizes mm(long long m, long long n, long long k) { return {{"m", m}, {"n", n}, {"k", k}}; }

TEST(ExplainMatmul, SkippedPartialKTileNamesTheKEdge) {
    const CaseRun r = make_run(matrix_mul_exercise(), mm(127, 129, 131), case_seed(kRunSeed, 2));
    EXPECT_EQ(check(r, matmul_first_terms(r, 128)).diagnosis,  // 3 terms of 131 may be small
              "nearly every element is wrong, and k = 131 is not a multiple of a tile depth (8, 16, 32): if the kernel "
              "walks k in tiles, check the last, partial one: it must be added (loop while k0 < k, not k0 + tile "
              "<= k), with zeros loaded past k; otherwise check the formula");
    const CaseRun one = make_run(matrix_mul_exercise(), mm(129, 65, 1), case_seed(kRunSeed, 1));
    EXPECT_EQ(check(one, std::vector<float>(one.truth.size(), 0.f)).diagnosis,  // the loop never ran
              "every element is wrong, and k = 1 is not a multiple of a tile depth (8, 16, 32): if the kernel walks "
              "k in tiles, check the last, partial one: it must be added (loop while k0 < k, not k0 + tile <= k), "
              "with zeros loaded past k; otherwise check the formula");
    const CaseRun whole = make_run(matrix_mul_exercise(), mm(48, 40, 64), 3);  // k a multiple of 8: the pattern
    EXPECT_EQ(check(whole, std::vector<float>(whole.truth.size(), 0.f)).diagnosis,
              "every element is wrong: check the formula (and that each result is stored where it belongs)");
}

TEST(ExplainMatmul, EdgeTilesAreThePatterns) {
    // 32 x 32 tiles whose edge tiles add a garbage term: rows from 96, columns from 128.
    const CaseRun r = make_run(matrix_mul_exercise(), mm(127, 129, 131), case_seed(kRunSeed, 2));
    std::vector<float> got = matmul_first_terms(r, 131);
    for (size_t i = 0; i < 127; ++i)
        for (size_t j = 0; j < 129; ++j)
            if (i >= 96 || j >= 128) got[i * 129 + j] += 1.f;
    EXPECT_EQ(check(r, got).diagnosis,
              "the wrong elements are all at the bottom and right edges, in the last, partial tiles (the last 31 "
              "rows and 1 columns, past a multiple of 32): check the row and column bounds");
}

// ---- the report lines of issue 11's examples -----------------------------------------------

// What `kernelcoach run` prints for the first wrong case: the grader's summary and the check's
// diagnosis line (engine/grader.cpp, report/render.cpp).
void print_report(const char* name, const CaseRun& r, const Checked& c) {
    const std::string sizes = fmt::format("rows={}, cols={}", r.sizes.at("rows"), r.sizes.at("cols"));
    std::printf("[report] case '%s' (%s): %zu of %zu elements are wrong: %s\n[report]   diagnosis: %s\n", name,
                sizes.c_str(), c.comparison.mismatches, c.comparison.count, c.diagnosis.c_str(), c.diagnosis.c_str());
}

TEST(ExplainReport, IssueElevenExamples) {
    const CaseRun column = make_run(softmax_exercise(), rc(7, 1), case_seed(kRunSeed, 1));
    print_report("column", column, check(column, early_return_threads(column), grade::LaunchShape{1, 256}));
    for (const auto& [name, s, index] :
         {std::tuple{"short", rc(3, 7), size_t{2}}, std::tuple{"aligned", rc(33, 1000), size_t{3}}}) {
        const CaseRun r = make_run(layer_norm_exercise(), s, case_seed(kRunSeed, index));
        const Checked c = check(r, layer_norm_with(r, one_pass_variance));
        EXPECT_EQ(c.diagnosis.substr(0, 28), "only the rows with mean 1e4 ");
        print_report(name, r, c);
    }
    for (const auto& [name, s, index] :
         {std::tuple{"tiny", rc(3, 5), size_t{2}}, std::tuple{"small", rc(33, 1000), size_t{3}}}) {
        const CaseRun r = make_run(softmax_exercise(), s, case_seed(kRunSeed, index));
        const Checked c = check(r, softmax_with(r, [](const float*, size_t) { return 0.f; }));
        EXPECT_EQ(c.diagnosis.substr(0, 9), "only the ");
        print_report(name, r, c);
    }
}

}  // namespace
}  // namespace kc::exercises
