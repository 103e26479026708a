// `run --case` and `run --debug` from the command line, on a machine without a GPU: a case that
// does not exist is a usage error, a narrowed or debug run is not recorded, and --debug without
// a GPU says what the plain grade says.
#include <gtest/gtest.h>

#include <filesystem>

#include "support/cli.h"

namespace kc::test {
namespace {

namespace fs = std::filesystem;

class DebugCli : public ::testing::Test {
protected:
    void SetUp() override { copy_course(fixture_course(), dir.path()); }
    CliRun kc(const std::vector<std::string>& args) const { return run_cli(args, dir.path()); }
    bool recorded() const { return contains(read_text(dir.path() / ".kernelcoach" / "progress.json"), "fixtures/01"); }
    TempDir dir;
};

TEST_F(DebugCli, HelpListsCaseAndDebug) {
    auto r = kc({"run", "--help"});
    ASSERT_EQ(r.exit_code, 0) << show(r);
    EXPECT_TRUE(contains(r.out, "--case")) << show(r);
    EXPECT_TRUE(contains(r.out, "--debug")) << show(r);
}

TEST_F(DebugCli, AnUnknownCaseIsAUsageErrorWithTheCasesThereAre) {
    auto r = kc({"run", "fixtures/01", "--case", "smal"});
    EXPECT_EQ(r.exit_code, 2) << show(r);
    EXPECT_TRUE(contains(r.err, "fixtures/01 has no case 'smal' (did you mean 'small'?)")) << show(r);
    EXPECT_TRUE(contains(r.err, "its cases: one, small, mid")) << show(r);
    EXPECT_FALSE(recorded());
}

TEST_F(DebugCli, ANarrowedRunSaysSoAndIsNotRecorded) {
    auto r = kc({"run", "fixtures/01", "--case", "small", "--case", "one"});
    EXPECT_TRUE(contains(r.out, "case one")) << show(r);
    EXPECT_TRUE(contains(r.out, "case small")) << show(r);
    EXPECT_FALSE(contains(r.out, "case mid")) << show(r);
    EXPECT_TRUE(contains(r.out, "graded only cases 'one', 'small' of 3, with the inputs a whole run gives them: not timed, so no speed gate")) << show(r);
    EXPECT_FALSE(recorded()) << show(r);
}

TEST_F(DebugCli, DebugWithoutAGpuShowsThePlainGradeAndRecordsNothing) {
    auto r = kc({"run", "fixtures/01", "--debug"});
    EXPECT_TRUE(contains(r.out, "SKIPPED")) << show(r);
    EXPECT_TRUE(contains(r.out, "case mid")) << show(r);  // every case's geometry, from the first grade
    EXPECT_FALSE(recorded()) << show(r);
    auto one = kc({"run", "fixtures/01", "--debug", "--case", "one", "--json"});
    const auto j = one.json();
    EXPECT_EQ(j.at("result").at("geometry").size(), 1u) << show(one);
    EXPECT_FALSE(recorded());
}

}  // namespace
}  // namespace kc::test
