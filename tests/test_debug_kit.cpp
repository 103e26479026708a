// The debug kit without a GPU: kc/debug.cuh compiled by NVRTC (its record's layout, the prints
// off unless KC_DEBUG), the sentence a record makes, printf output grouped by thread, and the
// cases `run --case` keeps.
#include <gtest/gtest.h>

#include <cstring>
#include <regex>
#include <string>
#include <vector>

#include "compile/compiler.h"
#include "compile/debug_kit.h"
#include "course/manifest.h"
#include "exercises/spec.h"
#include "grade/debug_record.h"
#include "report/printf_text.h"
#include "report/render.h"
#include "support/cli.h"
#include "support/compile_request.h"

namespace kc::test {
namespace {

constexpr const char* kKitKernel = R"(// A vector add through the kit.
#include "kernelcoach.h"
#include <kc/debug.cuh>

extern "C" __global__ void vector_add(const float* a, const float* b, float* out, int n)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    KC_ASSERT(blockDim.x == 256, "the launch must have 256 threads");
    KC_PRINT_ONCE("n = %d\n", n);
    KC_PRINT_IF(i == n - 1, "last: %f\n", a[i]);
    if (i < n) kc::at(out, i, n) = kc::at(a, i, n) + kc::at(b, i, n);
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.n + 255) / 256)}, .block = {256}};
}
)";

compile::Request kit_request(std::vector<std::string> extra = {}) {
    compile::Request r = vector_add_request(kKitKernel);
    r.extra_options = std::move(extra);
    return r;
}

TEST(DebugKit, TheHeaderCompilesAndItsRecordHasTheHostLayout) {
    TempDir cache;
    auto out = compile::compile(kit_request(), cache.path());
    ASSERT_TRUE(out) << out.error().message;
    ASSERT_TRUE(out->ok) << out->summary << "\n" << out->log;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(out->ptx, m, std::regex(R"(\.global \.align (\d+) \.b8 kc_debug_record\[(\d+)\])")))
        << out->ptx.substr(0, 3000);
    EXPECT_EQ(std::stoul(m[2].str()), sizeof(grade::DebugRecord));
    EXPECT_EQ(std::stoul(m[1].str()), alignof(grade::DebugRecord));
    // Without KC_DEBUG the prints are compiled out.
    EXPECT_FALSE(contains(out->ptx, "vprintf"));
}

TEST(DebugKit, KcDebugSwitchesThePrintsOnAndIsAnotherCacheEntry) {
    TempDir cache;
    auto plain = compile::compile(kit_request(), cache.path());
    auto debug = compile::compile(kit_request({compile::kDebugDefine}), cache.path());
    ASSERT_TRUE(plain && debug);
    ASSERT_TRUE(debug->ok) << debug->log;
    EXPECT_TRUE(contains(debug->ptx, "vprintf"));
    EXPECT_NE(plain->key, debug->key);
    EXPECT_FALSE(debug->cache_hit);
}

TEST(DebugKit, KcAtRecordsTheLineOfItsCaller) {
    TempDir cache;
    auto out = compile::compile(kit_request(), cache.path());
    ASSERT_TRUE(out && out->ok);
    // kc::at's default argument is the line of the call (line 11 of the file above), stored
    // when an index is out of range.
    EXPECT_TRUE(std::regex_search(out->ptx, std::regex(R"(mov\.(u|b)32\s+%r\d+, 11;)"))) << out->ptx.substr(0, 4000);
}

grade::DebugRecord at_record(int64_t index, int64_t n, uint64_t pointer, uint64_t events = 1) {
    grade::DebugRecord r;
    r.claimed = 1;
    r.kind = 1;
    r.line = 57;
    r.block[0] = 2;
    r.thread[0] = 6, r.thread[1] = 1;
    r.element_bytes = 4;
    r.index = index, r.n = n, r.pointer = pointer, r.events = events;
    return r;
}

const std::vector<grade::NamedBuffer> kBuffers = {{"in", 0x10000, 4000}, {"out", 0x20000, 4000}};

TEST(DebugRecord, NothingRecordedSaysNothing) { EXPECT_EQ(grade::describe(grade::DebugRecord{}, kBuffers, "kernel.cu"), ""); }

TEST(DebugRecord, AnIndexOutOfRangeNamesTheBufferTheThreadAndTheLine) {
    EXPECT_EQ(grade::describe(at_record(1000, 1000, 0x10000, 38), kBuffers, "kernel.cu"),
              "kc::at(`in`, 1000, 1000) at kernel.cu:57, in thread (6, 1, 0) of block (2, 0, 0): index 1000 is "
              "outside 0 to 999; kc::at used a stand-in element instead (the first of 38 in this launch)");
    // A pointer into a buffer, in elements; a negative index; one element.
    EXPECT_TRUE(contains(grade::describe(at_record(-1, 70, 0x20000 + 140 * 4), kBuffers, "kernel.cu"),
                         "kc::at(`out` + 140, -1, 70) at kernel.cu:57"));
    EXPECT_TRUE(contains(grade::describe(at_record(-1, 70, 0x20000), kBuffers, "kernel.cu"), "index -1 is outside 0 to 69"));
    EXPECT_TRUE(contains(grade::describe(at_record(1, 1, 0x20000), kBuffers, "kernel.cu"), "outside 0 to 0 (n = 1)"));
    EXPECT_TRUE(contains(grade::describe(at_record(0, 0, 0x20000), kBuffers, "kernel.cu"), "outside the empty range n = 0"));
    EXPECT_TRUE(contains(grade::describe(at_record(3, 2, 0x999), kBuffers, "kernel.cu"),
                         "a pointer to 0x999, in no buffer of this case"));
    EXPECT_FALSE(contains(grade::describe(at_record(3, 2, 0x10000, 1), kBuffers, "kernel.cu"), "the first of"));
}

TEST(DebugRecord, AFailedAssertionGivesItsConditionAndMessage) {
    grade::DebugRecord r;
    r.claimed = 1;
    r.kind = 2;
    r.line = 9;
    r.block[1] = 3;
    r.events = 4;
    std::strcpy(r.condition, "blockDim.x == 256");
    std::strcpy(r.message, "the launch must have 256 threads");
    EXPECT_EQ(grade::describe(r, kBuffers, "kernel.cu"),
              "KC_ASSERT(blockDim.x == 256) failed at kernel.cu:9, in thread (0, 0, 0) of block (0, 3, 0): \"the "
              "launch must have 256 threads\"; that thread returned (the first of 4 in this launch)");
}

TEST(PrintfText, KitLinesAreGroupedByBlockThenThreadAndSameLinesMerge) {
    const std::string output =
        "[kc b(1,0,0) t(0,0,0)] x = 1\n"
        "plain line\n"
        "[kc b(0,0,0) t(5,3,0)] centre 1.5\n"
        "[kc b(0,0,0) t(5,3,0)] left 2\n"
        "[kc b(0,0,0) t(0,0,0)] x = 1\n"
        "plain line\n"
        "other\n";
    const auto p = report::group_printf(output);
    EXPECT_EQ(p.kit_lines, 4u);
    EXPECT_EQ(p.kit_threads, 3u);
    EXPECT_EQ(p.plain_lines, 3u);
    ASSERT_EQ(p.groups.size(), 3u);
    EXPECT_EQ(p.groups[0].who, "block (0, 0, 0) thread (0, 0, 0)");
    EXPECT_EQ(p.groups[0].threads, 2u);  // block 1's thread 0 printed the same line
    EXPECT_EQ(p.groups[1].who, "block (0, 0, 0) thread (5, 3, 0)");
    EXPECT_EQ(p.groups[1].lines.size(), 2u);
    EXPECT_EQ(p.groups[2].who, "");
    ASSERT_EQ(p.groups[2].lines.size(), 2u);
    EXPECT_EQ(p.groups[2].lines[0], (std::pair<std::string, size_t>{"plain line", 2}));
    EXPECT_EQ(report::printf_text(p, "  "),
              "  block (0, 0, 0) thread (0, 0, 0) and 1 more threads, each:\n"
              "    x = 1\n"
              "  block (0, 0, 0) thread (5, 3, 0):\n"
              "    centre 1.5\n"
              "    left 2\n"
              "  printf (3 lines, 2 distinct):\n"
              "    2x  plain line\n"
              "    other\n");
}

TEST(PrintfText, ALongLineIsCutAndSaysSo) {
    const auto text = report::printf_text(report::group_printf(std::string(5000, 'x') + "\n"), "");
    EXPECT_TRUE(contains(text, std::string(240, 'x') + " ... (4760 more characters)")) << text.size();
    EXPECT_LT(text.size(), 400u);
}

TEST(PrintfText, ManyThreadsAndLinesAreCutAndSaySo) {
    std::string output;
    for (int t = 0; t < 100; ++t) output += "[kc b(0,0,0) t(" + std::to_string(t) + ",0,0)] i = " + std::to_string(t) + "\n";
    for (int k = 0; k < 1000; ++k) output += "line " + std::to_string(k % 20) + "\n";
    const auto p = report::group_printf(output);
    EXPECT_EQ(p.groups.size(), 101u);
    const std::string text = report::printf_text(p, "", 12, 8);
    EXPECT_TRUE(contains(text, "block (0, 0, 0) thread (11, 0, 0):")) << text;
    EXPECT_FALSE(contains(text, "thread (12, 0, 0)")) << text;
    EXPECT_TRUE(contains(text, "... 89 more groups of lines not shown")) << text;
    const std::string plain = report::printf_text(report::group_printf(std::string(output).substr(output.find("line 0"))), "");
    EXPECT_TRUE(contains(plain, "printf (1000 lines, 20 distinct):")) << plain;
    EXPECT_TRUE(contains(plain, "50x  line 0")) << plain;
    EXPECT_TRUE(contains(plain, "... 12 more distinct lines")) << plain;
}

course::Manifest three_cases() {
    course::Manifest m;
    for (const char* n : {"one", "ragged", "large"}) {
        course::Case c;
        c.name = n;
        m.cases.push_back(c);
    }
    return m;
}

TEST(NarrowCases, KeepsTheNamedCasesInTheManifestsOrder) {
    auto n = course::narrow_cases(three_cases(), {"large", "one"}, "debugging/01");
    ASSERT_TRUE(n);
    ASSERT_EQ(n->size(), 2u);
    EXPECT_EQ((*n)[0].name, "one");
    EXPECT_EQ((*n)[1].name, "large");
    // Each keeps the inputs of its place in the whole module.
    EXPECT_EQ((*n)[0].seed_index, 0);
    EXPECT_EQ((*n)[1].seed_index, 2);
}

TEST(NarrowCases, AnUnknownCaseIsNamedWithTheNearestAndAll) {
    auto n = course::narrow_cases(three_cases(), {"raged"}, "debugging/01");
    ASSERT_FALSE(n);
    EXPECT_EQ(n.error().message, "debugging/01 has no case 'raged' (did you mean 'ragged'?)");
    EXPECT_EQ(n.error().detail, "its cases: one, ragged, large");
}

// The "reproduce:" line repeats what narrowed the run: a learner who pastes it sees the same report.
TEST(Reproduce, TheCommandKeepsTheFileTheCasesAndDebug) {
    course::Module m;
    m.id = "debugging/02";
    m.rel_dir = "tracks/debugging/module-02-error-handling";
    engine::Grade g;
    g.seed = 7;
    g.source = m.rel_kernel();
    EXPECT_EQ(report::reproduce_command(g, m), "kernelcoach run debugging/02 --seed 7");
    g.source = "tracks/debugging/module-02-error-handling/controls/int-offset.cu";
    g.only_cases = {"int32-edge", "int32-overflow"};
    g.debug = true;
    EXPECT_EQ(report::reproduce_command(g, m),
              "kernelcoach run debugging/02 --seed 7 --file tracks/debugging/module-02-error-handling/controls/int-offset.cu "
              "--case int32-edge --case int32-overflow --debug");
}

}  // namespace
}  // namespace kc::test
