// `kernelcoach bench <id> --examples` and `--plot` (issue 14) end to end on a copy of the fixture
// course without a GPU: fixtures/09's examples/ (two that compile, one that does not) as a table,
// as JSON and as an SVG chart; the usage errors; and dev check grading the examples.
#include <gtest/gtest.h>

#include <map>

#include "support/cli.h"
#include "support/xml_check.h"

namespace kc::test {
namespace {

namespace fs = std::filesystem;

class ExamplesCli : public ::testing::Test {
protected:
    void SetUp() override { copy_course(fixture_course(), dir.path()); }
    CliRun kc(const std::vector<std::string>& args) const { return run_cli(args, dir.path()); }
    // With a GPU the examples run: the GPU tests and the lead's check cover that.
    bool gpu_here(const CliRun& r) const { return contains(r.out, "PASSED"); }
    fs::path module() const { return dir.path() / "tracks/fixtures/module-09-speed-gate"; }
    TempDir dir;
};

TEST_F(ExamplesCli, EveryExampleIsARowAndACompileErrorDoesNotStopTheTable) {
    auto r = kc({"bench", "fixtures/09", "--examples"});
    if (gpu_here(r)) GTEST_SKIP() << "a GPU is here";
    // 03 does not compile: a course bug, so exit 1 even without a GPU.
    EXPECT_EQ(r.exit_code, 1) << show(r);
    EXPECT_TRUE(contains(r.out, "3 worked examples in tracks/fixtures/module-09-speed-gate/examples")) << show(r);
    EXPECT_TRUE(contains(r.out, "01 one-per-thread    SKIPPED")) << show(r);
    EXPECT_TRUE(contains(r.out, "02 grid-stride       SKIPPED")) << show(r);
    EXPECT_TRUE(contains(r.out, "03 does-not-compile  COMPILE_ERROR examples/03-does-not-compile.cu:9:")) << show(r);
    EXPECT_TRUE(contains(r.out, "identifier \"idx\" is undefined")) << show(r);
    // The chart in text, under the table.
    EXPECT_TRUE(contains(r.out, "% of light\n")) << show(r);
    EXPECT_FALSE(fs::exists(dir.path() / ".kernelcoach" / "progress.json"));
}

TEST_F(ExamplesCli, JsonGivesTheRows) {
    auto r = kc({"--json", "bench", "fixtures/09", "--examples", "--mine"});
    if (gpu_here(r)) GTEST_SKIP() << "a GPU is here";
    EXPECT_EQ(r.exit_code, 1) << show(r);
    const auto j = r.json();
    const auto& ladder = j.at("ladder");
    EXPECT_EQ(ladder.at("module"), "fixtures/09");
    EXPECT_EQ(ladder.at("exit_code"), 1);
    const auto& rows = ladder.at("rows");
    ASSERT_EQ(rows.size(), 4u) << j.dump(2);
    EXPECT_EQ(rows[0].at("step"), "01 one-per-thread");
    EXPECT_EQ(rows[0].at("file"), "examples/01-one-per-thread.cu");
    EXPECT_EQ(rows[0].at("verdict"), "SKIPPED");
    EXPECT_FALSE(rows[0].at("timed").get<bool>());
    EXPECT_TRUE(rows[1].at("vs_previous").is_null());
    EXPECT_EQ(rows[2].at("verdict"), "COMPILE_ERROR");
    EXPECT_TRUE(contains(rows[2].at("reason").get<std::string>(), "examples/03-does-not-compile.cu:9:"));
    // --mine: the learner's kernel last, which does not count for the exit code.
    EXPECT_EQ(rows[3].at("step"), "yours");
    EXPECT_EQ(rows[3].at("file"), "kernel.cu");
    EXPECT_TRUE(rows[3].at("mine").get<bool>());
}

TEST_F(ExamplesCli, OnlyCompilingExamplesExitAsNotRun) {
    fs::remove(module() / "examples/03-does-not-compile.cu");
    auto r = kc({"bench", "fixtures/09", "--examples"});
    if (gpu_here(r)) GTEST_SKIP() << "a GPU is here";
    EXPECT_EQ(r.exit_code, 3) << show(r);
}

TEST_F(ExamplesCli, PlotWritesAnSvgOfTheLadder) {
    const fs::path svg = dir.path() / "charts" / "ladder.svg";
    auto r = kc({"bench", "fixtures/09", "--examples", "--plot", svg.string()});
    if (gpu_here(r)) GTEST_SKIP() << "a GPU is here";
    EXPECT_EQ(r.exit_code, 1) << show(r);
    EXPECT_TRUE(contains(r.out, "chart written to " + svg.string())) << show(r);
    const auto text = read_text(svg);
    EXPECT_EQ(xml_problem(text), "") << text;
    for (const char* s : {"<svg", "01 one-per-thread", "02 grid-stride", "03 does-not-compile", "SKIPPED", "COMPILE_ERROR"})
        EXPECT_TRUE(contains(text, s)) << s;
}

TEST_F(ExamplesCli, PlotWritesAnSvgOfTheSweep) {
    const fs::path svg = dir.path() / "sweep.svg";
    auto r = kc({"--json", "bench", "fixtures/09", "--sizes", "--plot", svg.string()});
    if (r.exit_code == 0) GTEST_SKIP() << "a GPU is here";
    EXPECT_EQ(r.exit_code, 3) << show(r);
    EXPECT_EQ(r.json().at("plot"), svg.string());
    const auto text = read_text(svg);
    EXPECT_EQ(xml_problem(text), "") << text;
    for (const char* s : {"<svg", "yours", "cuBLAS", "GB/s", "bytes moved (log scale)"}) EXPECT_TRUE(contains(text, s)) << s;
}

TEST_F(ExamplesCli, AModuleWithoutExamplesIsAUsageError) {
    auto r = kc({"bench", "fixtures/01", "--examples"});
    EXPECT_EQ(r.exit_code, 2) << show(r);
    EXPECT_TRUE(contains(r.err, "fixtures/01 has no examples/ folder")) << show(r);
}

TEST_F(ExamplesCli, OptionsThatDoNotGoTogetherAreRefused) {
    const auto kernel = (module() / "kernel.cu").string();
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"bench", "fixtures/09", "--examples", "--file", kernel},
             {"bench", "fixtures/09", "--examples", "--sizes"},
             {"bench", "fixtures/09", "--examples", "--ncu"},
             {"bench", "fixtures/09", "--mine"},
             {"bench", "fixtures/09", "--plot", (dir.path() / "x.svg").string()},
             {"bench", "fixtures/15", "--sizes", "--plot", (dir.path() / "x.svg").string()}}) {
        auto r = kc(args);
        EXPECT_EQ(r.exit_code, 2) << args.back() << "\n" << show(r);
        EXPECT_FALSE(fs::exists(dir.path() / "x.svg"));
    }
    auto r = kc({"bench", "fixtures/09", "--examples", "--file", kernel});
    EXPECT_TRUE(contains(r.err, "--examples benchmarks the module's examples/ folder, not --file")) << show(r);
}

// The fixture module is no complete course module (no hints.md, no solution/): only the
// examples' checks and the stray-file check's word on examples/ are looked at here.
TEST_F(ExamplesCli, DevCheckCompilesEveryExampleAndExpectsItToPass) {
    auto check = [&] {
        auto r = kc({"--json", "dev", "check", "fixtures/09", "--compile-only"});
        EXPECT_EQ(r.exit_code, 1) << show(r);
        std::map<std::string, std::pair<std::string, std::string>> out;  // check -> status, detail
        const auto j = r.json();  // alive through the loop (a temporary's member would not be)
        for (const auto& c : j.at("checks"))
            out[c.at("check").get<std::string>()] = {c.at("status").get<std::string>(), c.at("detail").get<std::string>()};
        return out;
    };
    auto c = check();
    // The two that compile cannot run here; the one that does not compile is a course bug.
    EXPECT_EQ(c["example examples/01-one-per-thread.cu"].first, "skipped");
    EXPECT_EQ(c["example examples/02-grid-stride.cu"].first, "skipped");
    EXPECT_EQ(c["example examples/03-does-not-compile.cu"].first, "FAIL");
    // The examples are module files, not strays; anything else in examples/ is one.
    EXPECT_FALSE(contains(c["files"].second, "examples/")) << c["files"].second;
    write_text(module() / "examples/notes.txt", "x\n");
    fs::remove(module() / "examples/03-does-not-compile.cu");
    c = check();
    EXPECT_TRUE(contains(c["files"].second, "examples/notes.txt")) << c["files"].second;
    EXPECT_EQ(c.count("example examples/03-does-not-compile.cu"), 0u);
    EXPECT_EQ(c["example examples/02-grid-stride.cu"].first, "skipped");
}

}  // namespace
}  // namespace kc::test
