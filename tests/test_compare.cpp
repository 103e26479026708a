// Output comparison: bounds, sentinel, NaN/Inf rules, and the explanations of a wrong answer.
#include "grade/compare.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <utility>
#include <vector>

namespace kc::grade {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A case: fp32 output, float64 truth, a bound per element; shape defaults to a vector.
struct Case {
    Case() = default;
    Case(std::vector<float> g, std::vector<double> t, std::vector<double> b)
        : got(std::move(g)), truth(std::move(t)), bound(std::move(b)) {}

    std::vector<float> got;
    std::vector<double> truth;
    std::vector<double> bound;
    std::vector<long long> shape;
    std::vector<uint8_t> mask;

    Comparison run() {
        if (shape.empty()) shape = {static_cast<long long>(got.size())};
        auto c = compare(got, truth, bound, shape, &mask);
        EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
        return c.ok() ? *c : Comparison{};
    }
    std::string diagnosis() {
        Comparison c = run();
        return diagnose(c, mask, shape);
    }
};

// n elements whose fp32 output equals the truth exactly, with a uniform bound.
Case exact_case(size_t n, double bound = 1e-6) {
    Case k;
    for (size_t i = 0; i < n; ++i) {
        const double t = 1.0 + 0.375 * static_cast<double>(i % 101);  // exact in fp32
        k.truth.push_back(t);
        k.got.push_back(static_cast<float>(t));
        k.bound.push_back(bound);
    }
    return k;
}

// Rounds to IEEE half precision's 11 significant bits (normal range only), as a kernel
// computing in __half would.
double round_to_half(double x) {
    if (x == 0) return 0;
    const int e = std::ilogb(x);
    const double ulp = std::ldexp(1.0, e - 10);
    return std::nearbyint(x / ulp) * ulp;
}

uint32_t bits(float x) {
    uint32_t b;
    std::memcpy(&b, &x, sizeof b);
    return b;
}

// ---- the sentinel --------------------------------------------------------------------------

TEST(Compare, SentinelIsANaNThatHostArithmeticDoesNotMake) {
    EXPECT_TRUE(std::isnan(sentinel()));
    EXPECT_EQ(bits(sentinel()), kSentinelBits);
    EXPECT_TRUE(is_sentinel(sentinel()));

    volatile float zero = 0.f;
    const float made = zero / zero;
    ASSERT_TRUE(std::isnan(made));
    EXPECT_FALSE(is_sentinel(made));
    EXPECT_FALSE(is_sentinel(std::numeric_limits<float>::quiet_NaN()));
    EXPECT_NE(bits(std::numeric_limits<float>::quiet_NaN()), kSentinelBits);
    EXPECT_FALSE(is_sentinel(std::bit_cast<float>(0x7fffffffu)));  // CUDA's canonical NaN
    EXPECT_FALSE(is_sentinel(0.f));
}

// ---- bounds --------------------------------------------------------------------------------

TEST(Compare, ExactMatchPassesWithZeroHeadroom) {
    Case k = exact_case(1000, 0.0);
    Comparison c = k.run();
    EXPECT_TRUE(c.passed());
    EXPECT_EQ(c.count, 1000u);
    EXPECT_EQ(c.mismatches, 0u);
    EXPECT_EQ(c.headroom, 0.0);
    EXPECT_EQ(c.max_error, 0.0);
    EXPECT_FALSE(c.first);
    EXPECT_FALSE(c.worst);
    EXPECT_EQ(diagnose(c, k.mask, k.shape), "");
}

TEST(Compare, ErrorAtTheBoundPassesJustOverFails) {
    Case at{{1.25f, 2.0f}, {1.0, 2.0}, {0.25, 0.0}};
    Comparison c = at.run();
    EXPECT_TRUE(c.passed());
    EXPECT_DOUBLE_EQ(c.headroom, 1.0);
    EXPECT_DOUBLE_EQ(c.max_error, 0.25);

    Case half{{1.125f}, {1.0}, {0.25}};
    EXPECT_DOUBLE_EQ(half.run().headroom, 0.5);

    Case over{{std::nextafter(1.25f, 2.f)}, {1.0}, {0.25}};
    Comparison o = over.run();
    EXPECT_FALSE(o.passed());
    EXPECT_EQ(o.mismatches, 1u);
    EXPECT_GT(o.headroom, 1.0);
    ASSERT_TRUE(o.worst);
    EXPECT_EQ(o.worst->index, 0u);
    EXPECT_DOUBLE_EQ(o.worst->expected, 1.0);
    EXPECT_DOUBLE_EQ(o.worst->bound, 0.25);
    EXPECT_GT(o.worst->error, 0.25);
    EXPECT_EQ(over.mask[0], static_cast<uint8_t>(Fault::kOutOfBound));
}

TEST(Compare, BoundZeroDemandsExactness) {
    Case k{{1.0f, std::nextafter(1.0f, 2.f)}, {1.0, 1.0}, {0.0, 0.0}};
    Comparison c = k.run();
    EXPECT_EQ(c.mismatches, 1u);
    EXPECT_EQ(c.first->index, 1u);
    EXPECT_EQ(c.headroom, kInf);
}

TEST(Compare, WorstIsTheLargestErrorToBoundRatio) {
    Case k = exact_case(10, 0.1);
    k.got[2] += 1.0f;   // ratio ~10
    k.got[5] += 0.5f;   // ratio ~5, first
    k.bound[7] = 1.0;   // a big error under a big bound: ratio ~3, still wrong
    k.got[7] += 3.0f;
    Comparison c = k.run();
    EXPECT_EQ(c.mismatches, 3u);
    EXPECT_EQ(c.first->index, 2u);
    EXPECT_EQ(c.worst->index, 2u);
    EXPECT_NEAR(c.max_error, 3.0, 1e-5);
    EXPECT_NEAR(c.headroom, 10.0, 1e-4);
}

// ---- the sentinel in outputs ---------------------------------------------------------------

TEST(Compare, NeverWrittenCountedWithCoordsIn2D) {
    Case k = exact_case(15);
    k.shape = {3, 5};
    k.got[7] = sentinel();
    Comparison c = k.run();
    EXPECT_FALSE(c.passed());
    EXPECT_EQ(c.never_written, 1u);
    EXPECT_EQ(c.mismatches, 1u);
    EXPECT_EQ(c.nan_got, 0u);
    ASSERT_TRUE(c.first && c.worst);
    EXPECT_EQ(c.first->index, 7u);
    EXPECT_EQ(c.first->coords, (std::vector<long long>{1, 2}));
    EXPECT_TRUE(c.first->never_written);
    EXPECT_TRUE(std::isnan(c.first->got));
    EXPECT_EQ(c.worst->coords, (std::vector<long long>{1, 2}));  // nothing else is wrong
    EXPECT_EQ(c.headroom, kInf);
    EXPECT_EQ(k.mask[7], static_cast<uint8_t>(Fault::kNeverWritten));
}

TEST(Compare, NeverWrittenIsWorstOnlyIfNothingElse) {
    Case k = exact_case(15);
    k.shape = {3, 5};
    k.got[3] = sentinel();
    k.got[13] += 1.0f;
    Comparison c = k.run();
    EXPECT_EQ(c.mismatches, 2u);
    EXPECT_EQ(c.first->index, 3u);
    EXPECT_TRUE(c.first->never_written);
    EXPECT_EQ(c.worst->index, 13u);
    EXPECT_EQ(c.worst->coords, (std::vector<long long>{2, 3}));
    EXPECT_FALSE(c.worst->never_written);
}

TEST(Compare, SentinelCountsEvenWhereTruthIsNaN) {
    Case k{{sentinel()}, {kNaN}, {0.0}};
    Comparison c = k.run();
    EXPECT_EQ(c.never_written, 1u);
    EXPECT_EQ(c.mismatches, 1u);
}

// ---- NaN and Inf ---------------------------------------------------------------------------

TEST(Compare, NaNInTruthMatchedByNaNPassesByANumberFails) {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    Case match{{nan, std::bit_cast<float>(0x7fffffffu), 1.f}, {kNaN, kNaN, 1.0}, {0, 0, 0}};
    EXPECT_TRUE(match.run().passed());

    Case number{{1.f, 2.f}, {kNaN, 2.0}, {1e9, 0}};
    Comparison c = number.run();
    EXPECT_EQ(c.mismatches, 1u);
    EXPECT_EQ(c.nan_missing, 1u);
    EXPECT_EQ(c.first->error, kInf);
    EXPECT_EQ(c.headroom, kInf);

    Case inf{{std::numeric_limits<float>::infinity()}, {kNaN}, {0}};
    EXPECT_EQ(inf.run().nan_missing, 1u);
}

TEST(Compare, NaNInOutputWhereTruthIsFiniteFails) {
    Case k = exact_case(8, 1e9);  // no bound excuses a NaN
    k.got[4] = std::numeric_limits<float>::quiet_NaN();
    Comparison c = k.run();
    EXPECT_EQ(c.mismatches, 1u);
    EXPECT_EQ(c.nan_got, 1u);
    EXPECT_EQ(c.never_written, 0u);
    EXPECT_EQ(c.headroom, kInf);
    EXPECT_EQ(c.worst->error, kInf);
    EXPECT_EQ(c.max_error, 0.0);  // only finite pairs count
    EXPECT_EQ(k.mask[4], static_cast<uint8_t>(Fault::kNaN));
}

TEST(Compare, InfMustMatchExactly) {
    const float inf = std::numeric_limits<float>::infinity();
    Case same{{inf, -inf}, {kInf, -kInf}, {0, 0}};
    EXPECT_TRUE(same.run().passed());

    Case sign{{-inf}, {kInf}, {1e300}};
    Comparison c = sign.run();
    EXPECT_EQ(c.mismatches, 1u);
    EXPECT_EQ(c.inf_mismatch, 1u);

    Case got_inf{{inf}, {1e30}, {1e300}};
    EXPECT_EQ(got_inf.run().inf_mismatch, 1u);
    Case lost_inf{{3e38f}, {kInf}, {1e300}};
    EXPECT_EQ(lost_inf.run().inf_mismatch, 1u);

    // A truth beyond FLT_MAX is an Inf in fp32: a correct kernel overflows too.
    Case overflow{{inf, -inf}, {1e39, -1e39}, {0, 0}};
    EXPECT_TRUE(overflow.run().passed());
    Case just_below{{inf}, {3.4028234e38}, {0}};  // rounds to FLT_MAX, not Inf
    EXPECT_FALSE(just_below.run().passed());
}

// ---- the bound tells correct fp32 from wrong ------------------------------------------------

TEST(Compare, HalfPrecisionFailsAOneRoundingBoundFp32Passes) {
    std::mt19937_64 rng(1234);
    std::normal_distribution<double> dist(0.0, 10.0);
    const size_t n = 4096;
    std::vector<double> truth(n), bound(n);
    std::vector<float> fp32(n), fp16(n), zeros(n, 0.f);
    for (size_t i = 0; i < n; ++i) {
        truth[i] = dist(rng);
        bound[i] = 0x1p-24 * std::fabs(truth[i]) * 2;  // one fp32 rounding, doubled
        fp32[i] = static_cast<float>(truth[i]);
        fp16[i] = static_cast<float>(round_to_half(truth[i]));
    }
    const std::vector<long long> shape{static_cast<long long>(n)};

    auto good = compare(fp32, truth, bound, shape);
    ASSERT_TRUE(good.ok());
    EXPECT_TRUE(good->passed());
    EXPECT_LE(good->headroom, 0.5);  // fp32 rounding is at most half the doubled bound
    EXPECT_GT(good->headroom, 0.0);

    std::vector<uint8_t> mask;
    auto half = compare(fp16, truth, bound, shape, &mask);
    ASSERT_TRUE(half.ok());
    EXPECT_FALSE(half->passed());
    EXPECT_GT(half->mismatches, n * 9 / 10);

    auto zero = compare(zeros, truth, bound, shape, &mask);
    ASSERT_TRUE(zero.ok());
    EXPECT_EQ(zero->mismatches, n);
    EXPECT_EQ(diagnose(*zero, mask, shape),
              "every element is wrong: check the formula (and that each result is stored where it "
              "belongs)");

    // The same through the uniform tolerance.
    auto tol = compare(fp32, truth, Tolerance{0, 0x1p-23}, shape);
    ASSERT_TRUE(tol.ok());
    EXPECT_TRUE(tol->passed());
    EXPECT_DOUBLE_EQ(tol->headroom, good->headroom);
    auto tol_half = compare(fp16, truth, Tolerance{0, 0x1p-23}, shape);
    ASSERT_TRUE(tol_half.ok());
    EXPECT_EQ(tol_half->mismatches, half->mismatches);
}

// ---- caller errors -------------------------------------------------------------------------

TEST(Compare, SizesThatDisagreeAreErrors) {
    std::vector<float> got(6, 1.f);
    std::vector<double> truth(6, 1.0), bound(6, 0.0), short_bound(5, 0.0);
    const std::vector<long long> ok{2, 3}, wrong{2, 4}, negative{-2, -3};
    EXPECT_TRUE(compare(got, truth, bound, ok).ok());
    EXPECT_FALSE(compare(got, truth, short_bound, ok).ok());
    EXPECT_FALSE(compare(got, std::span(truth).first(5), bound, ok).ok());
    EXPECT_FALSE(compare(got, truth, bound, wrong).ok());
    EXPECT_FALSE(compare(got, truth, bound, negative).ok());
    EXPECT_FALSE(compare(got, truth, Tolerance{-1, 0}, ok).ok());

    got[3] = 2.f;
    bound[3] = -1.0;
    auto bad = compare(got, truth, bound, ok);
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("element 3"), std::string::npos);
}

TEST(Compare, ScalarAndEmptyShapes) {
    std::vector<float> one{2.f};
    std::vector<double> truth{2.0}, bound{0.0};
    auto c = compare(one, truth, bound, std::span<const long long>{});
    ASSERT_TRUE(c.ok());
    EXPECT_TRUE(c->passed());
    auto empty = compare({}, {}, std::span<const double>{}, std::vector<long long>{0, 4});
    ASSERT_TRUE(empty.ok());
    EXPECT_EQ(empty->count, 0u);
    EXPECT_EQ(unravel(23, std::vector<long long>{2, 3, 4}), (std::vector<long long>{1, 2, 3}));
}

// ---- diagnose ------------------------------------------------------------------------------

TEST(Compare, DiagnoseLastPartialBlock) {
    Case k = exact_case(1000);  // 256-thread blocks: the last block holds 1000 - 768 = 232
    for (size_t i = 768; i < 1000; ++i) k.got[i] += 1.f;
    EXPECT_EQ(k.diagnosis(),
              "only the last 232 elements are wrong: the last, partial block (check the bounds and "
              "the grid size)");

    Case sparse = exact_case(1000);  // a few wrong inside the last partial block of 32
    sparse.got[995] += 1.f;
    sparse.got[998] += 1.f;
    EXPECT_EQ(sparse.diagnosis(),
              "the wrong elements are all in the last 8 elements, the last, partial block: check "
              "the bounds and the grid size");
}

TEST(Compare, DiagnoseSuffixNeverWritten) {
    Case k = exact_case(1000);
    for (size_t i = 960; i < 1000; ++i) k.got[i] = sentinel();
    EXPECT_EQ(k.diagnosis(),
              "the last 40 elements were never written: no thread stored them: check the grid size, "
              "and every early return or bounds check before the store");

    Case rows = exact_case(7 * 9);
    rows.shape = {7, 9};
    for (size_t i = 5 * 9; i < 7 * 9; ++i) rows.got[i] = sentinel();
    EXPECT_EQ(rows.diagnosis(),
              "the last 2 rows were never written: no thread stored them: check the grid size, and "
              "every early return or bounds check before the store");
}

// Elements never written at the end, told against the launch: "the grid is too small" only
// when its threads cannot cover every element, one each (issue 11, point 3).
std::string unwritten(Case k, size_t from, LaunchShape launch) {
    for (size_t i = from; i < k.got.size(); ++i) k.got[i] = sentinel();
    Comparison c = k.run();
    return diagnose(c, k.mask, k.shape, launch);
}

TEST(Compare, DiagnoseNeverWrittenAgainstTheLaunch) {
    // Threads that return when threadIdx.x >= cols, one thread per row: 7 rows of 1, 1 block.
    Case column = exact_case(7);
    column.shape = {7, 1};
    EXPECT_EQ(unwritten(column, 1, {1, 256}),
              "the last 6 rows were never written: the launch has 1 block x 256 threads = 256 "
              "threads for 7 elements: enough to cover them, so threads that should write them "
              "returned early or skipped them (check every early return and bounds check against "
              "the index it guards); or, with one row per block, 1 block covers only the first row "
              "of the 7");
    EXPECT_EQ(unwritten(exact_case(1000), 960, {4, 256}),
              "the last 40 elements were never written: the launch has 4 blocks x 256 threads = "
              "1024 threads for 1000 elements: enough to cover them, so threads that should write "
              "them returned early or skipped them (check every early return and bounds check "
              "against the index it guards)");
    // The grid really is too small: one element per thread covers exactly the first 768.
    EXPECT_EQ(unwritten(exact_case(1000), 768, {3, 256}),
              "the last 232 elements were never written: the grid is too small: the launch has 3 "
              "blocks x 256 threads = 768 threads for 1000 elements, and at one element per thread "
              "they cover only the first 768");
    EXPECT_EQ(unwritten(exact_case(1000), 960, {2, 256}),
              "the last 40 elements were never written: the launch has 2 blocks x 256 threads = 512 "
              "threads for 1000 elements: too few for one element per thread, so the grid is too "
              "small, unless each thread handles several (then check where its loop over them "
              "stops)");
    // One block per row, one block short (module 03's skips-last-row control).
    Case rows = exact_case(33 * 1000);
    rows.shape = {33, 1000};
    EXPECT_EQ(unwritten(rows, 32 * 1000, {32, 256}),
              "the last row was never written: the grid is too small: with one row per block, 32 "
              "blocks cover only the first 32 rows of the 33");
    // Two rows per block, rows / 2 blocks (module 04's skips-last-row control): enough threads.
    Case pairs = exact_case(9 * 5);
    pairs.shape = {9, 5};
    EXPECT_EQ(unwritten(pairs, 8 * 5, {4, 256}),
              "the last row was never written: the launch has 4 blocks x 256 threads = 1024 threads "
              "for 45 elements: enough to cover them, so threads that should write them returned "
              "early or skipped them (check every early return and bounds check against the index "
              "it guards); or, with 2 rows per block, 4 blocks cover only the first 8 rows of the 9");
}

TEST(Compare, DiagnoseNothingWritten) {
    Case k = exact_case(100);
    for (float& g : k.got) g = sentinel();
    EXPECT_EQ(k.diagnosis(), "nothing was written: is the store missing, or the grid empty?");
}

TEST(Compare, DiagnoseAllWrong) {
    Case k = exact_case(100);
    for (float& g : k.got) g *= 2.f;
    EXPECT_EQ(k.diagnosis(),
              "every element is wrong: check the formula (and that each result is stored where it "
              "belongs)");
}

TEST(Compare, DiagnoseStride) {
    Case two = exact_case(1000);
    for (size_t i = 1; i < 1000; i += 2) two.got[i] = 0.f;
    EXPECT_EQ(two.diagnosis(), "every 2nd element is wrong: check the index arithmetic (stride)");

    Case four = exact_case(1000);
    for (size_t i = 0; i < 1000; i += 4) four.got[i + 1] = four.got[i + 2] = four.got[i + 3] = 0.f;
    EXPECT_EQ(four.diagnosis(),
              "3 of every 4 elements are wrong, in a repeating pattern: check the index arithmetic "
              "(stride)");

    Case column = exact_case(10 * 37);
    column.shape = {10, 37};
    for (size_t r = 0; r < 10; ++r) column.got[r * 37 + 3] = 0.f;
    EXPECT_EQ(column.diagnosis(), "column 3 is wrong in every row: check the column index");
}

TEST(Compare, DiagnoseNaN) {
    Case k = exact_case(100);
    k.got[10] = k.got[50] = k.got[51] = std::numeric_limits<float>::quiet_NaN();
    EXPECT_EQ(k.diagnosis(),
              "the output has NaN where the answer is finite: overflow, 0/0, or reading "
              "uninitialised memory");
}

TEST(Compare, DiagnoseEdges2D) {
    Case cols = exact_case(6 * 40);
    cols.shape = {6, 40};
    for (size_t r = 0; r < 6; ++r)
        for (size_t c = 32; c < 40; ++c) cols.got[r * 40 + c] = sentinel();
    EXPECT_EQ(cols.diagnosis(),
              "the last 8 columns were never written: no thread stored them: check the grid size, "
              "and every early return or bounds check before the store");
    Comparison c = cols.run();
    EXPECT_EQ(diagnose(c, cols.mask, cols.shape, LaunchShape{1, 256}),
              "the last 8 columns were never written: the launch has 1 block x 256 threads = 256 "
              "threads for 240 elements: enough to cover them, so threads that should write them "
              "returned early or skipped them (check every early return and bounds check against "
              "the index it guards)");

    // A 70 x 100 GEMM with 32 x 32 tiles: the last partial tiles are wrong in a few places.
    Case tiles = exact_case(70 * 100);
    tiles.shape = {70, 100};
    tiles.got[65 * 100 + 3] += 1.f;   // bottom edge
    tiles.got[10 * 100 + 97] += 1.f;  // right edge
    tiles.got[69 * 100 + 99] += 1.f;  // corner
    EXPECT_EQ(tiles.diagnosis(),
              "the wrong elements are all at the bottom and right edges, in the last, partial "
              "tiles (the last 6 rows and 4 columns, past a multiple of 32): check the row and "
              "column bounds");
}

TEST(Compare, DiagnoseNothingForScatteredErrors) {
    Case k = exact_case(1000);
    k.got[17] += 1.f;
    k.got[400] += 1.f;
    k.got[401] += 1.f;
    k.got[777] += 1.f;
    EXPECT_EQ(k.diagnosis(), "");
}

TEST(Compare, DiagnoseWithoutAMaskUsesTheCounts) {
    Case k = exact_case(1000);
    for (size_t i = 960; i < 1000; ++i) k.got[i] = sentinel();
    Comparison c = k.run();
    EXPECT_EQ(diagnose(c, {}, k.shape),
              "the last 40 elements were never written: no thread stored them: check the grid size, "
              "and every early return or bounds check before the store");
    std::vector<uint8_t> short_mask(10);
    EXPECT_EQ(diagnose(c, short_mask, k.shape), "");
}

// ---- heatmap -------------------------------------------------------------------------------

TEST(Compare, HeatmapDimsAndFractions) {
    // 4 x 6, downsampled to 2 x 3 cells of 2 x 2 elements.
    std::vector<uint8_t> mask(24, 0);
    mask[0] = 1;                  // cell (0, 0): 1 of 4
    mask[4] = mask[5] = 1;        // cell (0, 2): 2 of 4
    mask[10] = mask[11] = 1;      // cell (0, 2): now 4 of 4
    mask[18] = 2;                 // cell (1, 0): 1 of 4 (any nonzero fault counts)
    Heatmap h = heatmap(mask, 4, 6, 2, 3);
    ASSERT_EQ(h.rows, 2);
    ASSERT_EQ(h.cols, 3);
    ASSERT_EQ(h.fraction.size(), 6u);
    EXPECT_EQ(h.fraction, (std::vector<double>{0.25, 0.0, 1.0, 0.25, 0.0, 0.0}));

    // Smaller than the limits: one cell per element.
    Heatmap small = heatmap(mask, 4, 6);
    EXPECT_EQ(small.rows, 4);
    EXPECT_EQ(small.cols, 6);
    EXPECT_EQ(small.fraction[0], 1.0);
    EXPECT_EQ(small.fraction[1], 0.0);

    // Uneven splits: 10 columns into 3 cells of 3, 3, 4.
    std::vector<uint8_t> row(10, 0);
    row[9] = 1;
    Heatmap uneven = heatmap(row, 1, 10, 8, 3);
    EXPECT_EQ(uneven.cols, 3);
    EXPECT_EQ(uneven.fraction, (std::vector<double>{0.0, 0.0, 0.25}));

    // A vector is one row; a 3-D output folds its leading dimensions into rows.
    std::vector<uint8_t> vec(1000, 0);
    for (size_t i = 768; i < 1000; ++i) vec[i] = 1;
    Heatmap strip = heatmap(vec, std::vector<long long>{1000});
    EXPECT_EQ(strip.rows, 1);
    EXPECT_EQ(strip.cols, 64);
    EXPECT_EQ(strip.fraction.front(), 0.0);
    EXPECT_EQ(strip.fraction.back(), 1.0);
    Heatmap folded = heatmap(std::vector<uint8_t>(2 * 3 * 4), std::vector<long long>{2, 3, 4});
    EXPECT_EQ(folded.rows, 6);
    EXPECT_EQ(folded.cols, 4);

    EXPECT_EQ(heatmap(mask, 5, 6).rows, 0);  // the mask does not fit the view
}

}  // namespace
}  // namespace kc::grade
