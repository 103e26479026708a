// compute-sanitizer's text reports, parsed: the racecheck fixture is what compute-sanitizer
// 2025.3 printed on the H100 for a tiled matmul missing its second __syncthreads().
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "engine/sanitizer.h"
#include "support/cli.h"

namespace kc::engine {
namespace {

std::string fixture(const std::string& name) { return kc::test::fixture_text(name); }

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
    std::vector<wire::Buffer> buffers = {{"a", 0x7f5e2c000000ull, 4}, {"out", 0x7f5e2c000200ull, 4}};
    name_buffers(found, buffers);
    EXPECT_EQ(found[0].buffer, "out");
    const std::string d = describe(found[0], "k.cu");
    EXPECT_NE(d.find("k.cu:31: Invalid __global__ read of size 16 bytes"), std::string::npos) << d;
    EXPECT_NE(d.find("4 bytes past the end of `out` (4 bytes, 1 float)"), std::string::npos) << d;
    EXPECT_NE(d.find("vector access"), std::string::npos) << d;
}

// ---- real output: compute-sanitizer 2025.3 on an H200 (tools/probes/sanitizer_helpers.sh) --

std::vector<SanitizerFinding> probe(const char* file, const char* tool) {
    auto text = fixture(std::string("sanitizer-helpers/") + file);
    EXPECT_FALSE(text.empty()) << file;
    return parse_sanitizer(text, tool, "sanitizer_helpers.cu");
}

TEST(SanitizerOutput, RaceInANoinlineHelperKeepsBothLines) {
    auto found = merge_findings(probe("probe-1-racecheck.txt", "racecheck"));
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].line, 15);
    EXPECT_EQ(found[0].other_line, 15);
    EXPECT_EQ(found[0].hazards, 636 + 32);
    EXPECT_EQ(found[0].function, "$race_in_helper$_Z9block_sumPff");
}

TEST(SanitizerOutput, RaceInATemplateHelper) {
    auto found = probe("probe-2-racecheck.txt", "racecheck");
    ASSERT_EQ(found.size(), 8u);
    EXPECT_TRUE(found[0].error);
    EXPECT_EQ(found[0].line, 31);
    EXPECT_EQ(found[1].other_line, 31);
    EXPECT_EQ(found[0].hazards, 192);
    for (const auto& f : found) EXPECT_GT(f.line, 0);
}

TEST(SanitizerOutput, KernelThatIsNotExternC) {
    auto found = probe("probe-5-racecheck.txt", "racecheck");
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].function, "softmax_forward_kernel4(float *, const float *, int, int)");
    EXPECT_EQ(found[0].access, "Write");
    EXPECT_EQ(found[0].line, 58);
    EXPECT_EQ(found[0].other_access, "Read");
    EXPECT_EQ(found[0].other_line, 59);
    EXPECT_EQ(found[0].hazards, 1024);
    const std::string d = describe(found[0], "kernel.cu");
    EXPECT_NE(d.find("kernel.cu:58: a race on shared memory: the write here and the read at line 59"), std::string::npos)
        << d;
    EXPECT_NE(d.find("(1024 hazards): a __syncthreads() is missing"), std::string::npos) << d;
}

TEST(SanitizerOutput, InlinedHelper) {
    auto found = probe("probe-6-racecheck.txt", "racecheck");
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].function, "inlined_sum(float *, float)");
    EXPECT_EQ(found[0].line, 66);
    EXPECT_EQ(found[0].other_line, 67);
}

TEST(SanitizerOutput, MemcheckInAnAnonymousNamespaceAndALambda) {
    for (const char* file : {"probe-3-memcheck.txt", "probe-4-memcheck.txt"}) {
        auto found = probe(file, "memcheck");
        ASSERT_FALSE(found.empty()) << file;
        const int line = std::string(file) == "probe-3-memcheck.txt" ? 42 : 51;
        for (const auto& f : found) {
            EXPECT_EQ(f.line, line) << file;
            EXPECT_TRUE(f.nearest_after) << file;
            EXPECT_EQ(f.nearest_size, 4) << file;
        }
        EXPECT_EQ(found[0].thread, "(32,0,0)") << file;
        EXPECT_EQ(found[0].nearest_offset, 125) << file;
        auto merged = merge_findings(found);
        ASSERT_EQ(merged.size(), 1u) << file;
        EXPECT_EQ(merged[0].count, static_cast<int>(found.size())) << file;
    }
    EXPECT_EQ(probe("probe-4-memcheck.txt", "memcheck")[0].function,
              "oob_in_lambda(float *, int)::[lambda(int, float) (instance 1)]::operator ()(int, float) const");
}

TEST(SanitizerOutput, AFloat4ThatStartsInsideAndReachesPastTheEnd) {
    auto found = probe("probe-7-memcheck.txt", "memcheck");
    ASSERT_EQ(found.size(), 1u);  // the "Program hit cudaErrorLaunchFailure" record is not a finding
    EXPECT_EQ(found[0].what, "Invalid __global__ read of size 16 bytes");
    EXPECT_EQ(found[0].line, 77);
    EXPECT_TRUE(found[0].nearest_inside);
    EXPECT_EQ(found[0].nearest_size, 4);
    std::vector<wire::Buffer> buffers = {{"out", found[0].nearest_address, 4}};
    name_buffers(found, buffers);
    const std::string d = describe(found[0], "kernel.cu");
    EXPECT_NE(d.find("kernel.cu:77: Invalid __global__ read of size 16 bytes, thread (0,0,0) in block (0,0,0): the "
                     "access starts inside `out` (4 bytes, 1 float) and reaches past its end"),
              std::string::npos)
        << d;
    EXPECT_NE(d.find("vector access (float2, float4) of the last, partial group"), std::string::npos) << d;
}

TEST(SanitizerOutput, AMisalignedVectorLoadIsCalledThatNotAnOverrun) {
    // memcheck on a uint4 load at x + 8 (debugging/04's bug), as compute-sanitizer 2025.3 words it.
    const std::string text =
        "========= COMPUTE-SANITIZER\n"
        "========= Invalid __global__ read of size 16 bytes\n"
        "=========     at histogram+0x2a0 in kernel.cu:41\n"
        "=========     by thread (3,0,0) in block (0,0,0)\n"
        "=========     Access to 0x7f446e800008 is misaligned\n"
        "=========     and is inside the nearest allocation at 0x7f446e800000 of size 1000 bytes\n"
        "========= \n"
        "========= ERROR SUMMARY: 1 error\n";
    auto found = parse_sanitizer(text, "memcheck", "kernel.cu");
    ASSERT_EQ(found.size(), 1u);
    std::vector<wire::Buffer> buffers = {{"x", found[0].nearest_address, 1000}};
    name_buffers(found, buffers);
    const std::string d = describe(found[0], "kernel.cu");
    EXPECT_NE(d.find("kernel.cu:41: Invalid __global__ read of size 16 bytes, thread (3,0,0) in block (0,0,0) "
                     "(Access to 0x7f446e800008 is misaligned): a misaligned access"),
              std::string::npos)
        << d;
    EXPECT_EQ(d.find("reaches past its end"), std::string::npos) << d;
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
