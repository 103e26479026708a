// embedding-gather: rows by index times scale, zeros and an exact flag for bad indices, NaN
// padding past each row's dim, the input views it supports (bad indices, NaN and Inf in the
// rows gathered), n = 0, and tables past int's reach.
#include <gtest/gtest.h>

#include <climits>
#include <cmath>
#include <set>

#include "exercises/exercise.h"
#include "exercises/registry.h"
#include "support/host_case.h"

namespace kc::exercises {
namespace {

using test::host_case;

const Exercise& gather() {
    const Exercise* ex = find_exercise("embedding-gather");
    EXPECT_NE(ex, nullptr);
    return *ex;
}

Sizes sizes(long long n, long long rows, long long dim, long long ld) {
    return {{"n", n}, {"rows", rows}, {"dim", dim}, {"ld", ld}};
}

TEST(EmbeddingGather, RowsByIndexTimesScaleAndTheFlagStaysZero) {
    const Sizes s = sizes(300, 500, 61, 67);
    EXPECT_EQ(check_declarations(gather(), s), "");
    EXPECT_EQ(parameters(gather(), s),
              "const float* table, const int* index, float* out, int* error, int n, int rows, int dim, int ld, "
              "float scale");
    const auto h = host_case(gather(), s, 3);
    auto table = h.seeded[0].as<const float>();
    auto index = h.seeded[1].as<const int>();
    EXPECT_EQ(h.seeded[2].as<const int>()[0], 0);  // error starts at 0
    std::set<int> distinct;
    for (size_t i = 0; i < 300; ++i) {
        ASSERT_GE(index[i], 0);
        ASSERT_LT(index[i], 500);
        if (i % 64 == 63) EXPECT_GE(index[i], 500 - 64) << "every 64th index is on the table's last 64 rows";
        else distinct.insert(index[i]);
        for (size_t j = 0; j < 61; ++j) {
            const double want = static_cast<double>(table[static_cast<size_t>(index[i]) * 67 + j]) * 1.25;
            ASSERT_EQ(h.truth[0][i * 61 + j], want) << i << " " << j;
            EXPECT_LE(h.bound[0][i * 61 + j], std::abs(want) * 0x1p-24);
        }
    }
    EXPECT_EQ(distinct.size(), 300u - 4) << "the others are distinct rows";
    // The bytes counted: every output written, every index, every distinct row read once.
    EXPECT_EQ(gather().spec().bytes(s), 4.0 * (300 * 61 + 300 + (300 - 4) * 61));
    EXPECT_EQ(h.truth[1][0], 0.0);
    // The padding past each row's dim is NaN: a kernel that strides by dim reads it.
    for (size_t r = 0; r < 500; ++r)
        for (size_t j = 61; j < 67; ++j) ASSERT_TRUE(std::isnan(table[r * 67 + j])) << r << " " << j;
}

TEST(EmbeddingGather, BadIndicesAreNextToBothEndsAndGiveZerosAndTheFlag) {
    const Sizes s = sizes(1000, 1000, 8, 8);
    View v;
    v.bad_indices = 8;
    const auto h = host_case(gather(), s, 5, v);
    auto index = h.seeded[1].as<const int>();
    std::vector<int> bad;
    for (size_t i = 0; i < 1000; ++i)
        if (index[i] < 0 || index[i] >= 1000) {
            bad.push_back(index[i]);
            for (size_t j = 0; j < 8; ++j) EXPECT_EQ(h.truth[0][i * 8 + j], 0.0);
        }
    EXPECT_EQ(bad, (std::vector<int>{-1, 1000, -2, 1001, -1, 1000, -2, 1001}));
    EXPECT_EQ(h.truth[1][0], 1.0);
    EXPECT_EQ(h.bound[1][0], 0.0);
    // More bad indices than there are: every index is bad.
    v.bad_indices = 50;
    const auto all = host_case(gather(), sizes(3, 10, 1, 1), 5, v);
    for (int r : all.seeded[1].as<const int>()) EXPECT_TRUE(r < 0 || r >= 10) << r;
}

TEST(EmbeddingGather, NonfiniteValuesLandInGatheredRowsAndPassThrough) {
    const Sizes s = sizes(1000, 1000, 64, 64);
    View v;
    v.nonfinite = true;
    const auto h = host_case(gather(), s, 9, v);
    size_t nan = 0, pos = 0, neg = 0;
    for (double t : h.truth[0]) {
        nan += std::isnan(t);
        pos += t == INFINITY;
        neg += t == -INFINITY;
    }
    EXPECT_GT(nan, 0u);
    EXPECT_GT(pos, 0u);
    EXPECT_GT(neg, 0u);
    EXPECT_EQ(h.truth[1][0], 0.0) << "NaN in the table is data, not an input error";
    for (double b : h.bound[0]) ASSERT_TRUE(std::isfinite(b));
    // The plain view plants nothing.
    const auto plain = host_case(gather(), s, 9);
    for (double t : plain.truth[0]) ASSERT_TRUE(std::isfinite(t));
}

TEST(EmbeddingGather, NoRowsIsACaseAndTablesMayPassInt) {
    const Exercise& ex = gather();
    EXPECT_EQ(checked_elements(ex, sizes(0, 10, 64, 64)), std::optional<size_t>(0u));  // n = 0: nothing to write
    const auto h = host_case(ex, sizes(0, 10, 64, 64), 1);
    EXPECT_EQ(h.truth[1][0], 0.0);
    EXPECT_FALSE(checked_elements(ex, sizes(5, 10, 0, 64)).has_value());  // dim = 0 is no row
    EXPECT_FALSE(checked_elements(ex, sizes(5, 10, 64, 63)).has_value());  // ld < dim: rows overlap
    // 2^21 + 64 rows of 1024: past INT_MAX elements, within the exercise's 2^32.
    EXPECT_TRUE(checked_elements(ex, sizes(4096, (1 << 21) + 64, 1024, 1024)).has_value());
    EXPECT_FALSE(checked_elements(ex, sizes(4096, (1 << 22) + 1, 1024, 1024)).has_value());
    EXPECT_EQ(ex.spec().views, (std::vector<std::string>{kViewNonfinite, kViewBadIndices}));
}

TEST(EmbeddingGather, TheFlagsDiagnosisSaysWhatItMustHold) {
    const std::vector<uint8_t> mask{1};
    EXPECT_NE(gather().explain(sizes(5, 10, 4, 4), 1, "error", mask).find("exactly 1 when any index is out of range"),
              std::string::npos);
    EXPECT_EQ(gather().explain(sizes(5, 10, 4, 4), 1, "out", mask), "");
}

TEST(InputView, PlainPlantsNothingAndTextSaysWhatAViewIs) {
    View v;
    EXPECT_TRUE(v.plain());
    EXPECT_EQ(v.text(), "");
    v.offset = 4;
    v.nonfinite = true;
    v.bad_indices = 1;
    EXPECT_FALSE(v.plain());
    EXPECT_EQ(v.text(),
              "every pointer 4 bytes past a 256-byte boundary, NaN and Inf among the inputs, 1 out-of-range index "
              "(negative and past the end)");
}

TEST(InputView, TheDefaultPlantPutsNaNAndBothInfinitiesInFloatInputs) {
    const Exercise* add = find_exercise("vector-add");
    ASSERT_NE(add, nullptr);
    View v;
    v.nonfinite = true;
    const auto h = host_case(*add, {{"n", 4096}}, 2, v);
    for (const auto& t : h.seeded) {
        size_t nan = 0, inf = 0;
        for (float x : t.as<const float>()) {
            nan += std::isnan(x);
            inf += std::isinf(x);
        }
        EXPECT_GE(nan, 1u);
        EXPECT_GE(inf, 2u);
    }
}

}  // namespace
}  // namespace kc::exercises
