// Timing on a real GPU: the measured speed of light and its cache, batched timing of short
// runs, and occupancy against the runtime's. Each test SKIPS (visibly) where no GPU is usable.
#include <gtest/gtest.h>

#include "gpu/device.h"
#include "support/cli.h"

namespace kc::test {
namespace {

namespace fs = std::filesystem;

class GpuTiming : public ::testing::Test {
protected:
    void SetUp() override {
        static const auto device = gpu::open_device();
        if (!device) GTEST_SKIP() << "no usable GPU: " << device.error().message;
        info_ = *device;
    }
    gpu::DeviceInfo info_;
};

fs::path solution(const std::string& folder) {
    return source_dir() / "tracks/missing-elements" / folder / "solution/kernel.cu";
}

TEST_F(GpuTiming, InfoMeasuresTheSpeedOfLightOnceThenReadsTheCache) {
    TempDir dir;
    copy_course(source_dir(), dir.path());
    auto first = run_cli({"--course", dir.path().string(), "--json", "info"});
    ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
    auto j = first.json();
    ASSERT_TRUE(j.contains("speed_of_light")) << first.out;
    const auto& sol = j["speed_of_light"];
    EXPECT_TRUE(sol["measured_now"].get<bool>());
    EXPECT_EQ(sol["uuid"], info_.uuid);
    // A copy moves at most the DRAM peak, and a fair share of it; fp32 GEMM stays under the
    // fp32 peak; tensor cores beat it.
    EXPECT_GT(sol["copy_gbps"].get<double>(), 0.3 * info_.peak_gbps);
    EXPECT_LT(sol["copy_gbps"].get<double>(), 1.02 * info_.peak_gbps);
    EXPECT_GT(sol["fp32_tflops"].get<double>(), 0.3 * info_.peak_fp32_tflops);
    EXPECT_LT(sol["fp32_tflops"].get<double>(), 1.02 * info_.peak_fp32_tflops);
    EXPECT_GT(sol["tf32_tflops"].get<double>(), sol["fp32_tflops"].get<double>());
    EXPECT_GT(sol["fp16_tflops"].get<double>(), sol["tf32_tflops"].get<double>());
    EXPECT_GT(sol["bf16_tflops"].get<double>(), sol["tf32_tflops"].get<double>());
    EXPECT_TRUE(fs::exists(dir.path() / ".kernelcoach/speed-of-light.json"));

    auto second = run_cli({"--course", dir.path().string(), "--json", "info"});
    ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
    auto again = second.json()["speed_of_light"];
    EXPECT_FALSE(again["measured_now"].get<bool>());
    EXPECT_EQ(again["copy_gbps"], sol["copy_gbps"]);
}

TEST_F(GpuTiming, BenchSizesBatchesShortRunsAndChecksThem) {
    TempDir dir;
    copy_course(source_dir(), dir.path());
    auto r = run_cli({"--course", dir.path().string(), "--json", "bench", "missing-elements/01", "--sizes", "--file",
                      solution("module-01-vector-add").string()});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    auto b = r.json()["bench"];
    EXPECT_EQ(b["verdict"], "PASSED") << b["summary"];
    const auto& rows = b["rows"];
    ASSERT_EQ(rows.size(), 9u) << r.out;
    // n = 1024 takes a few microseconds: timed as a batch over buffer sets.
    EXPECT_GT(rows[0]["timing"]["launches"].get<int>(), 1) << rows[0]["timing"]["method"];
    EXPECT_GT(rows[0]["timing"]["buffer_sets"].get<int>(), 1);
    // n = 2^26 takes hundreds: single launches.
    EXPECT_EQ(rows[8]["timing"]["launches"].get<int>(), 1) << rows[8]["timing"]["method"];
    for (const auto& row : rows) {
        EXPECT_FALSE(row["timing"].contains("wrong")) << row["timing"]["wrong"];
        EXPECT_GT(row["timing"]["kernel_ms"].get<double>(), 0.0);
        const auto& occ = row["occupancy"];
        EXPECT_EQ(occ["theoretical_blocks_per_sm"], occ["runtime_blocks_per_sm"]) << row["sizes"];
    }
    // A batch hides the launch gap: n = 1024 must not read as slow as an event pair around
    // an empty launch (~6 us measured on the H100).
    EXPECT_LT(rows[0]["timing"]["kernel_ms"].get<double>(), 0.005);
}

// kernelcoach's occupancy calculation agrees with the runtime's for every solution.
TEST_F(GpuTiming, OccupancyAgreesWithTheRuntime) {
    TempDir dir;
    copy_course(source_dir(), dir.path());
    for (const auto& [id, folder] : std::vector<std::pair<std::string, std::string>>{
             {"missing-elements/02", "module-02-matrix-mul"},
             {"missing-elements/03", "module-03-softmax"},
             {"missing-elements/04", "module-04-layer-norm"},
             {"missing-elements/05", "module-05-conv2d"}}) {
        auto r = run_cli({"--course", dir.path().string(), "--json", "bench", id, "--file", solution(folder).string()});
        ASSERT_EQ(r.exit_code, 0) << id << r.out << r.err;
        auto rows = r.json()["bench"]["rows"];
        ASSERT_EQ(rows.size(), 1u) << id;
        const auto& occ = rows[0]["occupancy"];
        EXPECT_GT(occ["runtime_blocks_per_sm"].get<int>(), 0) << id;
        EXPECT_EQ(occ["theoretical_blocks_per_sm"], occ["runtime_blocks_per_sm"]) << id << ": " << occ["text"];
    }
}

}  // namespace
}  // namespace kc::test
