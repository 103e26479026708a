#include <gtest/gtest.h>

#include "grade/floor.h"

namespace kc::grade {
namespace {

TEST(Floor, IsBytesOverPeak) {
    // 805 MB (vector add at n = 2^26) at 3352 GB/s: 0.240 ms.
    EXPECT_NEAR(floor_ms(12.0 * 67108864, 3352.3), 0.2402, 1e-3);
    EXPECT_EQ(floor_ms(1e6, 0), 0);
}

TEST(Floor, FlagsOnlyTimesBelowIt) {
    const double bytes = 12.0 * 67108864, peak = 3352.3;
    EXPECT_EQ(below_floor(0.2986, bytes, peak), "");   // the teaching solution on an H100
    EXPECT_EQ(below_floor(0.2660, bytes, peak), "");   // faster than a copy, still physical
    EXPECT_EQ(below_floor(0.2370, bytes, peak), "");   // within 2% of the floor: timer resolution
    EXPECT_NE(below_floor(0.1000, bytes, peak), "");   // skipped work
    EXPECT_NE(below_floor(0.1000, bytes, peak).find("physical floor"), std::string::npos);
    EXPECT_EQ(below_floor(0.0001, bytes, 0), "");      // no peak known: no claim
}

}  // namespace
}  // namespace kc::grade
