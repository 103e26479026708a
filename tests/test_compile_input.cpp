// What reaches NVRTC and what a compile depends on (issue 12): the bytes of kernel.cu (a BOM,
// NUL and bytes that are not UTF-8, an empty file, a file too large), the learner's own headers
// (resolved from kernel.cu's folder, and part of the cache key) and the architectures this NVRTC
// builds. Real NVRTC compiles; no GPU.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "compile/compiler.h"
#include "compile/includes.h"
#include "compile/source_text.h"
#include "support/cli.h"
#include "support/compile_request.h"

namespace kc::test {
namespace {

namespace fs = std::filesystem;

// A correct vector add whose addition comes from `include` (a line), with `comment` on line 1.
std::string vector_add(const std::string& include = "", const std::string& comment = "// vector add") {
    return comment + "\n#include \"kernelcoach.h\"\n" + include +
           "\n"
           "extern \"C\" __global__ void vector_add(const float* a, const float* b, float* out, int n) {\n"
           "    const int i = blockIdx.x * blockDim.x + threadIdx.x;\n"
           "    if (i < n) out[i] = ADD(a[i], b[i]);\n"
           "}\n"
           "constexpr Launch launch(Problem p) { return Launch{.grid = {unsigned((p.n + 255) / 256)}, .block = {256u}}; }\n";
}

const std::string kPlainAdd = "#define ADD(x, y) ((x) + (y))";

// ---- point 6: invisible bytes -----------------------------------------------------------

TEST(CompileInput, StripsAUtf8ByteOrderMarkOnly) {
    EXPECT_EQ(compile::strip_bom("\xEF\xBB\xBF// hi\n"), "// hi\n");
    EXPECT_EQ(compile::strip_bom("// hi\n"), "// hi\n");
    EXPECT_EQ(compile::strip_bom("\xEF\xBB"), "\xEF\xBB");
}

TEST(CompileInput, FindsNulAndNonUtf8BytesWithLineAndColumn) {
    EXPECT_FALSE(compile::find_bad_byte("int x;\n// caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\n"));
    auto nul = compile::find_bad_byte(std::string("a\nbc\n  x\0y\n", 11));
    ASSERT_TRUE(nul);
    EXPECT_EQ(nul->line, 3);
    EXPECT_EQ(nul->column, 4);
    EXPECT_EQ(nul->byte, 0);
    EXPECT_EQ(nul->line_text, "  x?y");
    // Characters, not bytes, before it: "é" is one column.
    auto ff = compile::find_bad_byte("// caf\xC3\xA9 \xFF!\nnext");
    ASSERT_TRUE(ff);
    EXPECT_EQ(ff->line, 1);
    EXPECT_EQ(ff->column, 9);
    EXPECT_EQ(ff->byte, 0xFF);
    EXPECT_EQ(ff->line_text, "// caf\xC3\xA9 ?!");
    // Latin-1, a cut sequence, an overlong form, a surrogate.
    for (const char* bad : {"caf\xE9", "\xE2\x82", "\xC0\x80", "\xED\xA0\x80"}) EXPECT_TRUE(compile::find_bad_byte(bad)) << bad;
    EXPECT_TRUE(contains(compile::describe(*nul), "NUL"));
    EXPECT_TRUE(contains(compile::describe(*ff), "0xFF"));
}

TEST(CompileInput, AByteOrderMarkedKernelCompiles) {
    auto out = compile::compile(vector_add_request("\xEF\xBB\xBF" + vector_add(kPlainAdd)), {});
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_TRUE(out->ok) << out->summary << "\n" << out->log;
}

TEST(CompileInput, ANulOrFFByteInACommentIsRefusedWhereItIs) {
    for (char bad : {'\0', '\xFF'}) {
        const std::string source = vector_add(kPlainAdd, std::string("// a comment ") + bad + " here");
        auto out = compile::compile(vector_add_request(source), {});
        ASSERT_TRUE(out) << out.error().message;
        EXPECT_FALSE(out->ok);
        ASSERT_EQ(out->diagnostics.size(), 1u);
        EXPECT_EQ(out->diagnostics[0].line, 1);
        EXPECT_EQ(out->diagnostics[0].column, 14);
        EXPECT_EQ(out->diagnostics[0].source_line, "// a comment ? here");
        EXPECT_TRUE(contains(out->summary, "tracks/x/module-01-y/kernel.cu:1:14")) << out->summary;
        EXPECT_FALSE(contains(out->summary, "not declared")) << out->summary;
        EXPECT_TRUE(out->log.empty()) << "NVRTC is not run: " << out->log;
    }
}

TEST(CompileInput, AnEmptyFileSaysSo) {
    for (const char* empty : {"", "\n\n  \t\n", "\xEF\xBB\xBF"}) {
        auto out = compile::compile(vector_add_request(empty), {});
        ASSERT_TRUE(out) << out.error().message;
        EXPECT_FALSE(out->ok);
        EXPECT_TRUE(contains(out->summary, "kernel.cu is empty")) << out->summary;
        EXPECT_FALSE(contains(out->summary, "launch()")) << out->summary;
    }
}

// ---- point 3: size cap (the deadline is in test_compile_child.cpp) ---------------------

TEST(CompileInput, AFileOverTheSizeCapIsRefusedBeforeNvrtc) {
    std::string source = vector_add(kPlainAdd);
    source += "// " + std::string(2 * compile::kMaxSourceBytes, 'x') + "\n";
    const auto start = std::chrono::steady_clock::now();
    auto out = compile::compile(vector_add_request(source), {});
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_FALSE(out->ok);
    EXPECT_TRUE(contains(out->summary, "kernel.cu is 2.1 MB")) << out->summary;
    EXPECT_TRUE(contains(out->summary, "more than the 1048576 bytes kernelcoach compiles")) << out->summary;
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 5.0);
}

// ---- point 1: the learner's headers --------------------------------------------------------

TEST(CompileInput, LocalIncludesFollowsQuotedIncludesFromEachFilesFolder) {
    TempDir dir;
    write_text(dir.path() / "helper.cuh", "#include \"sub/inner.cuh\"\n#include <cuda_fp16.h>\n");
    write_text(dir.path() / "sub" / "inner.cuh", "#include \"leaf.cuh\"\n#include \"helper.cuh\"\n");
    write_text(dir.path() / "sub" / "leaf.cuh", "// leaf\n");
    const std::string text = "#include \"kernelcoach.h\"\n#include \"helper.cuh\"\n#include \"missing.cuh\"\n";
    auto inc = compile::local_includes(text, dir.path(), {"kernelcoach.h"}, {});
    EXPECT_TRUE(inc.complete);
    std::vector<std::string> names;
    for (const auto& f : inc.files) names.push_back(f.path.lexically_relative(dir.path()).generic_string());
    std::sort(names.begin(), names.end());
    // sub/inner.cuh's "helper.cuh" is looked for in sub/, where there is none.
    EXPECT_EQ(names, (std::vector<std::string>{"helper.cuh", "sub/inner.cuh", "sub/leaf.cuh"}));
}

TEST(CompileInput, LocalIncludesLeavesTheToolkitAndMacroIncludesAreIncomplete) {
    TempDir dir, toolkit;
    write_text(toolkit.path() / "t.h", "#include \"u.h\"\n");
    write_text(toolkit.path() / "u.h", "\n");
    auto inc = compile::local_includes("#include \"" + (toolkit.path() / "t.h").string() + "\"\n", dir.path(), {},
                                       {toolkit.path()});
    EXPECT_TRUE(inc.files.empty());
    EXPECT_TRUE(inc.complete);
    auto macro = compile::local_includes("#define H \"x.cuh\"\n#include H\n", dir.path(), {}, {});
    EXPECT_FALSE(macro.complete);
    write_text(dir.path() / "opt.cuh", "\n");
    auto has = compile::local_includes("#if __has_include(\"opt.cuh\")\n#endif\n", dir.path(), {}, {});
    ASSERT_EQ(has.files.size(), 1u);
}

// A module folder in a TempDir, with kernel.cu including helper.cuh beside it.
struct HelperModule {
    TempDir dir;
    fs::path kernel = dir.path() / "module" / "kernel.cu";
    fs::path helper = dir.path() / "module" / "helper.cuh";
    HelperModule() {
        write_text(kernel, vector_add("#include \"helper.cuh\""));
        write_text(helper, "#define ADD(x, y) ((x) + (y))\n");
    }
};

TEST(CompileInput, AHeaderBesideKernelCuResolvesFromItsFolderNotTheWorkingDirectory) {
    HelperModule m;
    ASSERT_NE(fs::current_path(), m.kernel.parent_path());
    auto out = compile::compile(vector_add_request(read_text(m.kernel), m.kernel), {});
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_TRUE(out->ok) << out->summary << "\n" << out->log;
}

TEST(CompileInput, ABrokenHeaderIsNotHiddenByTheCache) {
    HelperModule m;
    TempDir cache;
    auto first = compile::compile(vector_add_request(read_text(m.kernel), m.kernel), cache.path());
    ASSERT_TRUE(first && first->ok) << (first ? first->summary + first->log : first.error().message);
    auto again = compile::compile(vector_add_request(read_text(m.kernel), m.kernel), cache.path());
    ASSERT_TRUE(again && again->ok);
    EXPECT_TRUE(again->cache_hit);

    write_text(m.helper, "#define ADD(x, y) ((x) + (y))\nbroken here\n");
    auto broken = compile::compile(vector_add_request(read_text(m.kernel), m.kernel), cache.path());
    ASSERT_TRUE(broken) << broken.error().message;
    EXPECT_FALSE(broken->cache_hit);
    EXPECT_FALSE(broken->ok);
    EXPECT_NE(broken->key, first->key);
    // The header is named as the learner sees it, beside kernel.cu.
    EXPECT_TRUE(contains(broken->summary, "tracks/x/module-01-y/helper.cuh:2")) << broken->summary;
}

TEST(CompileInput, AMacroIncludeIsCompiledEveryTime) {
    TempDir dir;
    const fs::path kernel = dir.path() / "kernel.cu";
    write_text(kernel, vector_add("#define HELPER \"helper.cuh\"\n#include HELPER"));
    write_text(dir.path() / "helper.cuh", kPlainAdd + "\n");
    TempDir cache;
    auto first = compile::compile(vector_add_request(read_text(kernel), kernel), cache.path());
    ASSERT_TRUE(first && first->ok) << (first ? first->summary + first->log : first.error().message);
    auto again = compile::compile(vector_add_request(read_text(kernel), kernel), cache.path());
    ASSERT_TRUE(again && again->ok);
    EXPECT_FALSE(again->cache_hit);
    EXPECT_EQ(again->key, first->key) << "the same bytes: the same name for the cubin";
}

// ---- point 5: architectures -------------------------------------------------------------

TEST(CompileInput, ArchitecturesAreThoseThisNvrtcBuilds) {
    const auto archs = compile::supported_archs();
    ASSERT_FALSE(archs.empty());
    EXPECT_TRUE(std::is_sorted(archs.begin(), archs.end()));
    for (int a : archs) EXPECT_TRUE(compile::check_arch(a)) << a;
    const int older = archs.front() - 5;
    auto refused = compile::check_arch(older);
    ASSERT_FALSE(refused);
    EXPECT_TRUE(contains(refused.error().message, "cannot compile for sm_" + std::to_string(older)))
        << refused.error().message;
    EXPECT_TRUE(contains(refused.error().message, compile::archs_text(archs))) << refused.error().message;
    EXPECT_TRUE(contains(refused.error().message, "older CUDA Toolkit")) << refused.error().message;
    EXPECT_EQ(compile::default_sm(0), archs.front());
}

TEST(CompileInput, CompilingForAnArchitectureNvrtcLacksIsAClearError) {
    auto req = vector_add_request(vector_add(kPlainAdd));
    req.sm = compile::supported_archs().front() - 5;
    auto out = compile::compile(req, {});
    ASSERT_FALSE(out);
    EXPECT_TRUE(contains(out.error().message, "cannot compile for")) << out.error().message;
    EXPECT_FALSE(contains(out.error().message, "INVALID_OPTION")) << out.error().message;
}

}  // namespace
}  // namespace kc::test
