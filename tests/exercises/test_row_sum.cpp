// row-sum: exact integer row sums of a row-major matrix; more columns than stay exact are refused.
#include <gtest/gtest.h>

#include "exercises/exercise.h"
#include "exercises/registry.h"
#include "support/host_case.h"

namespace kc::exercises {
namespace {

using test::host_case;

TEST(RowSum, TruthIsEachRowsExactSum) {
    const Exercise* ex = find_exercise("row-sum");
    ASSERT_NE(ex, nullptr);
    const Sizes s{{"rows", 37}, {"cols", 1003}};
    EXPECT_EQ(check_declarations(*ex, s), "");
    EXPECT_EQ(parameters(*ex, s), "const float* x, float* out, int rows, int cols");
    const auto h = host_case(*ex, s, 3);
    auto x = h.seeded[0].as<float>();
    for (size_t r = 0; r < 37; ++r) {
        double sum = 0;
        for (size_t c = 0; c < 1003; ++c) {
            const float v = x[r * 1003 + c];
            ASSERT_TRUE(v != 0 && v == static_cast<float>(static_cast<int>(v)) && v >= -8 && v <= 8) << v;
            sum += v;
        }
        EXPECT_EQ(h.truth[0][r], sum) << r;
        EXPECT_EQ(h.bound[0][r], 0.0);
    }
}

TEST(RowSum, MoreColumnsThanStayExactAreRefused) {
    const Exercise* ex = find_exercise("row-sum");
    EXPECT_TRUE(checked_elements(*ex, {{"rows", 2}, {"cols", 1 << 21}}).has_value());
    EXPECT_FALSE(checked_elements(*ex, {{"rows", 2}, {"cols", (1 << 21) + 1}}).has_value());
}

}  // namespace
}  // namespace kc::exercises
