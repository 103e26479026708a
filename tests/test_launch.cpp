// Launch geometry rules: the device-independent limits every GPU has, and the limits that
// depend on the kernel (registers) and the device (shared memory).
#include <gtest/gtest.h>

#include <string>

#include "compile/launch.h"

namespace kc::test {
namespace {

Launch make(Dim3 grid, Dim3 block, uint32_t shared = 0) {
    Launch l;
    l.grid = grid;
    l.block = block;
    l.shared_bytes = shared;
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
    std::string p = launch_problem_on_device(l, 512, 48 * 1024);
    ASSERT_FALSE(p.empty());
    EXPECT_TRUE(mentions(p, "1024")) << p;
    EXPECT_TRUE(mentions(p, "512")) << p;
    EXPECT_TRUE(mentions(p, "registers")) << p;
    // Exactly at the kernel's limit is fine.
    EXPECT_EQ(launch_problem_on_device(make({4, 1, 1}, {512, 1, 1}), 512, 48 * 1024), "");
}

TEST(Launch, OnDeviceReportsTooMuchSharedMemory) {
    Launch l = make({4, 1, 1}, {256, 1, 1}, 49153);
    std::string p = launch_problem_on_device(l, 1024, 49152);
    ASSERT_FALSE(p.empty());
    EXPECT_TRUE(mentions(p, "49153")) << p;
    EXPECT_TRUE(mentions(p, "49152")) << p;
    EXPECT_TRUE(mentions(p, "shared")) << p;
    EXPECT_EQ(launch_problem_on_device(make({4, 1, 1}, {256, 1, 1}, 49152), 1024, 49152), "");
}

TEST(Launch, OnDeviceStillAppliesTheDeviceIndependentRules) {
    std::string p = launch_problem_on_device(make({0, 1, 1}, {256, 1, 1}), 1024, 49152);
    EXPECT_TRUE(mentions(p, "zero")) << p;
}

TEST(Launch, DescribeNamesEveryDimension) {
    EXPECT_EQ(describe(make({3907, 1, 1}, {256, 1, 1})), "grid (3907, 1, 1) x block (256, 1, 1), 0 B shared");
    EXPECT_EQ(describe(make({2, 3, 4}, {5, 6, 7}, 8)), "grid (2, 3, 4) x block (5, 6, 7), 8 B shared");
}

}  // namespace
}  // namespace kc::test
