// kernelcoach dev check: the course's integrity checks.
#include <gtest/gtest.h>

#include <fstream>

#include "engine/devcheck.h"
#include "support/cli.h"

namespace kc::test {
namespace {

namespace fs = std::filesystem;

TEST(DevCheck, CountsDistinctTodoNumbers) {
    EXPECT_EQ(engine::todo_numbers("// TODO(1): a\n// TODO(2): b\n// TODO(2): again\n// TODO(10)"),
              (std::vector<int>{1, 2, 10}));
    EXPECT_TRUE(engine::todo_numbers("// TODO: not numbered").empty());
}

TEST(DevCheck, ReadsTheCountAReadmeStates) {
    EXPECT_EQ(engine::stated_missing_elements("Fix the **16 missing elements** of this kernel."), 16);
    EXPECT_EQ(engine::stated_missing_elements("no count here"), -1);
}

TEST(DevCheck, AReadmesOwnFiguresAreModuleFiles) {
    EXPECT_EQ(engine::readme_figures("Text.\n\n![The grid of blocks over the array](figure-indexing.svg)\n"
                                     "![a remote one](https://example.com/x.svg) ![a png](figure.png) "
                                     "![up a folder](../figure.svg) [a link, not an image](figure-link.svg)\n"
                                     "![tiles](figure-tiling.svg)"),
              (std::vector<std::string>{"figure-indexing.svg", "figure-tiling.svg"}));
    EXPECT_TRUE(engine::readme_figures("no pictures").empty());
}

TEST(DevCheck, WhatAGateDecidesIsGradedWithTiming) {
    course::Manifest plain;
    course::Manifest gated;
    gated.pass = {course::PassTarget{grade::GateKind::VsVendor, 0.5}};
    EXPECT_FALSE(engine::graded_with_timing(plain, "PASSED", false));
    EXPECT_FALSE(engine::graded_with_timing(plain, "WRONG", false));
    EXPECT_TRUE(engine::graded_with_timing(plain, "WRONG", true));     // a control's "timed": true
    EXPECT_TRUE(engine::graded_with_timing(plain, "TOO_SLOW", false));  // only timing can say so
    EXPECT_TRUE(engine::graded_with_timing(gated, "TOO_SLOW", false));
    EXPECT_TRUE(engine::graded_with_timing(gated, "PASSED", false));    // a pass needs the gate's word
    // A vs_variant gate's variant may not compile or be wrong: fixtures/16's controls got PASSED
    // from an untimed dev check on the H200.
    EXPECT_TRUE(engine::graded_with_timing(gated, "WRONG", false));
    EXPECT_TRUE(engine::graded_with_timing(gated, "COMPILE_ERROR", false));
}

class DevCheckCourse : public ::testing::Test {
protected:
    void SetUp() override { copy_course(source_dir(), dir.path()); }
    fs::path module() const { return dir.path() / "tracks/missing-elements/module-01-vector-add"; }
    TempDir dir;
};

TEST_F(DevCheckCourse, TheCoursePassesWhatCanRunHere) {
    auto r = run_cli({"--course", dir.path().string(), "--json", "dev", "check"});
    auto j = r.json();
    EXPECT_EQ(j["failed"], 0) << r.out;
    EXPECT_GT(j["passed"].get<int>(), 5);
    // With a GPU everything runs (exit 0); without one what could not run is skipped (exit 3),
    // and never counted as passed.
    if (j["device"]["available"].get<bool>()) {
        EXPECT_EQ(r.exit_code, 0) << r.out;
        EXPECT_EQ(j["skipped"], 0);
    } else {
        EXPECT_EQ(r.exit_code, 3) << r.out;
        EXPECT_GT(j["skipped"].get<int>(), 0);
        for (const auto& c : j["checks"])
            if (c["status"] == "skipped") EXPECT_NE(c["got"], c["expected"]);
    }
}

TEST_F(DevCheckCourse, AStrayFileFails) {
    std::ofstream(module() / "notes.txt") << "left behind";
    auto r = run_cli({"--course", dir.path().string(), "--json", "dev", "check", "vector-add"});
    EXPECT_EQ(r.exit_code, 1) << r.out;
    bool found = false;
    const auto j = r.json();  // keep the document alive through the loop
    for (const auto& c : j["checks"])
        if (c["check"] == "files") {
            EXPECT_EQ(c["status"], "FAIL");
            EXPECT_NE(c["detail"].get<std::string>().find("notes.txt"), std::string::npos);
            found = true;
        }
    EXPECT_TRUE(found);
}

TEST_F(DevCheckCourse, AMissingElementCountThatDisagreesFails) {
    // One TODO marker fewer than the manifest and README declare.
    fs::path k = module() / "kernel.cu";
    std::ifstream in(k);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto pos = text.find("TODO(16)");
    ASSERT_NE(pos, std::string::npos);
    text.replace(pos, 8, "note");
    in.close();
    std::ofstream(k) << text;
    auto r = run_cli({"--course", dir.path().string(), "--json", "dev", "check", "vector-add"});
    EXPECT_EQ(r.exit_code, 1) << r.out;
}

TEST_F(DevCheckCourse, AStarterThatCompilesWhenItShouldNotFails) {
    fs::copy_file(module() / "solution/kernel.cu", module() / "kernel.cu", fs::copy_options::overwrite_existing);
    auto r = run_cli({"--course", dir.path().string(), "--json", "dev", "check", "vector-add", "--compile-only"});
    EXPECT_EQ(r.exit_code, 1) << r.out;
    bool found = false;
    const auto j = r.json();  // keep the document alive through the loop
    for (const auto& c : j["checks"])
        if (c["check"] == "starter kernel.cu") {
            EXPECT_EQ(c["status"], "FAIL");
            found = true;
        }
    EXPECT_TRUE(found);
}

}  // namespace
}  // namespace kc::test
