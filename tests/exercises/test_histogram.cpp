// histogram: counts that add up to n, an exclusive prefix sum of them, hot bins that contend,
// and every bin used; a lost count is an error.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "exercises/exercise.h"
#include "exercises/registry.h"
#include "support/host_case.h"

namespace kc::exercises {
namespace {

using test::host_case;

TEST(Histogram, CountsAddUpAndOffsetsAreTheirExclusivePrefixSum) {
    const Exercise* ex = find_exercise("histogram");
    ASSERT_NE(ex, nullptr);
    EXPECT_EQ(check_declarations(*ex, {{"n", 1000}}), "");
    EXPECT_EQ(parameters(*ex, {{"n", 1000}}, 0), "const unsigned char* x, int* hist, int n");
    EXPECT_EQ(parameters(*ex, {{"n", 1000}}, 1), "int* hist, int* offsets");
    const Sizes s{{"n", 100003}};
    const auto h = host_case(*ex, s, 4);
    auto x = h.seeded[0].as<unsigned char>();
    std::vector<double> count(256, 0);
    for (unsigned char v : x) ++count[v];
    double running = 0, total = 0;
    for (size_t v = 0; v < 256; ++v) {
        EXPECT_EQ(h.truth[0][v], count[v]) << v;
        EXPECT_EQ(h.truth[1][v], running) << v;
        EXPECT_EQ(h.bound[0][v], 0.0);
        EXPECT_EQ(h.bound[1][v], 0.0);
        EXPECT_GT(count[v], 0) << "every bin is used at n = 100003: " << v;
        running += count[v];
        total += count[v];
    }
    EXPECT_EQ(total, 100003.0);
    // hist starts at zero: the kernel adds into it.
    auto hist = h.seeded[1].as<int>();
    EXPECT_TRUE(std::all_of(hist.begin(), hist.end(), [](int c) { return c == 0; }));
}

TEST(Histogram, MoreBytesThanItChecksExactlyAreRefused) {
    // Counts and offsets are compared as floats: exact up to 2^24.
    const Exercise* ex = find_exercise("histogram");
    EXPECT_TRUE(checked_elements(*ex, {{"n", 1 << 24}}).has_value());
    EXPECT_FALSE(checked_elements(*ex, {{"n", (1 << 24) + 1}}).has_value());
}

TEST(Histogram, HalfTheBytesFallOnEightHotBins) {
    const Exercise* ex = find_exercise("histogram");
    const auto h = host_case(*ex, {{"n", 1 << 16}}, 2);
    std::vector<double> sorted(h.truth[0]);
    std::sort(sorted.rbegin(), sorted.rend());
    double hot = 0;
    for (size_t i = 0; i < 8; ++i) hot += sorted[i];
    EXPECT_GT(hot, 0.5 * (1 << 16));   // the 8 hot values' half, and their share of the rest
    EXPECT_LT(sorted[8], sorted[7] / 10);  // the ninth bin is an ordinary one
}

}  // namespace
}  // namespace kc::exercises
