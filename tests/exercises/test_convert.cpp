// convert: outputs of four types (fp16, bf16, int32, uint8), each the correctly rounded value,
// with ties among the inputs.
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

TEST(Convert, TruthIsTheCorrectlyRoundedValueOfEachTypeAndTiesAreThere) {
    const Exercise* ex = find_exercise("convert");
    ASSERT_NE(ex, nullptr);
    const Sizes s{{"n", 800}};
    const auto h = host_case(*ex, s, 9);
    auto x = h.seeded[0].as<float>();
    size_t ties = 0, roundf_wrong = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        EXPECT_EQ(h.truth[0][i], from_fp16(to_fp16(x[i])));
        EXPECT_EQ(h.truth[1][i], from_bf16(to_bf16(x[i])));
        const double scaled = static_cast<double>(x[i]) * 64;
        ties += scaled - std::floor(scaled) == 0.5;
        roundf_wrong += std::round(scaled) != h.truth[2][i];  // ties away from zero
        EXPECT_GE(h.truth[3][i], 0.0);
        EXPECT_LE(h.truth[3][i], 255.0);
    }
    EXPECT_GE(ties, x.size() / 8);
    EXPECT_GT(roundf_wrong, 0u);
    const auto specs = ex->tensors(s);
    EXPECT_EQ(specs[1].type, DType::F16);
    EXPECT_EQ(specs[4].type, DType::U8);
}

}  // namespace
}  // namespace kc::exercises
