// The numbers derived from a timing (engine/speed.h) and the batching rule (grade/stats.h).
#include <gtest/gtest.h>

#include "engine/grader.h"
#include "engine/speed.h"
#include "grade/stats.h"
#include "report/render.h"

namespace kc::engine {
namespace {

wire::Device h100() {
    wire::Device d;
    d.name = "NVIDIA H100 80GB HBM3";
    d.peak_gbps = 3352;
    d.peak_fp32_tflops = 66.9;
    return d;
}

SpeedOfLight measured() {
    SpeedOfLight l;
    l.copy_gbps = 3000;
    l.copy_bytes = 1 << 30;
    l.fp32_tflops = 50;
    return l;
}

wire::Timing timing(double kernel_ms, double vendor_ms, double copy_ms) {
    wire::Timing t;
    t.kernel_ms = kernel_ms;
    t.vendor_ms = vendor_ms;
    t.copy_ms = copy_ms;
    return t;
}

TEST(Speed, MemoryBoundIsMeasuredAgainstTheCopy) {
    const auto d = h100();
    const auto l = measured();
    // 768 MB moved in 0.3 ms: 2560 GB/s; 2 flops per 12 bytes is far below the balance.
    auto s = speed_of(timing(0.3, 0.25, 0.27), 768e6, 128e6, &d, &l);
    EXPECT_NEAR(s.gbps, 2560, 1e-9);
    EXPECT_FALSE(s.compute_bound);
    EXPECT_TRUE(s.light_measured);
    EXPECT_NEAR(s.balance, 50e12 / 3000e9, 1e-12);
    EXPECT_NEAR(s.percent_of_light, 100.0 * 2560 / 3000, 1e-9);
    EXPECT_NEAR(s.percent_of_copy, 90, 1e-9);
    EXPECT_NEAR(s.vendor_ratio, 0.25 / 0.3, 1e-12);
    EXPECT_NE(s.light_name.find("1024 MiB device-to-device copy"), std::string::npos) << s.light_name;
}

TEST(Speed, ComputeBoundIsMeasuredAgainstTheFp32Gemm) {
    const auto d = h100();
    const auto l = measured();
    // A 4096^3 matmul: 137 GFLOP over 201 MB, 683 flops per byte.
    const double n = 4096, flops = 2 * n * n * n, bytes = 3 * n * n * 4;
    auto s = speed_of(timing(4.65, 2.66, 0.1), bytes, flops, &d, &l);
    EXPECT_TRUE(s.compute_bound);
    EXPECT_NEAR(s.tflops, flops / 4.65e-3 / 1e12, 1e-9);
    EXPECT_NEAR(s.percent_of_light, 100.0 * s.tflops / 50, 1e-9);
    EXPECT_NEAR(s.vendor_percent_of_light, 100.0 * (flops / 2.66e-3 / 1e12) / 50, 1e-9);
    EXPECT_NE(s.light_name.find("fp32 cuBLAS GEMM"), std::string::npos) << s.light_name;
}

TEST(Speed, ABf16GemmIsMeasuredAgainstTheBf16Gemm) {
    auto d = h100();
    d.peak_bf16_tflops = 989;
    auto l = measured();
    l.bf16_tflops = 800;
    const double n = 4096, flops = 2 * n * n * n, bytes = 3 * n * n * 2;
    auto s = speed_of(timing(0.343, 0.2, 0.1), bytes, flops, &d, &l, exercises::Math::kBf16);
    EXPECT_TRUE(s.compute_bound);
    EXPECT_NEAR(s.percent_of_light, 100.0 * s.tflops / 800, 1e-9);
    EXPECT_NE(s.light_name.find("bf16 cuBLAS GEMM (800 TFLOP/s"), std::string::npos) << s.light_name;
    auto sheet = speed_of(timing(0.343, 0.2, 0.1), bytes, flops, &d, nullptr, exercises::Math::kBf16);
    EXPECT_NEAR(sheet.percent_of_light, 100.0 * s.tflops / 989, 1e-9);
    EXPECT_NE(sheet.light_name.find("bf16 tensor-core peak"), std::string::npos) << sheet.light_name;
    // The same run against fp32 lanes: over 100% of a light it does not use.
    EXPECT_GT(speed_of(timing(0.343, 0.2, 0.1), bytes, flops, &d, &l).percent_of_light, 100);
}

TEST(Speed, TheGradesSummaryNamesItsArithmetic) {
    Grade g;
    g.device = h100();
    g.device->peak_bf16_tflops = 989;
    g.light = measured();
    g.light->bf16_tflops = 800;
    const double n = 4096;
    g.flops = 2 * n * n * n;
    g.bytes = 3 * n * n * 2;
    g.timing = timing(0.343, 0.2, 0.1);
    g.math = exercises::Math::kBf16;
    EXPECT_EQ(g.speed_summary(), "400.70 TFLOP/s, 50.1% of bf16 GEMM, 0.58x vendor");
    g.math = exercises::Math::kFp32;
    g.timing = timing(4.65, 2.66, 0.1);
    EXPECT_EQ(g.speed_summary(), "29.56 TFLOP/s, 59.1% of fp32 GEMM, 0.57x vendor");
    g.light.reset();
    EXPECT_NE(g.speed_summary().find("of fp32 peak"), std::string::npos);
}

// linear-bias-gelu's vendor is cuBLASLt's fused call; its unfused pair (the plain GEMM, then a
// bias + GELU pass) is timed beside it and reported on a line of its own, in text and JSON.
TEST(Speed, AFusedVendorsUnfusedPairIsReportedBesideIt) {
    Grade g;
    g.device = h100();
    g.light = measured();
    g.light->bf16_tflops = 700;
    g.flops = 2.0 * 16384 * 4096 * 1024;
    g.bytes = 2.0 * (16384.0 * 1024 + 1024.0 * 4096 + 16384.0 * 4096);
    g.math = exercises::Math::kBf16;
    g.timing = timing(0.30, 0.21, 0.05);
    g.timing->case_name = "mlp";
    g.timing->samples = 40;
    EXPECT_DOUBLE_EQ(g.speed().unfused_ratio, 0);
    g.timing->unfused = wire::UnfusedTiming{"cuBLASLt bf16 GEMM, then a bias + GELU pass", 0.36, 0.35, 0.38, 1.1, 1.3};
    EXPECT_DOUBLE_EQ(g.speed().unfused_ratio, 0.36 / 0.30);
    course::Module m;
    m.id = "mastery/02/linear-bias-gelu";
    m.manifest.exercise = "linear-bias-gelu";
    const std::string text = report::timing_text(g, m, report::Style{});
    EXPECT_NE(text.find("  unfused pair (cuBLASLt bf16 GEMM, then a bias + GELU pass): 360.0 us [p10 350.0 us, p90 "
                        "380.0 us]  -> yours runs at 1.20x its speed [p10 1.10x, p90 1.30x]\n"),
              std::string::npos)
        << text;
    const auto j = report::grade_json(g);
    EXPECT_DOUBLE_EQ(j.at("timing").at("unfused_ratio").get<double>(), 0.36 / 0.30);
    EXPECT_EQ(j.at("timing").at("unfused").at("what"), "cuBLASLt bf16 GEMM, then a bias + GELU pass");
}

TEST(Speed, WithoutAMeasurementTheDataSheetStandsIn) {
    const auto d = h100();
    auto s = speed_of(timing(0.3, 0.25, 0.27), 768e6, 128e6, &d, nullptr);
    EXPECT_FALSE(s.light_measured);
    EXPECT_NEAR(s.percent_of_light, 100.0 * 2560 / 3352, 1e-9);
    EXPECT_NE(s.light_name.find("DRAM peak"), std::string::npos);
    // Nothing known of the device at all: the copy of the same bytes.
    auto bare = speed_of(timing(0.3, 0.25, 0.27), 768e6, 128e6, nullptr, nullptr);
    EXPECT_NEAR(bare.percent_of_light, 90, 1e-9);
    // Not timed: zeros, no division by zero.
    auto none = speed_of(wire::Timing{}, 0, 0, &d, nullptr);
    EXPECT_EQ(none.gbps, 0);
    EXPECT_EQ(none.percent_of_light, 0);
    EXPECT_FALSE(none.compute_bound);
}

TEST(Batch, ShortRunsAreBatchedInWholePassesOverTheSets) {
    grade::BatchRule rule;  // below 50 us, aim for 0.5 ms, at most 20000 launches
    EXPECT_EQ(grade::batch_launches(rule, 0.300, 1), 0);   // long enough alone
    EXPECT_EQ(grade::batch_launches(rule, 0.050, 8), 0);   // the threshold itself is not below it
    EXPECT_EQ(grade::batch_launches(rule, 0.002, 1), 250);  // 0.5 ms / 2 us
    EXPECT_EQ(grade::batch_launches(rule, 0.002, 100), 300);  // rounded up to whole passes
    EXPECT_EQ(grade::batch_launches(rule, 0.002, 4096), 4096);  // at least one pass
    EXPECT_EQ(grade::batch_launches(rule, 0.0, 1), 5000);   // an immeasurably short run: 0.1 us each
    EXPECT_EQ(grade::batch_launches(rule, 1e-6, 3), 5001);
    rule.max_launches = 1000;
    EXPECT_EQ(grade::batch_launches(rule, 0.0001, 300), 900);  // capped, in whole passes
    EXPECT_EQ(grade::batch_launches(rule, 0.0001, 4096), 4096);  // one pass even over the cap
    EXPECT_EQ(grade::batch_launches(rule, std::nan(""), 1), 0);
}

}  // namespace
}  // namespace kc::engine
