// bench --examples (issue 14): a module's worked examples found and named (course/examples),
// their rows made from grades, linked step to step, charted, and the exit code they give.
#include <gtest/gtest.h>

#include "course/examples.h"
#include "report/ladder.h"
#include "support/cli.h"

namespace kc::test {
namespace {

namespace fs = std::filesystem;
using grade::Verdict;
using report::LadderRow;

TEST(Ladder, StepNamesComeFromFileNames) {
    EXPECT_EQ(course::step_name("03-smem-tile.cu"), "03 smem-tile");
    EXPECT_EQ(course::step_name("10_warp_shuffle.cu"), "10 warp_shuffle");
    EXPECT_EQ(course::step_name("naive.cu"), "naive");
    EXPECT_EQ(course::step_name("07.cu"), "07");
    EXPECT_EQ(course::step_name("02-.cu"), "02");
}

class LadderFolder : public ::testing::Test {
protected:
    course::Module module(const std::string& part = {}) const {
        course::Module m;
        m.id = part.empty() ? "fixtures/09" : "fixtures/15/" + part;
        m.part = part;
        m.dir = dir.path();
        m.rel_dir = "tracks/fixtures/module-09-speed-gate";
        return m;
    }
    TempDir dir;
};

TEST_F(LadderFolder, ExamplesAreTheFoldersCuFilesInNameOrder) {
    for (const char* f : {"examples/10-last.cu", "examples/02-second.cu", "examples/01-first.cu", "examples/notes.md",
                          "examples/sub/09-nested.cu"})
        write_text(dir.path() / f, "//\n");
    auto ex = course::examples(module());
    ASSERT_TRUE(ex) << ex.error().message;
    ASSERT_EQ(ex->size(), 3u);
    EXPECT_EQ((*ex)[0].step, "01 first");
    EXPECT_EQ((*ex)[0].rel, "examples/01-first.cu");
    EXPECT_EQ((*ex)[0].path, dir.path() / "examples/01-first.cu");
    EXPECT_EQ((*ex)[2].rel, "examples/10-last.cu");
    EXPECT_TRUE(course::has_examples(module()));
}

TEST_F(LadderFolder, APartsExamplesLiveInItsOwnFolder) {
    write_text(dir.path() / "examples/add/01-plain.cu", "//\n");
    EXPECT_EQ(course::examples_rel_dir(module("add")), "examples/add");
    auto add = course::examples(module("add"));
    ASSERT_TRUE(add);
    EXPECT_EQ(add->front().rel, "examples/add/01-plain.cu");
    auto convert = course::examples(module("convert"));
    ASSERT_FALSE(convert);
    EXPECT_NE(convert.error().message.find("has no examples/convert/ folder"), std::string::npos) << convert.error().message;
}

TEST_F(LadderFolder, NoFolderOrAnEmptyOneIsAnError) {
    auto none = course::examples(module());
    ASSERT_FALSE(none);
    EXPECT_NE(none.error().message.find("fixtures/09 has no examples/ folder"), std::string::npos);
    EXPECT_FALSE(course::has_examples(module()));
    write_text(dir.path() / "examples/README.md", "later\n");
    auto empty = course::examples(module());
    ASSERT_FALSE(empty);
    EXPECT_NE(empty.error().message.find("holds no .cu file"), std::string::npos);
}

LadderRow timed_row(const std::string& step, double ms) {
    LadderRow r;
    r.step = step;
    r.verdict = Verdict::Passed;
    r.timed = true;
    r.ms = ms;
    r.speed.percent_of_light = 10 / ms;
    r.speed.vendor_ratio = 1 / ms;
    r.speed.vendor_percent_of_light = 11;
    r.vendor = "cuBLAS";
    return r;
}

LadderRow failed_row(const std::string& step, Verdict v) {
    LadderRow r;
    r.step = step;
    r.verdict = v;
    r.reason = "why";
    return r;
}

TEST(Ladder, EachStepIsComparedWithTheOneAbove) {
    std::vector<LadderRow> rows = {timed_row("01 a", 4), timed_row("02 b", 2), failed_row("03 c", Verdict::Wrong),
                                   timed_row("04 d", 1), timed_row("05 e", 2)};
    report::link_steps(rows);
    EXPECT_FALSE(rows[0].vs_previous);  // the first has nothing above
    ASSERT_TRUE(rows[1].vs_previous);
    EXPECT_DOUBLE_EQ(*rows[1].vs_previous, 2.0);  // twice as fast
    EXPECT_FALSE(rows[2].vs_previous);  // not timed
    EXPECT_FALSE(rows[3].vs_previous);  // the one above was not timed
    ASSERT_TRUE(rows[4].vs_previous);
    EXPECT_DOUBLE_EQ(*rows[4].vs_previous, 0.5);  // slower than the step above
}

TEST(Ladder, TheExitCodeCountsTheExamplesNotTheLearnersKernel) {
    EXPECT_EQ(report::ladder_exit_code({timed_row("01", 1), timed_row("02", 1)}), 0);
    EXPECT_EQ(report::ladder_exit_code({timed_row("01", 1), failed_row("02", Verdict::CompileError)}), 1);
    EXPECT_EQ(report::ladder_exit_code({failed_row("01", Verdict::Skipped), failed_row("02", Verdict::Skipped)}), 3);
    // A failure wins over a skip: a course bug is a bug with or without a GPU.
    EXPECT_EQ(report::ladder_exit_code({failed_row("01", Verdict::Skipped), failed_row("02", Verdict::TooSlow)}), 1);
    auto mine = failed_row("yours", Verdict::Wrong);
    mine.mine = true;
    EXPECT_EQ(report::ladder_exit_code({timed_row("01", 1), mine}), 0);
}

TEST(Ladder, ACompileErrorsReasonIsItsFirstErrorInTheExamplesFile) {
    engine::Grade g;
    g.verdict = Verdict::CompileError;
    g.summary = "does not compile: 1 error\nsee above";
    g.diagnostics = {{"kernel.cu", 4, 2, "warning", "unused", ""},
                     {"kernel.cu", 9, 26, "error", "identifier \"idx\" is undefined\n  more", ""},
                     {"kernel.cu", 12, 1, "error", "later", ""}};
    EXPECT_EQ(report::one_line_reason(g, "examples/03-x.cu"), "examples/03-x.cu:9:26: error: identifier \"idx\" is undefined");
    g.diagnostics = {{"kernelcoach-geometry", 1, 5, "error", "launch() is not constexpr", ""}};
    EXPECT_EQ(report::one_line_reason(g, "examples/03-x.cu"), "kernelcoach-geometry:1:5: error: launch() is not constexpr");
    g.diagnostics.clear();
    EXPECT_EQ(report::one_line_reason(g, "examples/03-x.cu"), "does not compile: 1 error");
    g.verdict = Verdict::Wrong;
    g.summary = "out[7] is wrong";
    EXPECT_EQ(report::one_line_reason(g, "examples/03-x.cu"), "out[7] is wrong");
}

// A grade of fixtures/09 made by hand: a device, a kernel and a timing of its timed case.
class LadderRows : public ::testing::Test {
protected:
    void SetUp() override {
        copy_course(fixture_course(), dir.path());
        auto loaded = course::load_course(dir.path());
        ASSERT_TRUE(loaded) << loaded.error().message;
        course = std::move(*loaded);
        auto m = course.resolve("fixtures/09");
        ASSERT_TRUE(m);
        module = *m;
    }
    engine::Grade passed(double kernel_ms, double vendor_ms) const {
        engine::Grade g;
        g.module_id = "fixtures/09";
        g.verdict = Verdict::Passed;
        g.device = wire::Device{};
        g.device->name = "Test GPU";
        g.device->sm = 90;
        g.device->sm_count = 132;
        g.device->peak_gbps = 4800;
        g.device->peak_fp32_tflops = 60;
        g.kernel = wire::KernelInfo{16, 1024, 128, 0};
        engine::CaseGeometry geo;
        geo.name = "large";
        geo.launch.block = {256, 1, 1};
        geo.launch.grid = {131072, 1, 1};
        geo.launch.shared_bytes = 64;
        g.geometry = {geo};
        wire::Timing t;
        t.case_name = "large";
        t.kernel_ms = kernel_ms;
        t.vendor_ms = vendor_ms;
        g.timings = {t};
        g.timing = t;
        return g;
    }
    TempDir dir;
    course::Course course;
    const course::Module* module = nullptr;
};

TEST_F(LadderRows, APassingExampleIsTimedOnTheTimedCase) {
    const auto g = passed(0.5, 0.25);
    auto r = report::ladder_row("01 one-per-thread", "examples/01-one-per-thread.cu", g, *module);
    EXPECT_EQ(r.verdict, Verdict::Passed);
    EXPECT_TRUE(r.reason.empty());
    ASSERT_TRUE(r.timed);
    EXPECT_EQ(r.case_name, "large");
    EXPECT_EQ(r.sizes, "n=33554432");
    EXPECT_DOUBLE_EQ(r.ms, 0.5);
    EXPECT_DOUBLE_EQ(r.speed.vendor_ratio, 0.5);
    // 12 bytes per element of 2^25 in 0.5 ms.
    EXPECT_NEAR(r.speed.gbps, 12.0 * 33554432 / 0.5e-3 / 1e9, 1e-6);
    EXPECT_EQ(r.registers, 16);
    EXPECT_EQ(r.shared_bytes, 128 + 64);  // static + the timed case's dynamic
    EXPECT_TRUE(r.occupancy);
    EXPECT_EQ(r.vendor, "cuBLAS cublasSgeam");

    auto chart = report::ladder_chart(*module, {r});
    ASSERT_EQ(chart.bars.size(), 1u);
    EXPECT_TRUE(chart.bars[0].drawn);
    EXPECT_DOUBLE_EQ(chart.bars[0].value, r.speed.percent_of_light);
    ASSERT_TRUE(chart.reference);
    EXPECT_DOUBLE_EQ(*chart.reference, r.speed.vendor_percent_of_light);
}

TEST_F(LadderRows, AWrongExampleIsARowWithItsReasonAndNoTime) {
    auto g = passed(0.5, 0.25);
    g.verdict = Verdict::Wrong;
    g.summary = "out[33554431] was never written";
    auto r = report::ladder_row("02 x", "examples/02-x.cu", g, *module);
    EXPECT_FALSE(r.timed);
    EXPECT_EQ(r.reason, "out[33554431] was never written");
    const auto j = report::ladder_json(*module, {r});
    EXPECT_EQ(j.at("rows")[0].at("verdict"), "WRONG");
    EXPECT_TRUE(j.at("rows")[0].at("vs_previous").is_null());
    EXPECT_EQ(j.at("exit_code"), 1);
    const auto text = report::ladder_text(*module, {r}, std::nullopt, {});
    EXPECT_NE(text.find("02 x  WRONG         out[33554431] was never written"), std::string::npos) << text;
}

TEST_F(LadderRows, TheTableShowsEveryColumn) {
    std::vector<LadderRow> rows = {report::ladder_row("01 a", "examples/01-a.cu", passed(1.0, 0.5), *module),
                                   report::ladder_row("02 b", "examples/02-b.cu", passed(0.5, 0.5), *module)};
    report::link_steps(rows);
    const auto text = report::ladder_text(*module, rows, passed(1, 1).device, {});
    for (const char* s : {"on Test GPU (sm_90, 132 SMs)", "case large (n=33554432)", "x prev", "2.00x", "1.00x", "0.50x",
                          "192 B", "16", "GB/s", "(| marks cuBLAS"})
        EXPECT_NE(text.find(s), std::string::npos) << s << "\n" << text;
}

}  // namespace
}  // namespace kc::test
