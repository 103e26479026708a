// compute-sanitizer's text reports, parsed: the racecheck fixture is what compute-sanitizer
// 2025.3 printed on the H100 for a tiled matmul missing its second __syncthreads().
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "engine/sanitizer.h"
#include "support/cli.h"

namespace kc::engine {
namespace {

std::string fixture(const char* name) { return kc::test::fixture_text(name); }

TEST(Sanitizer, ParsesARacecheckAnalysisReport) {
    auto text = fixture("sanitizer-racecheck.txt");
    ASSERT_FALSE(text.empty());
    auto found = parse_sanitizer(text, "racecheck", "sanitizer_probe.cu");
    ASSERT_EQ(found.size(), 6u);  // 3 errors, 3 warnings
    EXPECT_TRUE(found[0].error);
    EXPECT_EQ(found[0].what, "race");
    EXPECT_EQ(found[0].access, "Write");
    EXPECT_EQ(found[0].line, 13);
    EXPECT_EQ(found[0].other_access, "Read");
    EXPECT_EQ(found[0].other_line, 15);
    EXPECT_GT(found[0].hazards, 16000);
    EXPECT_FALSE(found[3].error);
    EXPECT_EQ(found[3].line, 12);
    EXPECT_EQ(sanitizer_summary(text), "RACECHECK SUMMARY: 6 hazards displayed (3 errors, 3 warnings)");
    std::string d = describe(found[0], "tracks/x/kernel.cu");
    EXPECT_NE(d.find("tracks/x/kernel.cu:13"), std::string::npos) << d;
    EXPECT_NE(d.find("line 15"), std::string::npos) << d;
    EXPECT_NE(d.find("__syncthreads()"), std::string::npos) << d;
}

TEST(Sanitizer, MergesOneFindingPerPlace) {
    auto found = merge_findings(parse_sanitizer(fixture("sanitizer-racecheck.txt"), "racecheck", "sanitizer_probe.cu"));
    ASSERT_EQ(found.size(), 2u);  // write at 13 vs read at 15 (errors), write at 12 vs read at 15 (warnings)
    EXPECT_EQ(found[0].line, 13);
    EXPECT_EQ(found[0].count, 3);
    EXPECT_TRUE(found[0].error);
    EXPECT_EQ(found[1].line, 12);
    EXPECT_FALSE(found[1].error);
    EXPECT_GT(found[0].hazards, 3 * 16000);
}

TEST(Sanitizer, LinesOnlyFromTheKernelsOwnFile) {
    auto found = parse_sanitizer(fixture("sanitizer-racecheck.txt"), "racecheck", "kernel.cu");
    ASSERT_FALSE(found.empty());
    EXPECT_EQ(found[0].line, 0);  // another file's line numbers are not the learner's
}

TEST(Sanitizer, ParsesMemcheckRecords) {
    const char* text =
        "========= COMPUTE-SANITIZER\n"
        "========= Invalid __global__ write of size 4 bytes\n"
        "=========     at oob+0x70 in /tmp/build/kernel.cu:21\n"
        "=========     by thread (100,0,0) in block (0,0,0)\n"
        "=========     Address 0x7f1234000190 is out of bounds\n"
        "=========     and is 1 bytes after the nearest allocation at 0x7f1234000000 of size 400 bytes\n"
        "========= \n"
        "========= ERROR SUMMARY: 1 error\n";
    auto found = parse_sanitizer(text, "memcheck", "kernel.cu");
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].what, "Invalid __global__ write of size 4 bytes");
    EXPECT_EQ(found[0].line, 21);
    EXPECT_EQ(found[0].thread, "(100,0,0)");
    EXPECT_EQ(found[0].block, "(0,0,0)");
    EXPECT_NE(found[0].address.find("out of bounds"), std::string::npos);
    EXPECT_EQ(sanitizer_summary(text), "ERROR SUMMARY: 1 error");
    EXPECT_NE(describe(found[0], "k.cu").find("k.cu:21: Invalid __global__ write"), std::string::npos);
}

// compute-sanitizer names a function that is not extern "C" with its parameter list, which has
// spaces (issue 11: the parser once read line 0 and lost the race's other side).
TEST(Sanitizer, RaceInsideAFunctionWithParameters) {
    const char* text =
        "========= COMPUTE-SANITIZER\n"
        "========= Error: Race reported between Read access at softmax_forward_kernel4(float *, const float *, int, "
        "int)+0x8d0 in kernel.cu:81\n"
        "=========     and Write access at softmax_forward_kernel4(float *, const float *, int, int)+0xc30 in "
        "kernel.cu:101 [7 hazards]\n"
        "=========     and Write access at softmax_forward_kernel4(float *, const float *, int, int)+0xc50 in "
        "kernel.cu:101 [5 hazards]\n"
        "========= \n"
        "========= RACECHECK SUMMARY: 1 hazard displayed (1 error, 0 warnings)\n";
    auto found = parse_sanitizer(text, "racecheck", "kernel.cu");
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].line, 81);
    EXPECT_EQ(found[0].access, "Read");
    EXPECT_EQ(found[0].other_access, "Write");
    EXPECT_EQ(found[0].other_line, 101);
    EXPECT_EQ(found[0].hazards, 12);
    EXPECT_EQ(found[0].function, "softmax_forward_kernel4(float *, const float *, int, int)");
    const std::string d = describe(found[0], "k.cu");
    EXPECT_NE(d.find("k.cu:81"), std::string::npos) << d;
    EXPECT_NE(d.find("line 101"), std::string::npos) << d;
    EXPECT_NE(d.find("__syncthreads() is missing"), std::string::npos) << d;
}

// Templates, namespaces, (anonymous namespace), a lambda's operator(), and " in " inside the
// name itself: the location is the last " in FILE:LINE" of the line.
TEST(Sanitizer, FunctionNamesOfEveryShape) {
    const std::vector<std::string> names = {
        "block_sum(float *, int)",
        "void block_reduce<float, 256>(float *, const float *, int)",
        "(anonymous namespace)::warp_sum(float)",
        "kc::detail::tile<(int)16>::load(const float *, int)",
        "softmax::{lambda(float, float) (instance 1)}::operator()(float, float) const",
        "int_in(int in)",
    };
    for (const auto& name : names) {
        const std::string text = "========= Invalid __global__ read of size 4 bytes\n=========     at " + name +
                                 "+0x1a0 in kernel.cu:42\n=========     by thread (3,0,0) in block (1,0,0)\n"
                                 "=========     Address 0x7f0000000400 is out of bounds\n========= \n";
        auto found = parse_sanitizer(text, "memcheck", "kernel.cu");
        ASSERT_EQ(found.size(), 1u) << name;
        EXPECT_EQ(found[0].line, 42) << name;
        EXPECT_EQ(found[0].function, name);
        EXPECT_EQ(found[0].thread, "(3,0,0)") << name;
        const std::string race = "========= Error: Race reported between Write access at " + name +
                                 "+0x10 in kernel.cu:7\n=========     and Read access at " + name +
                                 "+0x20 in kernel.cu:9 [3 hazards]\n========= \n";
        auto r = parse_sanitizer(race, "racecheck", "kernel.cu");
        ASSERT_EQ(r.size(), 1u) << name;
        EXPECT_EQ(r[0].line, 7) << name;
        EXPECT_EQ(r[0].other_line, 9) << name;
        EXPECT_EQ(r[0].hazards, 3) << name;
    }
}

// memcheck names the allocation an access is nearest to; the launch's buffers name it.
TEST(Sanitizer, NamesTheBufferAnAccessLeft) {
    const char* text =
        "========= Invalid __global__ read of size 16 bytes\n"
        "=========     at vector_add+0x2f0 in kernel.cu:31\n"
        "=========     by thread (0,0,0) in block (0,0,0)\n"
        "=========     Address 0x7f5e2c000200 is out of bounds\n"
        "=========     and is 4 bytes after the nearest allocation at 0x7f5e2c000200 of size 4 bytes\n"
        "========= \n";
    auto found = parse_sanitizer(text, "memcheck", "kernel.cu");
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].nearest_offset, 4);
    EXPECT_TRUE(found[0].nearest_after);
    EXPECT_EQ(found[0].nearest_size, 4);
    std::vector<protocol::Buffer> buffers = {{"a", 0x7f5e2c000000ull, 4}, {"out", 0x7f5e2c000200ull, 4}};
    name_buffers(found, buffers);
    EXPECT_EQ(found[0].buffer, "out");
    const std::string d = describe(found[0], "k.cu");
    EXPECT_NE(d.find("k.cu:31: Invalid __global__ read of size 16 bytes"), std::string::npos) << d;
    EXPECT_NE(d.find("4 bytes past the end of `out` (4 bytes, 1 float)"), std::string::npos) << d;
    EXPECT_NE(d.find("vector access"), std::string::npos) << d;
}

TEST(Sanitizer, ACleanReportHasNoFindings) {
    const char* text = "========= COMPUTE-SANITIZER\n========= ERROR SUMMARY: 0 errors\n";
    EXPECT_TRUE(parse_sanitizer(text, "memcheck", "kernel.cu").empty());
    const char* race = "========= COMPUTE-SANITIZER\n========= RACECHECK SUMMARY: 0 hazards displayed (0 errors, 0 warnings)\n";
    EXPECT_TRUE(parse_sanitizer(race, "racecheck", "kernel.cu").empty());
}

TEST(Sanitizer, ArgumentsFilterToTheLearnersKernel) {
    auto a = sanitizer_args("racecheck", "matmul", "/tmp/log");
    std::string joined;
    for (const auto& s : a) joined += s + " ";
    EXPECT_NE(joined.find("--tool racecheck"), std::string::npos);
    EXPECT_NE(joined.find("--kernel-name kne=matmul"), std::string::npos);
    EXPECT_NE(joined.find("--log-file /tmp/log"), std::string::npos);
    EXPECT_EQ(sanitizer_tools().size(), 4u);
}

}  // namespace
}  // namespace kc::engine
