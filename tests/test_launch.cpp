// Launch geometry rules: the device-independent limits every GPU has, and the limits that
// depend on the kernel (registers) and the device (shared memory).
#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "compile/launch.h"

namespace kc::test {
namespace {

Launch make(Dim3 grid, Dim3 block, uint32_t shared = 0, Dim3 cluster = {1, 1, 1}) {
    Launch l;
    l.grid = grid;
    l.block = block;
    l.shared_bytes = shared;
    l.cluster = cluster;
    return l;
}

bool mentions(const std::string& text, const std::string& what) {
    return text.find(what) != std::string::npos;
}

TEST(Launch, ZeroGridDimensionIsReportedInEveryAxis) {
    for (Dim3 g : {Dim3{0, 1, 1}, Dim3{4, 0, 1}, Dim3{4, 1, 0}}) {
        std::string p = launch_problem(make(g, {256, 1, 1}));
        ASSERT_FALSE(p.empty()) << g.x << "," << g.y << "," << g.z;
        EXPECT_TRUE(mentions(p, "zero")) << p;
        EXPECT_TRUE(mentions(p, "grid")) << p;
    }
}

TEST(Launch, ZeroBlockDimensionIsReported) {
    for (Dim3 b : {Dim3{0, 1, 1}, Dim3{32, 0, 1}, Dim3{32, 1, 0}}) {
        std::string p = launch_problem(make({1, 1, 1}, b));
        ASSERT_FALSE(p.empty()) << b.x << "," << b.y << "," << b.z;
        EXPECT_TRUE(mentions(p, "at least 1")) << p;
    }
}

TEST(Launch, MoreThan1024ThreadsPerBlockIsReported) {
    for (Dim3 b : {Dim3{1025, 1, 1}, Dim3{32, 33, 1}, Dim3{16, 16, 8}}) {
        std::string p = launch_problem(make({1, 1, 1}, b));
        ASSERT_FALSE(p.empty()) << b.x << "," << b.y << "," << b.z;
        EXPECT_TRUE(mentions(p, "1024")) << p;
        EXPECT_TRUE(mentions(p, std::to_string(b.volume()))) << p;
    }
}

TEST(Launch, BlockZAbove64IsReported) {
    std::string p = launch_problem(make({1, 1, 1}, {1, 1, 65}));
    ASSERT_FALSE(p.empty());
    EXPECT_TRUE(mentions(p, "block.z = 65")) << p;
    EXPECT_TRUE(mentions(p, "64")) << p;
}

TEST(Launch, GridYOrZAbove65535IsReported) {
    std::string y = launch_problem(make({1, 65536, 1}, {256, 1, 1}));
    ASSERT_FALSE(y.empty());
    EXPECT_TRUE(mentions(y, "grid.y = 65536")) << y;
    EXPECT_TRUE(mentions(y, "65535")) << y;
    std::string z = launch_problem(make({1, 1, 65536}, {256, 1, 1}));
    ASSERT_FALSE(z.empty());
    EXPECT_TRUE(mentions(z, "grid.z = 65536")) << z;
}

TEST(Launch, GridXAbove2To31Minus1IsReported) {
    std::string p = launch_problem(make({2147483648u, 1, 1}, {256, 1, 1}));
    ASSERT_FALSE(p.empty());
    EXPECT_TRUE(mentions(p, "grid.x")) << p;
}

TEST(Launch, AcceptsLegalGeometry) {
    const Launch legal[] = {
        make({1, 1, 1}, {1, 1, 1}),
        make({262144, 1, 1}, {256, 1, 1}),
        make({2147483647u, 65535, 65535}, {32, 32, 1}),
        make({1, 1, 1}, {1024, 1, 1}),
        make({1, 1, 1}, {1, 16, 64}),
        make({7, 3, 2}, {8, 8, 16}, 48 * 1024),
    };
    for (const auto& l : legal) EXPECT_EQ(launch_problem(l), "") << describe(l);
}

TEST(Launch, OnDeviceReportsRegisterLimitedBlockSize) {
    Launch l = make({4, 1, 1}, {1024, 1, 1});
    std::string p = launch_problem_on_device(l, 90, 512, 48 * 1024);
    ASSERT_FALSE(p.empty());
    EXPECT_TRUE(mentions(p, "1024")) << p;
    EXPECT_TRUE(mentions(p, "512")) << p;
    EXPECT_TRUE(mentions(p, "registers")) << p;
    // Exactly at the kernel's limit is fine.
    EXPECT_EQ(launch_problem_on_device(make({4, 1, 1}, {512, 1, 1}), 90, 512, 48 * 1024), "");
}

TEST(Launch, OnDeviceReportsTooMuchSharedMemory) {
    Launch l = make({4, 1, 1}, {256, 1, 1}, 49153);
    std::string p = launch_problem_on_device(l, 90, 1024, 49152);
    ASSERT_FALSE(p.empty());
    EXPECT_TRUE(mentions(p, "49153")) << p;
    EXPECT_TRUE(mentions(p, "49152")) << p;
    EXPECT_TRUE(mentions(p, "shared")) << p;
    EXPECT_EQ(launch_problem_on_device(make({4, 1, 1}, {256, 1, 1}, 49152), 90, 1024, 49152), "");
}

TEST(Launch, OnDeviceStillAppliesTheDeviceIndependentRules) {
    std::string p = launch_problem_on_device(make({0, 1, 1}, {256, 1, 1}), 90, 1024, 49152);
    EXPECT_TRUE(mentions(p, "zero")) << p;
}

TEST(Launch, DescribeNamesEveryDimension) {
    EXPECT_EQ(describe(make({3907, 1, 1}, {256, 1, 1})), "grid (3907, 1, 1) x block (256, 1, 1), 0 B shared");
    EXPECT_EQ(describe(make({2, 3, 4}, {5, 6, 7}, 8)), "grid (2, 3, 4) x block (5, 6, 7), 8 B shared");
}

// ---- thread-block clusters (issue 13, point 8) -------------------------------------------------

TEST(Launch, AClusterMustDivideTheGridInEveryAxis) {
    for (auto [grid, cluster, axis] : {std::tuple{Dim3{1, 1, 1}, Dim3{2, 1, 1}, "grid.x = 1 is not a multiple of cluster.x = 2"},
                                      {Dim3{4097, 1, 1}, Dim3{2, 1, 1}, "grid.x = 4097 is not a multiple of cluster.x = 2"},
                                      {Dim3{4, 3, 1}, Dim3{2, 2, 1}, "grid.y = 3 is not a multiple of cluster.y = 2"},
                                      {Dim3{4, 4, 5}, Dim3{1, 1, 2}, "grid.z = 5 is not a multiple of cluster.z = 2"}}) {
        std::string p = launch_problem(make(grid, {256, 1, 1}, 0, cluster));
        EXPECT_TRUE(mentions(p, axis)) << p;
        EXPECT_TRUE(mentions(p, "whole number of clusters")) << p;
    }
}

TEST(Launch, AClusterDimensionOfZeroIsReported) {
    std::string p = launch_problem(make({4, 1, 1}, {256, 1, 1}, 0, {2, 0, 1}));
    EXPECT_TRUE(mentions(p, "clusters of (2, 0, 1)")) << p;
    EXPECT_TRUE(mentions(p, "at least 1")) << p;
}

TEST(Launch, AClusterHoldsAtMost16Blocks) {
    std::string p = launch_problem(make({32, 1, 1}, {128, 1, 1}, 0, {32, 1, 1}));
    EXPECT_TRUE(mentions(p, "clusters of 32 blocks")) << p;
    EXPECT_TRUE(mentions(p, "at most 16")) << p;
    EXPECT_TRUE(mentions(p, "8 on any GPU")) << p;
    // Up to 16 is a shape the launch may ask for (more than 8 needs a GPU that allows it).
    EXPECT_EQ(launch_problem(make({32, 1, 1}, {128, 1, 1}, 0, {16, 1, 1})), "");
    EXPECT_EQ(launch_problem(make({8, 4, 2}, {128, 1, 1}, 0, {2, 2, 2})), "");
}

TEST(Launch, ClustersNeedComputeCapability9) {
    const Launch l = make({4, 1, 1}, {256, 1, 1}, 0, {2, 1, 1});
    EXPECT_EQ(launch_problem_on(l, 90), "");
    EXPECT_EQ(launch_problem_on(l, 100), "");
    std::string p = launch_problem_on(l, 86);
    EXPECT_TRUE(mentions(p, "compute capability 9.0")) << p;
    EXPECT_TRUE(mentions(p, "sm_86")) << p;
    EXPECT_TRUE(mentions(launch_problem_on_device(l, 80, 1024, 49152), "9.0"));
    // No cluster: nothing to say on any architecture.
    EXPECT_EQ(launch_problem_on(make({4, 1, 1}, {256, 1, 1}), 75), "");
}

TEST(Launch, WithoutAGpuSharedMemoryIsCheckedAgainstTheTargetsDefaults) {
    const auto h100 = compile::default_constants(90);
    const uint32_t most = h100.shared_per_block_optin;
    EXPECT_EQ(launch_problem_for(make({4, 1, 1}, {256, 1, 1}, most), h100), "");
    std::string p = launch_problem_for(make({4, 1, 1}, {256, 1, 1}, most + 1), h100);
    EXPECT_TRUE(mentions(p, std::to_string(most + 1))) << p;
    EXPECT_TRUE(mentions(p, std::to_string(most))) << p;
    EXPECT_TRUE(mentions(p, "kc::device.shared_per_block_optin")) << p;
    EXPECT_TRUE(mentions(p, "H100 SXM5")) << p;
    // And the rules of launch_problem_on before it.
    EXPECT_TRUE(mentions(launch_problem_for(make({1, 1, 1}, {256, 1, 1}, 0, {2, 1, 1}), h100), "multiple"));
    EXPECT_TRUE(mentions(launch_problem_for(make({2, 1, 1}, {256, 1, 1}, 0, {2, 1, 1}),
                                            compile::default_constants(80)),
                         "9.0"));
}

TEST(Launch, DescribeNamesTheClusterWhenThereIsOne) {
    EXPECT_EQ(describe(make({4, 1, 1}, {256, 1, 1}, 0, {2, 1, 1})),
              "grid (4, 1, 1) x block (256, 1, 1), 0 B shared, cluster (2, 1, 1)");
}

}  // namespace
}  // namespace kc::test
