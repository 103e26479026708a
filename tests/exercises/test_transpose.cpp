// transpose: out (cols x rows) = in^T (in rows x cols), exact, with inputs distinct enough that
// a read from the wrong place is always wrong.
#include <gtest/gtest.h>

#include <set>

#include "exercises/exercise.h"
#include "exercises/registry.h"
#include "support/host_case.h"

namespace kc::exercises {
namespace {

using test::host_case;

TEST(Transpose, TruthIsTheTransposeExactly) {
    const Exercise* ex = find_exercise("transpose");
    ASSERT_NE(ex, nullptr);
    const size_t rows = 33, cols = 65;
    const Sizes s{{"rows", 33}, {"cols", 65}};
    const auto h = host_case(*ex, s, 3);
    const auto in = h.seeded[0].as<const float>();
    ASSERT_EQ(h.truth[0].size(), rows * cols);
    for (size_t r = 0; r < rows; ++r)
        for (size_t c = 0; c < cols; ++c) {
            EXPECT_EQ(h.truth[0][c * rows + r], in[r * cols + c]);
            EXPECT_EQ(h.bound[0][c * rows + r], 0.0);
        }
    EXPECT_EQ(ex->shape(s, "out"), (std::vector<long long>{65, 33}));
    EXPECT_EQ(check_declarations(*ex, s), "");
}

TEST(Transpose, EveryInputIsDistinctSoAWrongIndexIsWrong) {
    const Exercise* ex = find_exercise("transpose");
    ASSERT_NE(ex, nullptr);
    const auto h = host_case(*ex, {{"rows", 1023}, {"cols", 1025}}, 7);
    const auto in = h.seeded[0].as<const float>();
    std::set<float> magnitudes;
    for (float v : in) magnitudes.insert(v);
    EXPECT_EQ(magnitudes.size(), in.size());
    // rows and cols swapped in the kernel's indexing: out[r * cols + c] instead of out[c * rows + r].
    size_t differ = 0;
    for (size_t r = 0; r < 1023; ++r)
        for (size_t c = 0; c < 1025; ++c) differ += h.truth[0][r * 1025 + c] != in[r * 1025 + c];
    EXPECT_GT(differ, in.size() * 99 / 100);
}

}  // namespace
}  // namespace kc::exercises
