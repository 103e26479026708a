// adam-step: in-out tensors. An fp32 step passes its bounds and a half-precision one fails;
// its timed run draws fresh inputs.
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

TEST(AdamStep, AnFp32StepPassesAndAHalfPrecisionStepFails) {
    const Exercise* ex = find_exercise("adam-step");
    ASSERT_NE(ex, nullptr);
    const Sizes s{{"n", 4096}};
    const auto h = host_case(*ex, s, 3);
    auto p = h.seeded[0].as<float>(), m = h.seeded[1].as<float>(), v = h.seeded[2].as<float>(),
         g = h.seeded[3].as<float>();
    size_t fp32_bad = 0, half_bad = 0;
    for (size_t i = 0; i < p.size(); ++i) {
        // The fixture kernel's arithmetic, in fp32.
        const float mi = 0.9f * m[i] + (1.0f - 0.9f) * g[i];
        const float vi = 0.999f * v[i] + (1.0f - 0.999f) * g[i] * g[i];
        const float mhat = mi / (1.0f - std::pow(0.9f, 10.0f)), vhat = vi / (1.0f - std::pow(0.999f, 10.0f));
        const float pi = p[i] - 1e-3f * mhat / (std::sqrt(vhat) + 1e-8f);
        fp32_bad += std::fabs(pi - h.truth[0][i]) > h.bound[0][i];
        fp32_bad += std::fabs(mi - h.truth[1][i]) > h.bound[1][i];
        fp32_bad += std::fabs(vi - h.truth[2][i]) > h.bound[2][i];
        half_bad += std::fabs(from_fp16(to_fp16(mi)) - h.truth[1][i]) > h.bound[1][i];
    }
    EXPECT_EQ(fp32_bad, 0u);
    EXPECT_GT(half_bad, p.size() / 2);
    EXPECT_EQ(ex->timed_transform(s).kind, TimedTransform::kFreshInputs);
}

}  // namespace
}  // namespace kc::exercises
