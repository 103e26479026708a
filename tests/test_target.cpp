// What a module is compiled for, decided before compiling (engine/target.h): the GPU's
// architecture, --arch or the defaults without one; SKIPPED with the reason for a GPU older than
// min_sm, another capability than the module's sm_90a, or one NVRTC cannot build; and the
// kc::device values that go with each.
#include <gtest/gtest.h>

#include <string>

#include "engine/target.h"
#include "support/cli.h"

namespace kc::test {
namespace {

const std::vector<int> kCuda13 = {75, 80, 86, 87, 88, 89, 90, 100, 103, 110, 120, 121};

wire::Device gpu(const std::string& name, int sm) {
    wire::Device d;
    d.name = name;
    d.sm = sm;
    d.sm_count = 132;
    d.l2_bytes = 60 * 1024 * 1024;
    d.shared_per_sm = 233472;
    d.max_shared_per_block = 232448;
    d.max_threads_per_sm = 2048;
    d.regs_per_sm = 65536;
    return d;
}

engine::TargetQuery query(int min_sm = 70, int module_arch = 0) {
    engine::TargetQuery q;
    q.min_sm = min_sm;
    q.module_arch = module_arch;
    q.buildable = kCuda13;
    return q;
}

TEST(Target, AGpuIsCompiledForItsOwnArchitectureWithItsOwnValues) {
    auto q = query();
    q.gpu = gpu("NVIDIA H200", 90);
    const auto t = engine::choose_target(q);
    EXPECT_TRUE(t.skip.empty()) << t.skip;
    EXPECT_EQ(t.arch.sm, 90);
    EXPECT_FALSE(t.arch.specific);
    EXPECT_EQ(t.constants.sm_count, 132);
    EXPECT_EQ(t.constants.l2_bytes, 60u * 1024 * 1024);  // the probe's, not the H100 default
    EXPECT_EQ(t.constants.source, "NVIDIA H200");
}

TEST(Target, ArchOptionIsIgnoredWhenThereIsAGpu) {
    auto q = query();
    q.gpu = gpu("NVIDIA H200", 90);
    q.requested = compile::Arch{80, false};
    EXPECT_EQ(engine::choose_target(q).arch.sm, 90);
}

TEST(Target, AGpuOlderThanMinSmIsSkippedBeforeCompiling) {
    auto q = query(90);
    q.gpu = gpu("NVIDIA A100-SXM4-80GB", 80);
    const auto t = engine::choose_target(q);
    EXPECT_TRUE(contains(t.skip, "not run: this module needs compute capability 9.0 or newer")) << t.skip;
    EXPECT_TRUE(contains(t.skip, "NVIDIA A100-SXM4-80GB is 8.0")) << t.skip;
}

TEST(Target, AnArchSpecificModuleRunsOnlyOnItsCapability) {
    auto q = query(90, 90);
    q.gpu = gpu("NVIDIA H200", 90);
    auto t = engine::choose_target(q);
    EXPECT_TRUE(t.skip.empty()) << t.skip;
    EXPECT_EQ(compile::arch_name(t.arch), "sm_90a");
    // A newer GPU is not enough: sm_90a code runs on 9.0 alone.
    for (auto [name, sm] : {std::pair{"NVIDIA B200", 100}, {"NVIDIA A100-SXM4-80GB", 80}}) {
        q.gpu = gpu(name, sm);
        t = engine::choose_target(q);
        EXPECT_TRUE(contains(t.skip, "not run: this module is compiled for sm_90a (wgmma and setmaxnreg), which only "
                                     "sm_90 GPUs run (H100/H200)"))
            << t.skip;
        EXPECT_TRUE(contains(t.skip, std::string("this is ") + name)) << t.skip;
    }
}

TEST(Target, AGpuThisNvrtcCannotBuildIsSkipped) {
    auto q = query();
    q.gpu = gpu("Tesla V100-SXM2-16GB", 70);
    const auto t = engine::choose_target(q);
    EXPECT_TRUE(contains(t.skip, "not compiled:")) << t.skip;
    EXPECT_TRUE(contains(t.skip, "sm_70")) << t.skip;
}

TEST(Target, WithoutAGpuTheOldestBuildableArchitectureTheModuleAllows) {
    auto t = engine::choose_target(query(70));
    EXPECT_TRUE(t.skip.empty()) << t.skip;
    EXPECT_EQ(t.arch.sm, 75);
    EXPECT_EQ(t.constants.sm(), 75);
    EXPECT_TRUE(contains(t.constants.source, "no GPU")) << t.constants.source;
    EXPECT_EQ(engine::choose_target(query(90)).arch.sm, 90);
    EXPECT_EQ(engine::choose_target(query(85)).arch.sm, 86);
}

TEST(Target, WithoutAGpuAnArchSpecificModuleIsBuiltForItsTarget) {
    auto t = engine::choose_target(query(90, 90));
    EXPECT_TRUE(t.skip.empty()) << t.skip;
    EXPECT_EQ(compile::arch_name(t.arch), "sm_90a");
    EXPECT_EQ(t.constants.sm_count, 132);  // the H100 SXM5 defaults
}

TEST(Target, WithoutAGpuArchDecides) {
    auto q = query();
    q.requested = compile::Arch{90, true};
    auto t = engine::choose_target(q);
    EXPECT_TRUE(t.skip.empty()) << t.skip;
    EXPECT_EQ(compile::arch_name(t.arch), "sm_90a");
    // A plain --arch 90 builds an sm_90a module for its target: the capability is the same.
    q = query(90, 90);
    q.requested = compile::Arch{90, false};
    t = engine::choose_target(q);
    EXPECT_TRUE(t.skip.empty()) << t.skip;
    EXPECT_EQ(compile::arch_name(t.arch), "sm_90a");
}

TEST(Target, WithoutAGpuAnArchThatCannotBuildTheModuleIsSkippedBeforeCompiling) {
    auto q = query(90, 90);
    q.requested = compile::Arch{80, false};
    auto t = engine::choose_target(q);
    EXPECT_TRUE(contains(t.skip, "not compiled: this module is built for sm_90a")) << t.skip;
    EXPECT_TRUE(contains(t.skip, "--arch asked for sm_80 (--arch 90a builds it)")) << t.skip;
    q = query(90);
    q.requested = compile::Arch{86, false};
    t = engine::choose_target(q);
    EXPECT_TRUE(contains(t.skip, "not compiled: this module needs sm_90 or newer, and --arch asked for sm_86"))
        << t.skip;
}

TEST(Target, AnArchSpecificModuleThisNvrtcCannotBuildIsSkipped) {
    auto q = query(100, 100);
    q.buildable = {75, 80, 86, 89, 90};  // an older toolkit
    const auto t = engine::choose_target(q);
    EXPECT_TRUE(contains(t.skip, "not compiled:")) << t.skip;
    EXPECT_TRUE(contains(t.skip, "sm_100")) << t.skip;
}

TEST(Target, TheProbedValuesWinAndTheMissingOnesComeFromTheDefaults) {
    wire::Device d;  // as an older .kernelcoach/device.json remembers it: name and sm only
    d.name = "NVIDIA H100 80GB HBM3";
    d.sm = 90;
    d.sm_count = 114;  // the PCIe part
    const auto c = engine::constants_of(d);
    EXPECT_EQ(c.sm_count, 114);
    EXPECT_EQ(c.sm(), 90);
    EXPECT_EQ(c.shared_per_block_optin, 227u * 1024);
    EXPECT_EQ(c.l2_bytes, 50u * 1024 * 1024);
    EXPECT_EQ(c.max_threads_per_sm, 2048);
    EXPECT_EQ(c.source, "NVIDIA H100 80GB HBM3");
}

}  // namespace
}  // namespace kc::test
