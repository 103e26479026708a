// device-sum: one kernel adding into an out[0] that starts at 0. The sums of its inputs are
// exact in fp32 for the orders real kernels use, so the bound is 0 and a dropped or doubled
// element is always caught.
#include <gtest/gtest.h>

#include <vector>

#include "exercises/exercise.h"
#include "exercises/registry.h"
#include "support/host_case.h"

namespace kc::exercises {
namespace {

using test::host_case;

// The sum in fp32 as a grid-stride kernel with `threads` threads and a tree over them would
// form it: each thread a strided run, then pairs of partial sums (threads: a power of two).
float strided_then_tree(std::span<const float> x, size_t threads) {
    std::vector<float> part(threads, 0.f);
    for (size_t i = 0; i < x.size(); ++i) part[i % threads] += x[i];
    for (size_t half = threads / 2; half > 0; half /= 2)
        for (size_t t = 0; t < half; ++t) part[t] += part[t + half];
    return part[0];
}

TEST(DeviceSum, EveryRealOrderIsExactAndOutStartsAtZero) {
    const Exercise* ex = find_exercise("device-sum");
    ASSERT_NE(ex, nullptr);
    const Sizes s{{"n", (1 << 22) + 3}};
    const auto h = host_case(*ex, s, 11);
    const auto x = h.seeded[0].as<const float>();
    EXPECT_EQ(h.seeded[1].as<float>()[0], 0.f);  // what the kernel adds into
    EXPECT_EQ(h.bound[0][0], 0.0);
    float sequential = 0;
    for (float v : x) {
        ASSERT_NE(v, 0.f);
        sequential += v;
    }
    EXPECT_EQ(sequential, h.truth[0][0]);
    EXPECT_EQ(strided_then_tree(x, 1 << 10), h.truth[0][0]);
    EXPECT_EQ(strided_then_tree(x, 1 << 17), h.truth[0][0]);
    // One element dropped, or the last one added twice: wrong by at least 1.
    EXPECT_NE(strided_then_tree(x.first(x.size() - 1), 1 << 10), h.truth[0][0]);
    EXPECT_NE(sequential + x.back(), h.truth[0][0]);
}

TEST(DeviceSum, OutIsUpdatedInPlaceSoTheTimedInputsAreFresh) {
    const Exercise* ex = find_exercise("device-sum");
    ASSERT_NE(ex, nullptr);
    const Sizes s{{"n", 1 << 28}};
    const auto specs = ex->tensors(s);
    ASSERT_EQ(specs.size(), 2u);
    EXPECT_EQ(specs[1].role, Role::kInOut);
    EXPECT_EQ(specs[1].elements, 1u);
    EXPECT_EQ(ex->timed_transform(s).kind, TimedTransform::kFreshInputs);
    EXPECT_EQ(check_declarations(*ex, s), "");
    EXPECT_EQ(ex->spec().bytes(s), 4.0 * (1 << 28));
}

}  // namespace
}  // namespace kc::exercises
