// vector-add's size sweep: from 1024 to the largest case in factors of 4. (Its timed transform
// is checked with the other Track 1 exercises' in tests/test_exercise_bounds.cpp; its bound
// against kernels end to end, on the GPU, by tests/gpu/ and the vector-add module's controls.)
#include <gtest/gtest.h>

#include <vector>

#include "exercises/spec.h"
#include "support/sweep.h"

namespace kc::exercises {
namespace {

using test::field;
using test::spec_of;

TEST(Sweep, VectorAddGoesFrom1024ToTheLargestInFactorsOf4) {
    auto sweep = kc::exercises::sweep_sizes(spec_of("vector-add"), {{"n", 1LL << 26}});
    std::vector<long long> expected;
    for (int p = 10; p <= 26; p += 2) expected.push_back(1LL << p);
    EXPECT_EQ(field(sweep, "n"), expected);
    ASSERT_EQ(sweep.size(), 9u);
    EXPECT_EQ(sweep.back(), (Sizes{{"n", 1LL << 26}})) << "ends with the largest itself";
}

}  // namespace
}  // namespace kc::exercises
