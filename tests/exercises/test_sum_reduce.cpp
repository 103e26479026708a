// sum-reduce: a plan of two kernels and a scratch tensor sized by the kernel file. Exact sums,
// and the largest size whose sums stay exact.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "exercises/dtype.h"
#include "exercises/exercise.h"
#include "exercises/registry.h"
#include "support/host_case.h"

namespace kc::exercises {
namespace {

using test::host_case;

TEST(SumReduce, ExactSumsAndTheLargestExactSize) {
    const Exercise* ex = find_exercise("sum-reduce");
    ASSERT_NE(ex, nullptr);
    const Sizes s{{"n", 1000}};
    const auto h = host_case(*ex, s, 5);
    float sum = 0;  // any order of fp32 additions is exact on these inputs
    for (float x : h.seeded[0].as<float>()) {
        ASSERT_NE(x, 0.f);
        sum += x;
    }
    EXPECT_EQ(sum, h.truth[0][0]);
    EXPECT_EQ(h.bound[0][0], 0.0);
    EXPECT_TRUE(checked_elements(*ex, {{"n", 1 << 21}}).has_value());
    EXPECT_FALSE(checked_elements(*ex, {{"n", (1 << 21) + 1}}).has_value());  // its sums could round
    const auto specs = ex->tensors(s);
    EXPECT_EQ(specs[1].role, Role::kScratch);
    EXPECT_EQ(specs[1].elements, 0u);  // sized by the kernel file
    EXPECT_EQ(scratch_function("partial"), "partial_elements");
}

}  // namespace
}  // namespace kc::exercises
