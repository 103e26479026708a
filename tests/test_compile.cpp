// The NVRTC wrapper: real compiles (no GPU needed), the launch geometry read back from PTX,
// the cache, and NVRTC's log turned into diagnostics that point at kernel.cu:LINE:COL.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "compile/compiler.h"
#include "compile/utility_kernels.h"
#include "compile/diagnostics.h"
#include "exercises/spec.h"
#include "support/cli.h"

namespace kc::test {
namespace {

namespace fs = std::filesystem;
using compile::Diagnostic;

constexpr const char* kVectorAdd = R"(// A correct vector add.
#include "kernelcoach.h"

extern "C" __global__ void vector_add(const float* a, const float* b, float* out, int n)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = a[i] + b[i];
}

constexpr Launch launch(Problem p) {
    constexpr unsigned threads = 256;
    return Launch{.grid = {unsigned((p.n + threads - 1) / threads)}, .block = {threads}};
}
)";

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

compile::Request request(const std::string& source) {
    const auto* spec = exercises::find("vector-add");
    compile::Request r;
    r.source = source;
    r.display_path = "tracks/x/kernel.cu";
    r.sm = compile::default_sm(70);
    r.header = spec ? exercises::prelude(*spec, compile::default_constants(r.sm)) : std::string();
    r.kernels = {"vector_add"};
    r.params = {"const float* a, const float* b, float* out, int n"};
    r.problems = {"Problem{1}", "Problem{1000}", "Problem{67108864}"};
    r.case_names = {"one", "small", "large"};
    return r;
}

std::string all_messages(const compile::Output& o) {
    std::string s;
    for (const auto& d : o.diagnostics) s += d.file + ":" + std::to_string(d.line) + ": " + d.severity + ": " + d.message + "\n";
    return s;
}

TEST(Compile, VectorAddSpecExists) {
    const auto* spec = exercises::find("vector-add");
    ASSERT_NE(spec, nullptr);
    EXPECT_EQ(spec->fields, std::vector<std::string>{"n"});
    const auto header = exercises::prelude(*spec, compile::default_constants(75));
    EXPECT_TRUE(contains(header, "struct Problem")) << header;
}

TEST(Compile, CorrectKernelCompilesAndReadsBackEveryLaunch) {
    TempDir cache;
    auto out = compile::compile(request(kVectorAdd), cache.path());
    ASSERT_TRUE(out) << out.error().message;
    ASSERT_TRUE(out->ok) << out->summary << "\n" << out->log;
    EXPECT_FALSE(out->cache_hit);
    EXPECT_EQ(out->arch, "sm_" + std::to_string(compile::default_sm(70)));
    EXPECT_TRUE(contains(out->ptx, ".entry vector_add")) << out->ptx.substr(0, 2000);
    EXPECT_FALSE(out->cubin.empty());
    ASSERT_EQ(out->launches.size(), 3u);
    const uint32_t grids[] = {1, 4, 262144};
    for (size_t i = 0; i < 3; ++i) {
        const Launch& l = out->launches[i].front();
        EXPECT_EQ(l.grid.x, grids[i]) << i;
        EXPECT_EQ(l.grid.y, 1u) << i;
        EXPECT_EQ(l.grid.z, 1u) << i;
        EXPECT_EQ(l.block.x, 256u) << i;
        EXPECT_EQ(l.block.y, 1u) << i;
        EXPECT_EQ(l.block.z, 1u) << i;
        EXPECT_EQ(l.shared_bytes, 0u) << i;
    }
    // No warnings or errors for a clean file.
    for (const auto& d : out->diagnostics) EXPECT_NE(d.severity, "error") << d.message;
    // The cache holds both halves.
    EXPECT_TRUE(fs::exists(cache.path() / (out->key + ".cubin")));
    EXPECT_TRUE(fs::exists(cache.path() / (out->key + ".ptx")));
}

TEST(Compile, SecondCompileIsACacheHitWithTheSameLaunches) {
    TempDir cache;
    auto first = compile::compile(request(kVectorAdd), cache.path());
    ASSERT_TRUE(first) << first.error().message;
    ASSERT_TRUE(first->ok) << first->summary;
    ASSERT_FALSE(first->cache_hit);
    auto second = compile::compile(request(kVectorAdd), cache.path());
    ASSERT_TRUE(second) << second.error().message;
    ASSERT_TRUE(second->ok) << second->summary;
    EXPECT_TRUE(second->cache_hit);
    EXPECT_EQ(second->key, first->key);
    EXPECT_EQ(second->cubin, first->cubin);
    EXPECT_EQ(second->seconds, 0);
    ASSERT_EQ(second->launches.size(), first->launches.size());
    for (size_t i = 0; i < first->launches.size(); ++i) {
        EXPECT_EQ(second->launches[i].front().grid.x, first->launches[i].front().grid.x) << i;
        EXPECT_EQ(second->launches[i].front().block.x, first->launches[i].front().block.x) << i;
        EXPECT_EQ(second->launches[i].front().block.y, first->launches[i].front().block.y) << i;
    }
}

TEST(Compile, NoCacheDirMeansNoCacheHit) {
    auto first = compile::compile(request(kVectorAdd), {});
    ASSERT_TRUE(first) << first.error().message;
    ASSERT_TRUE(first->ok) << first->summary;
    auto second = compile::compile(request(kVectorAdd), {});
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_FALSE(second->cache_hit);
    EXPECT_EQ(second->key, first->key);
}

TEST(Compile, DamagedCacheEntryIsRebuilt) {
    TempDir cache;
    auto first = compile::compile(request(kVectorAdd), cache.path());
    ASSERT_TRUE(first && first->ok);
    std::ofstream(cache.path() / (first->key + ".ptx"), std::ios::trunc) << "not ptx";
    auto second = compile::compile(request(kVectorAdd), cache.path());
    ASSERT_TRUE(second) << second.error().message;
    ASSERT_TRUE(second->ok) << second->summary;
    EXPECT_FALSE(second->cache_hit);
    ASSERT_EQ(second->launches.size(), 3u);
    EXPECT_EQ(second->launches[2].front().grid.x, 262144u);
    EXPECT_TRUE(contains(slurp(cache.path() / (first->key + ".ptx")), "kc_launch_0"));
}

TEST(Compile, ExtraOptionsChangeTheKeyAndTheGeometry) {
    const std::string tunable = R"(#include "kernelcoach.h"
#ifndef THREADS
#define THREADS 256
#endif
extern "C" __global__ void vector_add(const float* a, const float* b, float* out, int n)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = a[i] + b[i];
}
constexpr Launch launch(Problem p) {
    constexpr unsigned threads = THREADS;
    return Launch{.grid = {unsigned((p.n + threads - 1) / threads)}, .block = {threads}};
}
)";
    TempDir cache;
    auto plain = compile::compile(request(tunable), cache.path());
    auto req = request(tunable);
    req.extra_options = {"-DTHREADS=128"};
    auto tuned = compile::compile(req, cache.path());
    ASSERT_TRUE(plain && plain->ok);
    ASSERT_TRUE(tuned) << tuned.error().message;
    ASSERT_TRUE(tuned->ok) << tuned->summary;
    EXPECT_NE(plain->key, tuned->key);
    EXPECT_FALSE(tuned->cache_hit);
    ASSERT_EQ(tuned->launches.size(), 3u);
    EXPECT_EQ(plain->launches[1].front().block.x, 256u);
    EXPECT_EQ(tuned->launches[1].front().block.x, 128u);
    EXPECT_EQ(tuned->launches[1].front().grid.x, 8u);  // ceil(1000 / 128)
}

TEST(Compile, SyntaxErrorPointsAtLineAndColumn) {
    // Line 6 has an expression missing before the ';'.
    const std::string source = R"(// line 1
#include "kernelcoach.h"

extern "C" __global__ void vector_add(const float* a, const float* b, float* out, int n)
{
    const int i = blockIdx.x * blockDim.x + ;
    if (i < n) out[i] = a[i] + b[i];
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.n + 255) / 256)}, .block = {256u}};
}
)";
    const std::string line6 = split_lines(source)[5];
    const int column = static_cast<int>(line6.find(';')) + 1;  // the caret sits on the ';'
    ASSERT_GT(column, 40);

    auto out = compile::compile(request(source), {});
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_FALSE(out->ok);
    const Diagnostic* err = nullptr;
    for (const auto& d : out->diagnostics)
        if (d.severity == "error") {
            err = &d;
            break;
        }
    ASSERT_NE(err, nullptr) << out->log;
    EXPECT_EQ(err->file, "kernel.cu");
    EXPECT_EQ(err->line, 6) << out->log;
    EXPECT_EQ(err->column, column) << out->log;
    EXPECT_EQ(err->source_line, line6);
    EXPECT_FALSE(err->message.empty());
    EXPECT_TRUE(contains(out->summary, "tracks/x/kernel.cu")) << out->summary;
    EXPECT_TRUE(contains(out->summary, ":6")) << out->summary;

    const std::string text = compile::format_diagnostic(*err, "tracks/x/kernel.cu");
    const std::string head = "tracks/x/kernel.cu:6:" + std::to_string(column) + ": error:";
    EXPECT_EQ(text.rfind(head, 0), 0u) << text;
    auto lines = split_lines(text);
    ASSERT_EQ(lines.size(), 3u) << text;
    // "    6 | <the source line>", then "      | <pad>^" with the caret under the column.
    auto bar = lines[1].find(" | ");
    ASSERT_NE(bar, std::string::npos) << text;
    EXPECT_EQ(lines[1].substr(bar + 3), line6) << text;
    EXPECT_NE(lines[1].substr(0, bar).find('6'), std::string::npos) << text;
    ASSERT_EQ(lines[2].find(" | "), bar) << text;
    EXPECT_EQ(lines[2].find('^'), bar + 3 + static_cast<size_t>(column - 1)) << text;
    EXPECT_EQ(lines[2].find('^'), lines[2].rfind('^')) << text;
}

TEST(Compile, WarningsComeWithASuccessfulCompile) {
    const std::string source = R"(#include "kernelcoach.h"
extern "C" __global__ void vector_add(const float* a, const float* b, float* out, int n)
{
    int unused;
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = a[i] + b[i];
}
constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.n + 255) / 256)}, .block = {256u}};
}
)";
    auto out = compile::compile(request(source), {});
    ASSERT_TRUE(out) << out.error().message;
    ASSERT_TRUE(out->ok) << out->summary;
    bool found = false;
    for (const auto& d : out->diagnostics)
        if (d.severity == "warning" && d.line == 4 && d.file == "kernel.cu") {
            found = true;
            EXPECT_EQ(d.source_line, "    int unused;");
            EXPECT_EQ(d.column, 9) << out->log;
            EXPECT_TRUE(contains(d.message, "unused")) << d.message;
        }
    EXPECT_TRUE(found) << out->log;
}

TEST(Compile, LaunchThatIsNotConstexprNamesTheCase) {
    // launch() is constexpr, but for n > 1000 it calls a function that is not, so only the
    // third case ('large') cannot be evaluated at compile time.
    const std::string source = R"(#include "kernelcoach.h"
extern "C" __global__ void vector_add(const float* a, const float* b, float* out, int n)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = a[i] + b[i];
}
unsigned big_block() { return 512; }
constexpr Launch launch(Problem p) {
    const unsigned threads = p.n > 1000 ? big_block() : 256u;
    return Launch{.grid = {unsigned((p.n + threads - 1) / threads)}, .block = {threads}};
}
)";
    auto out = compile::compile(request(source), {});
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_FALSE(out->ok);
    EXPECT_TRUE(contains(out->summary, "launch()")) << out->summary;
    EXPECT_TRUE(contains(out->summary, "constexpr")) << out->summary;
    EXPECT_TRUE(contains(out->summary, "'large'")) << out->summary;
    EXPECT_TRUE(contains(out->summary, "Problem{67108864}")) << out->summary;
    EXPECT_FALSE(contains(out->summary, "'one'")) << out->summary;
    bool geometry = false;
    for (const auto& d : out->diagnostics)
        if (d.file == "kernelcoach-geometry" && d.severity == "error") {
            geometry = true;
            EXPECT_EQ(d.line, 3) << all_messages(*out);
        }
    EXPECT_TRUE(geometry) << all_messages(*out);
}

TEST(Compile, LaunchNeverConstexprNamesTheFirstCase) {
    const std::string source = R"(#include "kernelcoach.h"
extern "C" __global__ void vector_add(const float* a, const float* b, float* out, int n)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = a[i] + b[i];
}
unsigned threads_per_block() { return 256; }
Launch launch(Problem p) {
    const unsigned threads = threads_per_block();
    return Launch{.grid = {unsigned((p.n + threads - 1) / threads)}, .block = {threads}};
}
)";
    auto out = compile::compile(request(source), {});
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_FALSE(out->ok);
    EXPECT_TRUE(contains(out->summary, "launch()")) << out->summary;
    EXPECT_TRUE(contains(out->summary, "constexpr")) << out->summary;
    EXPECT_TRUE(contains(out->summary, "'one'")) << out->summary;
}

// ptxas errors have no file:line: the summary still shows what the assembler said (issue 12,
// point 11: it said "see the compiler log", which the learner never sees).
TEST(Compile, AssemblerErrorsReachTheSummary) {
    std::string source = kVectorAdd;
    source.replace(source.find("extern \"C\" "), 0, "__device__ float big[40000];\n");
    const size_t body = source.find('{', source.find("vector_add")) + 1;
    source.insert(body, "\n    __shared__ float tile[40000]; tile[threadIdx.x] = 1.f; big[threadIdx.x] = tile[threadIdx.x + 1];\n");
    auto out = compile::compile(request(source), {});
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_FALSE(out->ok);
    EXPECT_TRUE(contains(out->summary, "too much shared data")) << out->summary << "\n" << out->log;
    EXPECT_FALSE(contains(out->summary, "compiler log")) << out->summary;
}

TEST(Compile, KernelWithoutExternCIsNamedInTheSummary) {
    std::string source = kVectorAdd;
    source.replace(source.find("extern \"C\" "), 11, "");
    auto out = compile::compile(request(source), {});
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_FALSE(out->ok);
    EXPECT_TRUE(contains(out->ptx, "_Z10vector_add")) << "the name should be mangled";
    EXPECT_TRUE(contains(out->summary, "`vector_add`")) << out->summary;
    EXPECT_TRUE(contains(out->summary, "extern \"C\"")) << out->summary;
    EXPECT_TRUE(contains(out->summary, "const float* a, const float* b, float* out, int n")) << out->summary;
    EXPECT_TRUE(out->launches.empty());
}

TEST(Compile, KernelWithAnotherNameIsNamedInTheSummary) {
    std::string source = kVectorAdd;
    source.replace(source.find("void vector_add("), 16, "void vec_add(");
    auto out = compile::compile(request(source), {});
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_FALSE(out->ok);
    EXPECT_TRUE(contains(out->ptx, ".entry vec_add"));
    EXPECT_TRUE(contains(out->summary, "`vector_add`")) << out->summary;
    EXPECT_TRUE(contains(out->summary, "tracks/x/kernel.cu")) << out->summary;
}

TEST(Compile, FailedCompileIsNotCached) {
    TempDir cache;
    std::string source = kVectorAdd;
    source.replace(source.find("extern \"C\" "), 11, "");
    auto out = compile::compile(request(source), cache.path());
    ASSERT_TRUE(out);
    EXPECT_FALSE(out->ok);
    EXPECT_FALSE(fs::exists(cache.path() / (out->key + ".cubin")));
    auto again = compile::compile(request(source), cache.path());
    ASSERT_TRUE(again);
    EXPECT_FALSE(again->ok);
    EXPECT_FALSE(again->cache_hit);
}

// ---- read_launches --------------------------------------------------------------------------

void expect_launch(const Launch& l, Dim3 grid, Dim3 block, uint32_t shared, Dim3 cluster = {1, 1, 1}) {
    EXPECT_EQ(l.grid.x, grid.x);
    EXPECT_EQ(l.grid.y, grid.y);
    EXPECT_EQ(l.grid.z, grid.z);
    EXPECT_EQ(l.block.x, block.x);
    EXPECT_EQ(l.block.y, block.y);
    EXPECT_EQ(l.block.z, block.z);
    EXPECT_EQ(l.shared_bytes, shared);
    EXPECT_EQ(l.cluster.x, cluster.x);
    EXPECT_EQ(l.cluster.y, cluster.y);
    EXPECT_EQ(l.cluster.z, cluster.z);
}

TEST(Compile, ReadLaunchesFillsOmittedTrailingZeroBytes) {
    // grid (1, 1, 1), block (256, 1, 1), shared 0, cluster (1, 1, 1): NVRTC stops at the last
    // non-zero byte, so cluster.z's three high bytes are not written.
    const std::string ptx =
        ".global .align 4 .b8 kc_launch_0[40] = {1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, "
        "0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1};\n";
    auto l = compile::read_launches(ptx, 1);
    ASSERT_TRUE(l) << l.error().message;
    ASSERT_EQ(l->size(), 1u);
    expect_launch((*l)[0], {1, 1, 1}, {256, 1, 1}, 0);
}

TEST(Compile, ReadLaunchesTreatsEveryOmittedByteAsZero) {
    // Only 14 of 40 bytes given: block.x = 256 and everything after it is zero, the cluster too.
    const std::string ptx =
        ".global .align 4 .b8 kc_launch_0[40] = {1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1};\n";
    auto l = compile::read_launches(ptx, 1);
    ASSERT_TRUE(l) << l.error().message;
    expect_launch((*l)[0], {1, 1, 1}, {256, 0, 0}, 0, {0, 0, 0});
}

TEST(Compile, ReadLaunchesReadsAnAllZeroSymbolSharedBytesAndACluster) {
    const std::string ptx =
        ".global .align 4 .b8 kc_launch_10[40] = {9};\n"
        ".global .align 4 .b8 kc_launch_1[40] = {0, 16, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 32, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, "
        "0, 0, 192, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1};\n"
        ".global .align 4 .b8 kc_launch_0[40];\n";
    auto l = compile::read_launches(ptx, 2);
    ASSERT_TRUE(l) << l.error().message;
    ASSERT_EQ(l->size(), 2u);
    expect_launch((*l)[0], {0, 0, 0}, {0, 0, 0}, 0, {0, 0, 0});
    expect_launch((*l)[1], {4096, 2, 3}, {32, 4, 1}, 49152, {2, 1, 1});
}

TEST(Compile, ReadLaunchesReportsAMissingSymbol) {
    const std::string ptx =
        ".global .align 4 .b8 kc_launch_0[40] = {1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1};\n";
    auto l = compile::read_launches(ptx, 2);
    ASSERT_FALSE(l);
    EXPECT_TRUE(contains(l.error().message, "kc_launch_1")) << l.error().message;
    auto none = compile::read_launches("// no geometry here\n", 1);
    ASSERT_FALSE(none);
    EXPECT_TRUE(contains(none.error().message, "kc_launch_0")) << none.error().message;
}

TEST(Compile, ReadLaunchesRejectsAWrongSize) {
    auto l = compile::read_launches(".global .align 4 .b8 kc_launch_0[24] = {1};\n", 1);
    ASSERT_FALSE(l);
    EXPECT_TRUE(contains(l.error().message, "24")) << l.error().message;
    // The layout before clusters (28 bytes), as a cache entry of an older kernelcoach holds it.
    auto old = compile::read_launches(".global .align 4 .b8 kc_launch_0[28] = {1, 0, 0, 0, 1};\n", 1);
    ASSERT_FALSE(old);
    EXPECT_TRUE(contains(old.error().message, "28")) << old.error().message;
}

TEST(Compile, GeometrySuffixDeclaresOneSymbolPerCase) {
    auto s = compile::geometry_suffix({"Problem{1}", "Problem{1000}"}, {"launch"});
    EXPECT_TRUE(contains(s, "#line 1 \"kernelcoach-geometry\"")) << s;
    EXPECT_TRUE(contains(s, "kc_launch_0 = launch(Problem{1});")) << s;
    EXPECT_TRUE(contains(s, "kc_launch_1 = launch(Problem{1000});")) << s;
}

// Several kernels: one launch per case and kernel, case-major; scratch sizes after them.
TEST(Compile, GeometrySuffixDeclaresEveryStepAndScratchOfEveryCase) {
    auto s = compile::geometry_suffix({"Problem{1}", "Problem{9}"}, {"launch_partial", "launch_final"},
                                      {"partial_elements"});
    EXPECT_TRUE(contains(s, "kc_launch_0 = launch_partial(Problem{1});")) << s;
    EXPECT_TRUE(contains(s, "kc_launch_1 = launch_final(Problem{1});")) << s;
    EXPECT_TRUE(contains(s, "kc_launch_2 = launch_partial(Problem{9});")) << s;
    EXPECT_TRUE(contains(s, "kc_launch_3 = launch_final(Problem{9});")) << s;
    EXPECT_TRUE(contains(s, "const long long kc_scratch_0 = partial_elements(Problem{1});")) << s;
    EXPECT_TRUE(contains(s, "const long long kc_scratch_1 = partial_elements(Problem{9});")) << s;
}

TEST(Compile, ReadsScratchSizesIncludingAnOmittedZero) {
    auto v = compile::read_scratch(".global .align 8 .u64 kc_scratch_0 = 4096;\n"
                                   ".global .align 8 .u64 kc_scratch_1;\n"
                                   ".global .align 8 .b64 kc_scratch_2 = -3;\n",
                                   3);
    ASSERT_TRUE(v) << v.error().message;
    EXPECT_EQ(*v, (std::vector<long long>{4096, 0, -3}));
    EXPECT_FALSE(compile::read_scratch(".global .align 8 .u64 kc_scratch_0 = 1;\n", 2));
}

// A module of two kernels compiles, with each kernel's launch and the scratch size read back
// from NVRTC's own PTX.
TEST(Compile, TwoKernelsWithTheirLaunchesAndScratch) {
    auto r = request(
        "#include \"kernelcoach.h\"\n"
        "constexpr long long partial_elements(Problem p) { return (p.n + 255) / 256; }\n"
        "constexpr Launch launch_part(Problem p) { return {{unsigned((p.n + 255) / 256)}, {256}}; }\n"
        "constexpr Launch launch_done(Problem) { return {{1}, {32}, 128}; }\n"
        "extern \"C\" __global__ void part(const float* a, float* partial, int n) {}\n"
        "extern \"C\" __global__ void done(const float* partial, float* out, int n) {}\n");
    r.kernels = {"part", "done"};
    r.params = {"const float* a, float* partial, int n", "const float* partial, float* out, int n"};
    r.launchers = {"launch_part", "launch_done"};
    r.scratch = {"partial_elements"};
    auto out = compile::compile(r, {});
    ASSERT_TRUE(out) << out.error().message;
    ASSERT_TRUE(out->ok) << out->summary << all_messages(*out);
    ASSERT_EQ(out->launches.size(), 3u);
    EXPECT_EQ(out->launches[2][0].grid.x, 262144u);
    EXPECT_EQ(out->launches[2][1].block.x, 32u);
    EXPECT_EQ(out->launches[2][1].shared_bytes, 128u);
    EXPECT_EQ(out->scratch[0], (std::vector<long long>{1}));
    EXPECT_EQ(out->scratch[2], (std::vector<long long>{262144}));
    // A missing second kernel is named, with its parameters.
    r.kernels = {"part", "finish"};
    auto missing = compile::compile(r, {});
    ASSERT_TRUE(missing);
    EXPECT_FALSE(missing->ok);
    EXPECT_TRUE(contains(missing->summary, "no kernel named `finish`")) << missing->summary;
    EXPECT_TRUE(contains(missing->summary, "const float* partial, float* out, int n")) << missing->summary;
}

// ---- parse_nvrtc_log ------------------------------------------------------------------------

TEST(Compile, ParsesAnErrorAndAWarning) {
    const std::string source =
        "#include \"kernelcoach.h\"\n"
        "extern \"C\" __global__ void vector_add(const float* a, const float* b, float* out, int n)\n"
        "{\n"
        "    const int i = blockIdx.x * blockDim.x + ;\n"
        "\tint unused;\n"
        "}\n";
    const std::string log =
        "kernel.cu(4): error: expected an expression\n"
        "      const int i = blockIdx.x * blockDim.x + ;\n" +
        std::string(2 + 44, ' ') + "^\n"  // under the ';' (index 44 of the source line)
        "\n"
        "kernel.cu(5): warning #177-D: variable \"unused\" was declared but never referenced\n"
        "  \tint unused;\n"
        "  \t    ^\n"
        "\n"
        "Remark: The warnings can be suppressed with \"-diag-suppress <warning-number>\"\n"
        "\n"
        "1 error detected in the compilation of \"kernel.cu\".\n";
    auto d = compile::parse_nvrtc_log(log, "kernel.cu", source);
    ASSERT_EQ(d.size(), 2u);
    EXPECT_EQ(d[0].file, "kernel.cu");
    EXPECT_EQ(d[0].line, 4);
    EXPECT_EQ(d[0].column, 45);  // the ';'
    EXPECT_EQ(d[0].severity, "error");
    EXPECT_EQ(d[0].message, "expected an expression");
    EXPECT_EQ(d[0].source_line, "    const int i = blockIdx.x * blockDim.x + ;");
    EXPECT_EQ(d[1].line, 5);
    EXPECT_EQ(d[1].column, 6);  // tab, then "int " : the 'u'
    EXPECT_EQ(d[1].severity, "warning");
    EXPECT_EQ(d[1].message, "variable \"unused\" was declared but never referenced");
    EXPECT_EQ(d[1].source_line, "\tint unused;");

    // The caret of a tab-indented line keeps the tab, so it lines up in a terminal.
    auto text = compile::format_diagnostic(d[1], "k.cu");
    EXPECT_EQ(text.rfind("k.cu:5:6: warning: variable", 0), 0u) << text;
    EXPECT_TRUE(contains(text, "| \t    ^")) << text;
}

TEST(Compile, ParsesOtherFilesAndCatastrophicErrors) {
    const std::string log =
        "kernelcoach-geometry(2): error: dynamic initialization is not supported for a __device__ variable\n"
        "\n"
        "kernelcoach.h(3): catastrophic error: something broke\n"
        "\n";
    auto d = compile::parse_nvrtc_log(log, "kernel.cu", "one line\n");
    ASSERT_EQ(d.size(), 2u);
    EXPECT_EQ(d[0].file, "kernelcoach-geometry");
    EXPECT_EQ(d[0].line, 2);
    EXPECT_EQ(d[0].column, 0);
    EXPECT_EQ(d[0].source_line, "");
    EXPECT_EQ(d[1].file, "kernelcoach.h");
    EXPECT_EQ(d[1].severity, "error");
    EXPECT_EQ(d[1].message, "something broke");
    // Without a column, the location is FILE:LINE.
    EXPECT_EQ(compile::format_diagnostic(d[0], "x.cu").rfind("x.cu:2: error: dynamic", 0), 0u);
}

TEST(Compile, ParsesAMultiLineErrorWithNotes) {
    // NVRTC's real log for an overload that does not match: a continuation line before the
    // echoed source, then notes (each with its own echoed line and caret) and no blank line
    // in between. The error's caret is the first one, under the 'f' of line 6.
    const std::string source =
        "#include \"kernelcoach.h\"\n"
        "void f(int* p) {}\n"
        "void f(float* p) {}\n"
        "extern \"C\" __global__ void vector_add(const float* a, const float* b, float* out, int n)\n"
        "{\n"
        "    f(a);\n"
        "}\n";
    const std::string log =
        "kernel.cu(6): error: no instance of overloaded function \"f\" matches the argument list\n"
        "            argument types are: (const float *)\n"
        "      f(a);\n"
        "      ^\n"
        "kernel.cu(3): note #3326-D: function \"f(float *)\" does not match because argument #1 does not match parameter\n"
        "  void f(float* p) {}\n"
        "       ^\n"
        "kernel.cu(2): note #3326-D: function \"f(int *)\" does not match because argument #1 does not match parameter\n"
        "  void f(int* p) {}\n"
        "       ^\n"
        "\n"
        "1 error detected in the compilation of \"kernel.cu\".\n";
    auto d = compile::parse_nvrtc_log(log, "kernel.cu", source);
    ASSERT_GE(d.size(), 1u);
    EXPECT_EQ(d[0].line, 6);
    EXPECT_EQ(d[0].severity, "error");
    EXPECT_EQ(d[0].source_line, "    f(a);");
    EXPECT_EQ(d[0].column, 5) << "the caret of the error, not of a later note";
    EXPECT_TRUE(contains(d[0].message, "argument types are: (const float *)")) << d[0].message;
    EXPECT_FALSE(contains(d[0].message, "f(a);")) << "the echoed source is not part of the message: " << d[0].message;
    EXPECT_FALSE(contains(d[0].message, "kernel.cu(3)")) << "a note is not part of the error's message: " << d[0].message;
}

// ---- architectures --------------------------------------------------------------------------

TEST(Compile, DefaultArchIsOneThisNvrtcSupports) {
    EXPECT_GE(compile::default_sm(70), 75);  // CUDA 13 dropped everything older than Turing
    EXPECT_EQ(compile::default_sm(90), 90);
    EXPECT_GE(compile::default_sm(80), 80);
    EXPECT_NE(compile::nvrtc_version(), "unknown");
}

}  // namespace
}  // namespace kc::test

namespace kc::test {
namespace {

TEST(Compile, UtilityKernelsCompileAndAreCached) {
    TempDir cache;
    auto cubin = compile::compile_internal(compile::utility_kernels_source(), "kernelcoach-utility.cu", 90,
                                           cache.path());
    ASSERT_TRUE(cubin) << cubin.error().message << "\n" << cubin.error().detail;
    EXPECT_FALSE(cubin->empty());
    size_t files = 0;
    for (auto& e : std::filesystem::directory_iterator(cache.path())) files += e.path().extension() == ".cubin";
    EXPECT_EQ(files, 1u);
    auto again = compile::compile_internal(compile::utility_kernels_source(), "kernelcoach-utility.cu", 90,
                                           cache.path());
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, *cubin);
    auto built = compile::run_nvrtc(compile::utility_kernels_source(), "u.cu", {}, compile::base_options(90));
    ASSERT_TRUE(built && built->ok) << (built ? built->log : built.error().message);
    for (const char* k : {"kc_fill_u32", "kc_fill_garbage", "kc_count_diff", "kc_scale", "kc_reverse_rows",
                          "kc_read_all", "kc_gelu_tanh", "kc_fill_pattern16"})
        EXPECT_NE(built->ptx.find(std::string(".entry ") + k), std::string::npos) << k;
    // The vendor's GELU pass uses the accurate tanhf (within 2 ulp), which layer-norm-gelu's bound
    // admits, not the hardware tanh.approx.f32 (2^-10.987 relative), which it does not.
    EXPECT_EQ(built->ptx.find("tanh.approx"), std::string::npos);
}

}  // namespace
}  // namespace kc::test
