// softmax's host side: every row regime in small cases, the float64 truth against a long double
// reference, the error bounds against simulated fp32 kernels (accurate, fast and worst-case exp,
// plain and online; "[calibration]" lines), the timed run's reversed rows, and the diagnosis of
// a kernel without the max shift, with a max that starts at 0, or whose threads return early.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "exercises/softmax/softmax.h"
#include "exercises/spec.h"
#include "grade/compare.h"
#include "support/exercise_check.h"
#include "support/explain_check.h"
#include "support/sim_float.h"
#include "support/sim_rows.h"
#include "support/sim_softmax.h"
#include "support/tensor_case.h"

namespace kc::exercises {
namespace {

using test::TensorCase;
using test::make_inputs;
using namespace test::bounds;  // make_run (sizes checked), sizes_text, Tally
using namespace test::sim;     // the simulated kernels

const std::vector<std::pair<Sizes, uint64_t>>& softmax_cases() {
    static const std::vector<std::pair<Sizes, uint64_t>> cases = [] {
        std::vector<std::pair<Sizes, uint64_t>> c = {{rc(16, 30000), 1}, {rc(16, 30000), 2}, {rc(8, 4096), 3},
                                                    {rc(256, 1000), 4}, {rc(9, 1), 5},       {rc(1, 1), 6},
                                                    {rc(64, 2), 7}};
        for (uint64_t seed = 10; seed < 18; ++seed) c.push_back({rc(3, 7), seed});
        return c;
    }();
    return cases;
}

TEST(ExerciseSoftmax, EveryRegimeAppearsInSmallCases) {
    for (uint64_t seed = 0; seed < 20; ++seed) {
        std::vector<bool> seen(kSoftmaxRegimes);
        for (size_t r = 0; r < kSoftmaxRegimes; ++r) seen[static_cast<size_t>(softmax_row_regime(seed, r))] = true;
        EXPECT_EQ(std::count(seen.begin(), seen.end(), true), static_cast<long>(kSoftmaxRegimes)) << seed;
    }
    // The offset rows make exp without the max shift overflow, with the max repeated.
    const TensorCase r = make_run(softmax_exercise(), rc(kSoftmaxRegimes, 100), 3);
    for (size_t i = 0; i < kSoftmaxRegimes; ++i) {
        const float* x = r.in[0].data() + i * 100;
        const float m = *std::max_element(x, x + 100);
        switch (softmax_row_regime(3, i)) {
            case SoftmaxRow::kOffset:
                EXPECT_TRUE(std::isinf(std::exp(m)));
                EXPECT_EQ(std::count(x, x + 100, m), 4);  // columns 0, 17, 78 and 99
                EXPECT_EQ(x[0], m);
                EXPECT_EQ(x[99], m);
                break;
            case SoftmaxRow::kWide: EXPECT_GT(m - *std::min_element(x, x + 100), 100.f); break;
            case SoftmaxRow::kOrdinary: EXPECT_LT(std::fabs(m), 4.f); break;
            case SoftmaxRow::kNegative: EXPECT_EQ(std::exp(m), 0.f); break;  // exp(x - 0) underflows
            case SoftmaxRow::kSpike:
                EXPECT_EQ(m, 100.f);
                EXPECT_EQ(std::count(x, x + 100, m), 1);
                break;
        }
    }
}

TEST(ExerciseSoftmax, TruthMatchesLongDoubleReference) {
    for (const Sizes& s : {rc(8, 777), rc(3, 7), rc(5, 1)}) {
        const TensorCase r = make_run(softmax_exercise(), s, 9);
        const auto rows = static_cast<size_t>(s.at("rows")), cols = static_cast<size_t>(s.at("cols"));
        for (size_t i = 0; i < rows; ++i) {
            const float* x = r.in[0].data() + i * cols;
            long double m = *std::max_element(x, x + cols), total = 0;
            for (size_t j = 0; j < cols; ++j) total += std::exp(static_cast<long double>(x[j]) - m);
            for (size_t j = 0; j < cols; ++j) {
                const long double ref = std::exp(static_cast<long double>(x[j]) - m) / total;
                ASSERT_LE(std::fabs(static_cast<long double>(r.truth[i * cols + j]) - ref), 1e-14L * ref)
                    << sizes_text(s) << " " << i << "," << j;
                EXPECT_GT(r.bound[i * cols + j], 0.0);
            }
        }
    }
}

TEST(ExerciseSoftmax, CorrectKernelsStayWithinHalfTheBound) {
    Tally tally("softmax");
    for (const auto& [s, seed] : softmax_cases()) {
        const TensorCase r = make_run(softmax_exercise(), s, seed);
        tally.correct("expf-sequential", r, by_rows(r, softmax_plain(Exp::kAccurate, Order::kSequential)));
        tally.correct("expf-tree", r, by_rows(r, softmax_plain(Exp::kAccurate, Order::kTree)));
        tally.correct("expf-256-lane-block", r, by_rows(r, softmax_plain(Exp::kAccurate, Order::kBlock)));
        tally.correct("exp2f-sequential", r, by_rows(r, softmax_plain(Exp::kExp2, Order::kSequential)));
        tally.correct("fast-exp-sequential", r, by_rows(r, softmax_plain(Exp::kFast, Order::kSequential)));
        tally.correct("fast-exp-256-lane-block", r, by_rows(r, softmax_plain(Exp::kFast, Order::kBlock)));
        tally.correct("online-sequential", r, by_rows(r, softmax_online(Exp::kFast, 1)));
        tally.correct("online-256-lanes-tree", r, by_rows(r, softmax_online(Exp::kFast, 256)));
        // Every exp and divide at __expf's documented worst, all in the same direction: an
        // adversary rather than a kernel, so only "within the bound" is asked.
        tally.correct("worst-exp-sequential", r, by_rows(r, softmax_plain(Exp::kWorst, Order::kSequential)), 1.0);
        tally.correct("worst-exp-online", r, by_rows(r, softmax_online(Exp::kWorst, 1)), 1.0);
    }
}

TEST(ExerciseSoftmax, WrongKernelsFail) {
    Tally tally("softmax");
    for (const auto& [s, seed] : softmax_cases()) {
        if (s.at("cols") < 7) continue;  // one or two columns: a row of 1s or two halves hide a lot
        const TensorCase r = make_run(softmax_exercise(), s, seed);
        const auto correct = softmax_plain(Exp::kAccurate, Order::kTree);
        tally.wrong("half-output", r, by_rows(r, [&](const float* x, size_t n, float* y, size_t i) {
                        correct(x, n, y, i);
                        for (size_t j = 0; j < n; ++j) y[j] = to_half(y[j]);
                    }));
        tally.wrong("half-inputs", r, by_rows(r, [&](const float* x, size_t n, float* y, size_t i) {
                        std::vector<float> h(x, x + n);
                        for (auto& v : h) v = to_half(v);
                        correct(h.data(), n, y, i);
                    }));
        tally.wrong("half-arithmetic", r, by_rows(r, [](const float* x, size_t n, float* y, size_t) {
                        const float m = to_half(*std::max_element(x, x + n));
                        std::vector<float> e(n);
                        float total = 0;
                        for (size_t j = 0; j < n; ++j) {
                            e[j] = to_half(std::exp(to_half(to_half(x[j]) - m)));
                            total = to_half(total + e[j]);
                        }
                        for (size_t j = 0; j < n; ++j) y[j] = to_half(e[j] / total);
                    }));
        tally.wrong("no-max-shift", r, by_rows(r, [](const float* x, size_t n, float* y, size_t) {
                        std::vector<float> e(n);
                        for (size_t j = 0; j < n; ++j) e[j] = std::exp(x[j]);
                        const float total = tree_sum(e);
                        for (size_t j = 0; j < n; ++j) y[j] = e[j] / total;
                    }));
        // One term of 30 000 is small next to the sum: only rows whose last column holds the max
        // (the offset rows) show it, by a few times the bound (docs/grading.md, note 3).
        tally.wrong("sum-misses-last-column", r, by_rows(r, [](const float* x, size_t n, float* y, size_t) {
                        const float m = *std::max_element(x, x + n);
                        std::vector<float> e(n);
                        for (size_t j = 0; j < n; ++j) e[j] = std::exp(x[j] - m);
                        const float total = tree_sum(std::vector<float>(e.begin(), e.end() - 1));
                        for (size_t j = 0; j < n; ++j) y[j] = e[j] / total;
                    }),
                    2);
        tally.wrong("not-normalised", r, by_rows(r, [](const float* x, size_t n, float* y, size_t) {
                        const float m = *std::max_element(x, x + n);
                        for (size_t j = 0; j < n; ++j) y[j] = std::exp(x[j] - m);
                    }));
        tally.wrong("zeros", r, std::vector<float>(r.elements(), 0.f));
        tally.wrong("copy-of-x", r, r.in[0]);
        tally.wrong("last-row-skipped", r,
                    sentinel_last_row(by_rows(r, correct), static_cast<size_t>(s.at("cols"))));
    }
}

TEST(ExerciseSoftmax, ReversedRowsReverseTheTruthExactly) {
    for (const Sizes& s : {rc(13, 50), rc(1, 9), rc(4, 1)}) expect_reversed_rows_reverse_truth(softmax_exercise(), s);
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
using test::explain::early_return_threads;
using test::explain::rows_of;
using test::explain::softmax_with;

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

}  // namespace explain

}  // namespace
}  // namespace kc::exercises
