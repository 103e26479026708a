// reference/host/scan_truth.h: sums and prefix sums in float64 (fp32) and exactly (int32), on
// known values, and the fp32 bounds against simulated CUB-like sums: sequential, a tree, tiles
// chained by their prefixes, stay within them; half-precision accumulation and an inclusive
// scan written as an exclusive one do not. The worst ratios are printed ("[calibration]").
#include <gtest/gtest.h>

#include <cstdio>
#include <limits>

#include "reference/host/scan_truth.h"
#include "support/reference_check.h"

namespace kc::reference {
namespace {

using test::random_values;
using test::worst_of;

TEST(ReferenceScanTruth, KnownValues) {
    const std::vector<float> x = {1, 2, 3};
    EXPECT_EQ(scan_truth(ScanKind::kInclusiveSum, x).value, (std::vector<double>{1, 3, 6}));
    EXPECT_EQ(scan_truth(ScanKind::kExclusiveSum, x).value, (std::vector<double>{0, 1, 3}));
    EXPECT_EQ(scan_truth(ScanKind::kSum, x).value, (std::vector<double>{6}));
    EXPECT_EQ(scan_truth(ScanKind::kExclusiveSum, x).bound[0], 0.0);  // CUB writes 0 exactly
    EXPECT_EQ(scan_truth(ScanKind::kSum, std::vector<float>{}).value, (std::vector<double>{0}));
    EXPECT_TRUE(scan_truth(ScanKind::kInclusiveSum, std::vector<float>{}).value.empty());

    const std::vector<int32_t> xi = {5, -2, 7};
    EXPECT_EQ(*scan_truth_int(ScanKind::kInclusiveSum, xi), (std::vector<int32_t>{5, 3, 10}));
    EXPECT_EQ(*scan_truth_int(ScanKind::kExclusiveSum, xi), (std::vector<int32_t>{0, 5, 3}));
    EXPECT_EQ(*scan_truth_int(ScanKind::kSum, xi), (std::vector<int32_t>{10}));
}

TEST(ReferenceScanTruth, Int32OverflowIsAnError) {
    const int32_t big = std::numeric_limits<int32_t>::max();
    const std::vector<int32_t> x = {big, 1, -5};
    auto r = scan_truth_int(ScanKind::kInclusiveSum, x);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("overflows"), std::string::npos);
    // The exclusive scan stops before the last element, and the total comes back in range.
    EXPECT_FALSE(scan_truth_int(ScanKind::kExclusiveSum, x).ok());
    EXPECT_TRUE(scan_truth_int(ScanKind::kSum, std::vector<int32_t>{big, 1, -5}).ok());
    EXPECT_TRUE(scan_truth_int(ScanKind::kExclusiveSum, std::vector<int32_t>{1, big}).ok());
}

// Prefix sums as CUB makes them: tiles of `tile` items summed sequentially by a thread each
// (runs of `run`), the runs' totals combined in a tree, and each tile's prefix the previous
// prefix plus the previous tile's total (the decoupled look-back chain).
std::vector<float> tiled_scan(const std::vector<float>& x, size_t tile, size_t run, bool inclusive, DType arith) {
    auto r_ = [&](float v) { return round_to(arith, v); };
    std::vector<float> out(x.size());
    float prefix = 0;
    for (size_t t0 = 0; t0 < x.size(); t0 += tile) {
        const size_t t1 = std::min(x.size(), t0 + tile);
        std::vector<float> run_total;
        for (size_t r0 = t0; r0 < t1; r0 += run) {
            float s = 0;
            for (size_t i = r0; i < std::min(t1, r0 + run); ++i) s = r_(s + x[i]);
            run_total.push_back(s);
        }
        // Exclusive prefix of the runs (Hillis-Steele in the tree's order of additions).
        std::vector<float> run_prefix(run_total.size(), 0.0f), incl = run_total;
        for (size_t step = 1; step < incl.size(); step *= 2) {
            auto next = incl;
            for (size_t i = step; i < incl.size(); ++i) next[i] = r_(incl[i] + incl[i - step]);
            incl = next;
        }
        for (size_t i = 1; i < incl.size(); ++i) run_prefix[i] = incl[i - 1];
        for (size_t k = 0; k < run_total.size(); ++k) {
            float s = r_(prefix + run_prefix[k]);
            for (size_t i = t0 + k * run; i < std::min(t1, t0 + (k + 1) * run); ++i) {
                if (!inclusive) out[i] = s;
                s = r_(s + x[i]);
                if (inclusive) out[i] = s;
            }
        }
        prefix = r_(prefix + incl.back());
    }
    return out;
}

TEST(ReferenceScanTruth, CubLikeScansStayWithinTheBound) {
    for (bool offset : {false, true}) {
        const auto x = random_values(0x7363616e + offset, 1 << 20, offset ? 0.0f : -1.0f, 1.0f, DType::kFp32);
        for (bool inclusive : {true, false}) {
            const ScanKind k = inclusive ? ScanKind::kInclusiveSum : ScanKind::kExclusiveSum;
            const auto t = scan_truth(k, x);
            for (size_t tile : {size_t{128}, size_t{3840}}) {
                const auto w = worst_of(t, tiled_scan(x, tile, 15, inclusive, DType::kFp32));
                std::printf("[calibration] scan %s tile %zu, %s inputs: %s\n", inclusive ? "inclusive" : "exclusive", tile,
                            offset ? "[0, 1)" : "[-1, 1)", w.text().c_str());
                EXPECT_LE(w.ratio, 0.5);
            }
            const auto half = worst_of(t, tiled_scan(x, 3840, 15, inclusive, DType::kFp16));
            std::printf("[calibration] scan in fp16: %s\n", half.text().c_str());
            EXPECT_GT(half.ratio, 10.0);
        }
        const auto t = scan_truth(ScanKind::kInclusiveSum, x);
        const auto shifted = worst_of(t, tiled_scan(x, 3840, 15, false, DType::kFp32));
        EXPECT_GT(shifted.ratio, 10.0);
    }
}

TEST(ReferenceScanTruth, SumsStayWithinTheBound) {
    const auto x = random_values(0x73756d, 1 << 22, -1, 1, DType::kFp32);
    const auto t = scan_truth(ScanKind::kSum, x);
    float sequential = 0;
    for (float v : x) sequential += v;
    std::vector<float> tree(x);
    while (tree.size() > 1) {
        std::vector<float> next((tree.size() + 1) / 2);
        for (size_t i = 0; i < next.size(); ++i) next[i] = tree[2 * i] + (2 * i + 1 < tree.size() ? tree[2 * i + 1] : 0.0f);
        tree = next;
    }
    const auto ws = worst_of(t, std::vector<float>{sequential}), wt = worst_of(t, tree);
    std::printf("[calibration] sum of 2^22, sequential: %s; tree: %s\n", ws.text().c_str(), wt.text().c_str());
    EXPECT_LE(ws.ratio, 0.5);
    EXPECT_LE(wt.ratio, 0.5);
    float half = 0;
    for (float v : x) half = round_to(DType::kFp16, half + v);
    EXPECT_GT(worst_of(t, std::vector<float>{half}).ratio, 10.0);
}

}  // namespace
}  // namespace kc::reference
