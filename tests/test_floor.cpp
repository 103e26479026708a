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

TEST(Floor, TheComputeFloorNamesItsPeak) {
    const double flops = 2.0 * 4096 * 4096 * 4096;  // 137 GFLOP: 0.139 ms at 989 TFLOP/s
    EXPECT_EQ(below_floor(0.139, 1e6, 4800, flops, 989, "bf16 tensor-core"), "");
    const auto low = below_floor(0.05, 1e6, 4800, flops, 989, "bf16 tensor-core");
    EXPECT_NE(low.find("bf16 tensor-core peak of 989.0 TFLOP/s"), std::string::npos) << low;
    EXPECT_NE(below_floor(0.05, 1e6, 4800, flops, 60).find("fp32 peak"), std::string::npos);
}

TEST(Floor, Bf16TensorPeaksMatchTheDataSheets) {
    // dense bf16 TFLOP/s = SMs x flops per clock x boost clock
    EXPECT_NEAR(108 * bf16_tensor_flops_per_clock(80) * 1.41e9 / 1e12, 312, 1);    // A100
    EXPECT_NEAR(132 * bf16_tensor_flops_per_clock(90) * 1.83e9 / 1e12, 989, 1.5);  // H100 SXM
    EXPECT_EQ(bf16_tensor_flops_per_clock(75), 0);  // Turing: no bf16 tensor cores, no floor
    EXPECT_EQ(bf16_tensor_flops_per_clock(0), 0);
    EXPECT_GT(bf16_tensor_flops_per_clock(100), bf16_tensor_flops_per_clock(90));
}

}  // namespace
}  // namespace kc::grade
