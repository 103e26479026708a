// Issue 12 end to end, with the real binary on a copy of the fixture course and no GPU: a header
// beside kernel.cu from any working directory and never hidden by the cache; the compile
// deadline and the size cap; architectures this NVRTC lacks refused as usage errors, and what
// `info` says about them; a BOM, NUL bytes and an empty file.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "compile/compiler.h"
#include "course/course.h"
#include "engine/grader.h"
#include "support/cli.h"

namespace kc::test {
namespace {

namespace fs = std::filesystem;

class CompileCli : public ::testing::Test {
protected:
    void SetUp() override { copy_course(fixture_course(), dir.path()); }
    CliRun kc(const std::vector<std::string>& args, const fs::path& cwd = {}) const {
        return run_cli(args, cwd.empty() ? dir.path() : cwd);
    }
    fs::path module() const { return dir.path() / "tracks" / "fixtures" / "module-01-pass"; }
    void write_kernel(const std::string& text) const { write_text(module() / "kernel.cu", text); }
    TempDir dir;
};

// ---- point 1 ----------------------------------------------------------------------------

TEST_F(CompileCli, AHeaderBesideKernelCuWorksFromAnyFolderAndIsNeverHiddenByTheCache) {
    std::string kernel = read_text(module() / "kernel.cu");
    const std::string sum = "a[i] + b[i]";
    ASSERT_TRUE(contains(kernel, sum)) << kernel;
    kernel.replace(kernel.find(sum), sum.size(), "add(a[i], b[i])");
    write_kernel("#include \"helper.cuh\"\n" + kernel);
    write_text(module() / "helper.cuh", "inline float add(float x, float y) { return x + y; }\n");

    for (const fs::path& cwd : {module(), dir.path(), dir.path() / "tracks"}) {
        auto r = kc({"run", "fixtures/01", "--compile-only"}, cwd);
        EXPECT_EQ(r.exit_code, 3) << cwd << "\n" << show(r);
        EXPECT_TRUE(contains(r.out, "compiled for")) << cwd << "\n" << show(r);
    }
    write_text(module() / "helper.cuh", "inline float add(float x, float y) { return x + y }\n");
    auto broken = kc({"run", "fixtures/01", "--compile-only"}, module());
    EXPECT_EQ(broken.exit_code, 1) << show(broken);
    EXPECT_TRUE(contains(broken.out, "COMPILE_ERROR")) << show(broken);
    EXPECT_TRUE(contains(broken.out, "tracks/fixtures/module-01-pass/helper.cuh:1")) << show(broken);
    EXPECT_FALSE(contains(broken.out, "(cached)")) << show(broken);
}

// ---- point 3 ----------------------------------------------------------------------------

TEST_F(CompileCli, ACompilePastItsDeadlineIsTimedOutInCompileWords) {
    write_kernel(fixture_text("slow-compile.cu"));
    const auto start = std::chrono::steady_clock::now();
    auto r = kc({"run", "fixtures/01", "--compile-only", "--compile-timeout", "1"});
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(r.exit_code, 1) << show(r);
    EXPECT_TRUE(contains(r.out, "TIMED_OUT")) << show(r);
    EXPECT_TRUE(contains(r.out, "compiling did not finish within 1 s")) << show(r);
    EXPECT_FALSE(contains(r.out, "compiled for")) << show(r);
    EXPECT_LT(seconds, 15) << "a liveness bound: the deadline is 1 s";
    auto j = kc({"--json", "run", "fixtures/01", "--compile-only", "--compile-timeout", "1"});
    EXPECT_EQ(j.json().at("result").at("verdict"), "TIMED_OUT");
    EXPECT_EQ(j.json().at("result").at("compile").at("compiled"), false);
}

TEST_F(CompileCli, AKernelFileOverTheCapIsRefusedWithItsSize) {
    write_kernel(read_text(module() / "kernel.cu") + "// " + std::string(6'000'000, 'x') + "\n");
    auto r = kc({"run", "fixtures/01", "--compile-only"});
    EXPECT_EQ(r.exit_code, 1) << show(r);
    EXPECT_TRUE(contains(r.out, "COMPILE_ERROR")) << show(r);
    EXPECT_TRUE(contains(r.out, "kernel.cu is 6.0 MB")) << show(r);
}

// ---- point 5 ----------------------------------------------------------------------------

TEST_F(CompileCli, AnArchitectureThisNvrtcLacksIsAUsageErrorThatListsTheOthers) {
    const auto archs = compile::supported_archs();
    ASSERT_FALSE(archs.empty());
    const std::string older = std::to_string(archs.front() - 5);
    for (const auto& args : std::vector<std::vector<std::string>>{{"run", "fixtures/01", "--arch", "sm_" + older},
                                                                   {"check", "--all", "--arch", older}}) {
        auto r = kc(args);
        EXPECT_EQ(r.exit_code, 2) << show(r);
        EXPECT_TRUE(contains(r.err, "cannot compile for sm_" + older)) << show(r);
        EXPECT_TRUE(contains(r.err, compile::archs_text(archs))) << show(r);
        EXPECT_FALSE(contains(r.err + r.out, "NVRTC_ERROR")) << show(r);
        EXPECT_FALSE(contains(r.out, "module(s)")) << show(r);
    }
    auto ok = kc({"run", "fixtures/01", "--arch", std::to_string(archs.front())});
    EXPECT_EQ(ok.exit_code, 3) << show(ok);
}

TEST_F(CompileCli, InfoSaysWhichArchitecturesThisToolkitBuilds) {
    const auto archs = compile::supported_archs();
    auto j = kc({"--json", "info", "fixtures/01"});
    ASSERT_EQ(j.exit_code, 0) << show(j);
    EXPECT_EQ(j.json().at("min_sm"), 70);
    EXPECT_EQ(j.json().at("min_sm_here"), compile::default_sm(70));
    auto t = kc({"info", "fixtures/01"});
    if (compile::default_sm(70) != 70)
        EXPECT_TRUE(contains(t.out, "needs: sm_70 or newer; NVRTC " + compile::nvrtc_version() + " here builds " +
                                        compile::archs_text(archs) + ", so: sm_" +
                                        std::to_string(compile::default_sm(70)) + " or newer"))
            << show(t);
    else
        EXPECT_TRUE(contains(t.out, "needs: sm_70 or newer\n")) << show(t);
    auto all = kc({"--json", "info"});
    EXPECT_EQ(all.json().at("nvrtc_archs"), nlohmann::json(archs));
    EXPECT_TRUE(contains(kc({"info"}).out, "(builds " + compile::archs_text(archs) + ")"));
}

TEST_F(CompileCli, AGpuThisNvrtcCannotBuildForIsSkippedWithoutCompiling) {
    // The probe worker is a script that reports a GPU older than this NVRTC builds for.
    const int older = compile::supported_archs().front() - 5;
    const fs::path probe = dir.path() / "probe.sh";
    write_text(probe, "#!/bin/sh\necho '{\"event\":\"device\",\"name\":\"Old GPU\",\"sm\":" + std::to_string(older) +
                          "}' >&3\n");
    fs::permissions(probe, fs::perms::owner_all);
    auto course = course::load_course(dir.path());
    ASSERT_TRUE(course) << course.error().message;
    auto m = course->resolve("fixtures/01");
    ASSERT_TRUE(m) << m.error().message;
    engine::Grader grader(*course, engine::Options{.fresh_probe = true, .worker_exe = probe});
    ASSERT_TRUE(grader.device().available) << grader.device().reason;
    auto g = grader.grade(**m, (*m)->kernel_path());
    ASSERT_TRUE(g) << g.error().message;
    EXPECT_EQ(g->verdict, grade::Verdict::Skipped);
    EXPECT_FALSE(g->compiled);
    EXPECT_TRUE(contains(g->summary, "not compiled: NVRTC " + compile::nvrtc_version() + " cannot compile for sm_" +
                                         std::to_string(older)))
        << g->summary;
}

// ---- point 6 ----------------------------------------------------------------------------

TEST_F(CompileCli, ABomIsIgnoredAndNulBytesAndEmptyFilesAreNamed) {
    const std::string kernel = read_text(module() / "kernel.cu");
    write_kernel("\xEF\xBB\xBF" + kernel);
    auto bom = kc({"run", "fixtures/01", "--compile-only"});
    EXPECT_EQ(bom.exit_code, 3) << show(bom);

    write_kernel(std::string("// \0 a NUL\n", 11) + kernel);
    auto nul = kc({"run", "fixtures/01", "--compile-only"});
    EXPECT_EQ(nul.exit_code, 1) << show(nul);
    EXPECT_TRUE(contains(nul.out, "tracks/fixtures/module-01-pass/kernel.cu:1:4: error: a NUL byte")) << show(nul);
    EXPECT_FALSE(contains(nul.out, "no kernel named")) << show(nul);

    write_kernel("");
    auto empty = kc({"run", "fixtures/01", "--compile-only"});
    EXPECT_EQ(empty.exit_code, 1) << show(empty);
    EXPECT_TRUE(contains(empty.out, "kernel.cu is empty")) << show(empty);
    EXPECT_FALSE(contains(empty.out, "launch()")) << show(empty);
}

}  // namespace
}  // namespace kc::test
