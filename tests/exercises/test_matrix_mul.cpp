// matrix-mul's host side: the float64 truth against a naive long double reference, its tiles'
// bits, the error bounds against simulated fp32 kernels (correct ones within half the bound, wrong
// ones failing; "[calibration]" lines), the timed run's halved input, its size sweep, and the
// diagnosis of a kernel that skips the partial k tile or adds garbage in the edge tiles.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <span>
#include <thread>
#include <vector>

#include "exercises/matrix_mul/matrix_mul.h"
#include "exercises/spec.h"
#include "grade/compare.h"
#include "support/exercise_check.h"
#include "support/explain_check.h"
#include "support/sim_float.h"
#include "support/sim_matrix_mul.h"
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

const std::vector<Sizes>& matmul_cases() {
    static const std::vector<Sizes> cases = {mm(16, 16, 5003), mm(24, 20, 257), mm(48, 40, 64),
                                             mm(1, 1, 1),      mm(7, 3, 1),     mm(5, 9, 2)};
    return cases;
}

TEST(ExerciseMatmul, TruthMatchesLongDoubleReference) {
    for (const Sizes& s : {mm(13, 17, 301), mm(1, 1, 1), mm(70, 9, 33)}) {
        const TensorCase r = make_run(matrix_mul_exercise(), s, 5);
        const auto m = static_cast<size_t>(s.at("m")), n = static_cast<size_t>(s.at("n")),
                   k = static_cast<size_t>(s.at("k"));
        for (size_t i = 0; i < m; ++i)
            for (size_t j = 0; j < n; ++j) {
                long double ref = 0, abs_sum = 0;
                for (size_t l = 0; l < k; ++l) {
                    const long double t = static_cast<long double>(r.in[0][i * k + l]) * r.in[1][l * n + j];
                    ref += t;
                    abs_sum += std::fabs(t);
                }
                ASSERT_LE(std::fabs(static_cast<long double>(r.truth[i * n + j]) - ref), 1e-15L * abs_sum)
                    << sizes_text(s) << " at " << i << "," << j;
                EXPECT_GT(r.bound[i * n + j], 0.0);
            }
    }
}

TEST(ExerciseMatmul, CorrectKernelsStayWithinHalfTheBound) {
    Tally tally("matrix-mul");
    for (const Sizes& s : matmul_cases())
        for (uint64_t seed : {1u, 2u}) {
            const TensorCase r = make_run(matrix_mul_exercise(), s, seed);
            tally.correct("sequential", r, matmul_with(r, dot_sequential));
            tally.correct("sequential-fma", r, matmul_with(r, dot_fma));
            tally.correct("tree", r, matmul_with(r, [](auto& x, auto& y) { return tree_sum(products(x, y)); }));
            tally.correct("256-lane-block", r,
                          matmul_with(r, [](auto& x, auto& y) { return sum(products(x, y), Order::kBlock); }));
            tally.correct("split-k-8", r, matmul_with(r, [](auto& x, auto& y) {
                              float total = 0;
                              const size_t chunk = (x.size() + 7) / 8;
                              for (size_t c0 = 0; c0 < x.size(); c0 += chunk) {
                                  float part = 0;
                                  for (size_t l = c0; l < std::min(x.size(), c0 + chunk); ++l)
                                      part = std::fmaf(x[l], y[l], part);
                                  total += part;
                              }
                              return total;
                          }));
        }
}

TEST(ExerciseMatmul, WrongKernelsFail) {
    Tally tally("matrix-mul");
    for (const Sizes& s : {mm(16, 16, 5003), mm(24, 20, 257), mm(48, 40, 64), mm(7, 3, 2)}) {
        const TensorCase r = make_run(matrix_mul_exercise(), s, 3);
        const size_t n = static_cast<size_t>(s.at("n"));
        tally.wrong("half-inputs", r, matmul_with(r, [](auto x, auto y) {
                        for (auto& v : x) v = to_half(v);
                        for (auto& v : y) v = to_half(v);
                        return dot_fma(x, y);
                    }));
        tally.wrong("half-arithmetic", r, matmul_with(r, [](auto& x, auto& y) {
                        float acc = 0;
                        for (size_t l = 0; l < x.size(); ++l)
                            acc = to_half(acc + to_half(to_half(x[l]) * to_half(y[l])));
                        return acc;
                    }));
        tally.wrong("half-output", r, matmul_with(r, [](auto& x, auto& y) { return to_half(dot_fma(x, y)); }));
        tally.wrong("last-term-dropped", r, matmul_with(r, [](auto x, auto y) {
                        x.pop_back();
                        y.pop_back();
                        return dot_fma(x, y);
                    }));
        tally.wrong("zeros", r, std::vector<float>(r.elements(), 0.f));
        tally.wrong("copy-of-a", r, copy_of(r.in[0], r.elements()));
        tally.wrong("last-row-skipped", r, sentinel_last_row(matmul_with(r, dot_fma), n));
    }
}

// The 4-wide (AVX2) and 2-wide tiles give the same bits, over several tasks in both directions,
// several blocks of k and partial tiles at every edge.
TEST(ExerciseMatmul, EveryTileGivesTheSameBits) {
    for (const Sizes& s : {mm(131, 1100, 530), mm(3, 9, 1), mm(65, 513, 257)}) {
        const auto in = make_inputs(matrix_mul_exercise(), s, 8);
        const auto m = static_cast<size_t>(s.at("m")), n = static_cast<size_t>(s.at("n")),
                   k = static_cast<size_t>(s.at("k"));
        std::vector<double> t1(m * n), b1(m * n), t2(m * n), b2(m * n);
        matrix_mul_truth(in[0], in[1], m, n, k, t1, b1);
        matrix_mul_truth(in[0], in[1], m, n, k, t2, b2, true);
        ASSERT_EQ(t1, t2) << sizes_text(s);
        ASSERT_EQ(b1, b2) << sizes_text(s);
        // and the naive float64 loop, summing l in the same order
        for (size_t i = 0; i < m; i += 7)
            for (size_t j = 0; j < n; j += 5) {
                double ref = 0;
                for (size_t l = 0; l < k; ++l) ref += static_cast<double>(in[0][i * k + l]) * in[1][l * n + j];
                ASSERT_NEAR(t1[i * n + j], ref, 1e-12) << sizes_text(s) << " " << i << "," << j;
            }
    }
}

// The timed run halves a: truth and bound halve exactly.
TEST(ExerciseMatmul, HalvedInputHalvesTruthAndBoundExactly) {
    for (const Sizes& s : {mm(37, 29, 300), mm(1, 1, 1), mm(9, 130, 17)}) {
        const auto t = matrix_mul_exercise().timed_transform(s);
        ASSERT_EQ(t.kind, TimedTransform::kHalveInput);
        ASSERT_EQ(t.input, 0u);
        TensorCase r = make_run(matrix_mul_exercise(), s, 11);
        for (auto& v : r.in[0]) v *= 0.5f;
        std::vector<double> truth(r.elements()), bound(r.elements());
        std::vector<std::span<const float>> cin(r.in.begin(), r.in.end());
        matrix_mul_exercise().float_truth(s, cin, truth, bound);
        for (size_t i = 0; i < r.elements(); ++i) {
            ASSERT_EQ(truth[i], 0.5 * r.truth[i]) << i;
            ASSERT_EQ(bound[i], 0.5 * r.bound[i]) << i;
        }
    }
}

// How long the float64 truth of a large product takes: run by hand with
// --gtest_also_run_disabled_tests --gtest_filter='*Timing*'.
TEST(ExerciseMatmul, DISABLED_TruthTiming) {
    for (long long n : {1024LL, 2048LL}) {
        const Sizes s = mm(n, n, n);
        const auto in = make_inputs(matrix_mul_exercise(), s, 1);
        std::vector<double> truth(static_cast<size_t>(n * n)), bound(truth.size());
        std::vector<std::span<const float>> cin(in.begin(), in.end());
        for (int rep = 0; rep < 3; ++rep) {
            const auto t0 = std::chrono::steady_clock::now();
            matrix_mul_exercise().float_truth(s, cin, truth, bound);
            const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            std::printf("[timing] matrix-mul truth %lld^3: %.3f s, %.2f GFLOP/s on %u threads\n", n, sec,
                        2.0 * static_cast<double>(n * n * n) / sec / 1e9, std::thread::hardware_concurrency());
        }
        const auto t0 = std::chrono::steady_clock::now();
        matrix_mul_truth(in[0], in[1], static_cast<size_t>(n), static_cast<size_t>(n), static_cast<size_t>(n), truth,
                         bound, true);
        const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::printf("[timing] matrix-mul truth %lld^3, portable 2-wide tile: %.3f s, %.2f GFLOP/s\n", n, sec,
                    2.0 * static_cast<double>(n * n * n) / sec / 1e9);
    }
}

TEST(Sweep, MatrixMulScalesEveryDimension) {
    auto sweep = kc::exercises::sweep_sizes(spec_of("matrix-mul"), {{"m", 4096}, {"n", 4096}, {"k", 4096}});
    std::vector<long long> expected{256, 512, 1024, 2048, 4096};
    EXPECT_EQ(field(sweep, "m"), expected);
    EXPECT_EQ(field(sweep, "n"), expected);
    EXPECT_EQ(field(sweep, "k"), expected);
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

}  // namespace explain

}  // namespace
}  // namespace kc::exercises
