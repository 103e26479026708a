// The real kernelcoach binary, run on copies of the fixture course and of the real course, on
// a machine without a GPU: compile errors, launch geometry, SKIPPED (never PASSED), exit
// codes, JSON output, colour, progress and usage errors.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <pty.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/cli.h"

namespace kc::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

// The modules of the fixture course, and what check grades: fixtures/15 has two parts.
const char* kFixtures[] = {"fixtures/01", "fixtures/02", "fixtures/03", "fixtures/04", "fixtures/05",
                           "fixtures/06", "fixtures/07", "fixtures/08", "fixtures/09", "fixtures/10",
                           "fixtures/11", "fixtures/12", "fixtures/13", "fixtures/14", "fixtures/15",
                           "fixtures/16", "fixtures/17", "fixtures/18"};
const char* kGraded[] = {"fixtures/01", "fixtures/02",     "fixtures/03",        "fixtures/04", "fixtures/05", "fixtures/06",
                         "fixtures/07", "fixtures/08",     "fixtures/09",        "fixtures/10", "fixtures/11", "fixtures/12",
                         "fixtures/13", "fixtures/14",     "fixtures/15/add",    "fixtures/15/convert", "fixtures/16",
                         "fixtures/17", "fixtures/18"};
// check --all's summary of the fixture course.
const std::string kCheckedAll = "18 module(s), 19 kernels graded";

// A fresh copy of tests/fixtures/course for every test: progress and cache start empty.
class CliFixtures : public ::testing::Test {
protected:
    void SetUp() override { copy_course(fixture_course(), dir.path()); }
    CliRun kc(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) const {
        return run_cli(args, dir.path(), env);
    }
    fs::path progress_file() const { return dir.path() / ".kernelcoach" / "progress.json"; }
    TempDir dir;
};

// A fresh copy of the real course (tracks/ of the repository).
class CliCourse : public ::testing::Test {
protected:
    void SetUp() override { copy_course(source_dir(), dir.path()); }
    CliRun kc(const std::vector<std::string>& args) const { return run_cli(args, dir.path()); }
    TempDir dir;
};

// ---- list -------------------------------------------------------------------------------

TEST_F(CliFixtures, ListShowsEveryFixtureModule) {
    auto r = kc({"list"});
    ASSERT_EQ(r.exit_code, 0) << show(r);
    for (const char* id : kFixtures) EXPECT_TRUE(contains(r.out, id)) << id << "\n" << show(r);
    EXPECT_TRUE(contains(r.out, "not started")) << show(r);
}

TEST_F(CliFixtures, ListJsonHasSchemaAndEveryModule) {
    auto r = kc({"--json", "list"});
    ASSERT_EQ(r.exit_code, 0) << show(r);
    json j = r.json();
    EXPECT_EQ(j.at("schema"), 1);
    ASSERT_TRUE(j.at("modules").is_array());
    std::vector<std::string> ids;
    for (const auto& m : j.at("modules")) ids.push_back(m.at("id").get<std::string>());
    EXPECT_EQ(ids, std::vector<std::string>(std::begin(kFixtures), std::end(kFixtures)));
    EXPECT_EQ(j.at("modules")[0].at("path"), "tracks/fixtures/module-01-pass");
    EXPECT_EQ(j.at("modules")[0].at("exercise"), "vector-add");
}

TEST_F(CliFixtures, GlobalOptionsWorkAfterTheCommand) {
    // `kernelcoach list --json`, as people type it, and as --help's usage suggests for
    // options of the whole program.
    auto list = kc({"list", "--json"});
    ASSERT_EQ(list.exit_code, 0) << show(list);
    EXPECT_EQ(list.json().at("schema"), 1);
    auto run = kc({"run", "fixtures/03", "--json"});
    ASSERT_EQ(run.exit_code, 1) << show(run);
    EXPECT_EQ(run.json().at("result").at("verdict"), "COMPILE_ERROR");
    auto check = kc({"check", "--all", "--json"});
    ASSERT_EQ(check.exit_code, 1) << show(check);
    EXPECT_EQ(check.json().at("results").size(), std::size(kGraded));
    auto color = kc({"list", "--color", "always"});
    ASSERT_EQ(color.exit_code, 0) << show(color);
    EXPECT_TRUE(contains(color.out, "\033[")) << show(color);
}

// ---- run: compile errors ------------------------------------------------------------------

TEST_F(CliFixtures, RunCompileErrorPointsAtTheLine) {
    auto r = kc({"run", "fixtures/03"});
    ASSERT_EQ(r.exit_code, 1) << show(r);
    EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(kernel\.cu:8:45: error: identifier "threadIdy" is undefined)")))
        << show(r);
    EXPECT_TRUE(contains(r.out, "tracks/fixtures/module-03-compile-error/kernel.cu:8")) << show(r);
    EXPECT_TRUE(contains(r.out, "    const int i = blockIdx.x * blockDim.x + threadIdy.x;")) << show(r);
    EXPECT_TRUE(contains(r.out, "COMPILE_ERROR")) << show(r);
    EXPECT_FALSE(contains(r.out, "PASSED")) << show(r);
}

TEST_F(CliFixtures, RunCompileErrorJson) {
    auto r = kc({"--json", "run", "fixtures/03"});
    ASSERT_EQ(r.exit_code, 1) << show(r);
    json j = r.json();
    EXPECT_EQ(j.at("schema"), 1);
    const json& res = j.at("result");
    EXPECT_EQ(res.at("verdict"), "COMPILE_ERROR");
    EXPECT_EQ(res.at("module"), "fixtures/03");
    EXPECT_EQ(res.at("compile").at("compiled"), false);
    const json& diags = res.at("compile").at("diagnostics");
    ASSERT_FALSE(diags.empty()) << j.dump(2);
    EXPECT_GT(diags[0].at("line").get<int>(), 0);
    EXPECT_EQ(diags[0].at("line"), 8);
    EXPECT_EQ(diags[0].at("column"), 45);
    EXPECT_EQ(diags[0].at("severity"), "error");
    EXPECT_EQ(diags[0].at("file"), "tracks/fixtures/module-03-compile-error/kernel.cu");
}

TEST_F(CliFixtures, RunLaunchNotConstexprIsACompileErrorThatExplains) {
    auto r = kc({"run", "fixtures/07"});
    ASSERT_EQ(r.exit_code, 1) << show(r);
    EXPECT_TRUE(contains(r.out, "COMPILE_ERROR")) << show(r);
    EXPECT_TRUE(contains(r.out, "launch()")) << show(r);
    EXPECT_TRUE(contains(r.out, "constexpr")) << show(r);
    EXPECT_TRUE(contains(r.out, "'one'")) << show(r);
    // The appended geometry line is explained, not shown as if it were the learner's.
    EXPECT_FALSE(contains(r.out, "kernelcoach-geometry")) << show(r);
    auto j = kc({"--json", "run", "fixtures/07"}).json();
    EXPECT_EQ(j.at("result").at("verdict"), "COMPILE_ERROR");
}

// ---- run: no GPU --------------------------------------------------------------------------

TEST_F(CliFixtures, RunWithoutGpuIsSkippedAndShowsTheGeometry) {
    auto r = kc({"run", "fixtures/01"});
    ASSERT_EQ(r.exit_code, 3) << show(r);
    EXPECT_TRUE(contains(r.out, "SKIPPED")) << show(r);
    EXPECT_FALSE(contains(r.out, "PASSED")) << show(r);
    for (const char* name : {"one", "small", "mid"}) {
        bool found = false;
        for (const auto& l : lines_of(r.out))
            if (contains(l, std::string("case ") + name) && contains(l, "grid") && contains(l, "block 256")) found = true;
        EXPECT_TRUE(found) << name << "\n" << show(r);
    }
    EXPECT_TRUE(contains(r.out, "grid 4097 x block 256")) << show(r);  // ceil(1048583 / 256)
    EXPECT_TRUE(contains(r.out, "grid 4 x block 256")) << show(r);
}

TEST_F(CliFixtures, RunWithoutGpuJsonHasGeometryAndNoPass) {
    auto r = kc({"--json", "run", "fixtures/01"});
    ASSERT_EQ(r.exit_code, 3) << show(r);
    json j = r.json();
    EXPECT_EQ(j.at("device").at("available"), false);
    EXPECT_FALSE(j.at("device").at("reason").get<std::string>().empty());
    const json& res = j.at("result");
    EXPECT_EQ(res.at("verdict"), "SKIPPED");
    EXPECT_EQ(res.at("compile").at("compiled"), true);
    const json& geo = res.at("geometry");
    ASSERT_EQ(geo.size(), 3u) << res.dump(2);
    const unsigned grids[] = {1, 4, 4097};
    for (size_t i = 0; i < 3; ++i) {
        const json& l = geo[i].at("launch");
        EXPECT_EQ(l.at("grid"), json::array({grids[i], 1, 1})) << geo[i].dump();
        EXPECT_EQ(l.at("block"), json::array({256, 1, 1})) << geo[i].dump();
    }
    EXPECT_EQ(geo[1].at("case"), "small");
    EXPECT_EQ(geo[1].at("sizes"), "n=1000");
    // Nothing ran, so no case may claim to have passed.
    for (const auto& c : res.at("cases")) EXPECT_NE(c.value("verdict", ""), "PASSED") << c.dump();
    EXPECT_FALSE(contains(r.out, "\"PASSED\"")) << r.out;
}

TEST_F(CliFixtures, SecondRunUsesTheCache) {
    auto first = kc({"--json", "run", "fixtures/01"});
    auto second = kc({"--json", "run", "fixtures/01"});
    ASSERT_EQ(second.exit_code, 3) << show(second);
    EXPECT_EQ(first.json().at("result").at("compile").at("cache_hit"), false);
    EXPECT_EQ(second.json().at("result").at("compile").at("cache_hit"), true);
    EXPECT_EQ(second.json().at("result").at("geometry"), first.json().at("result").at("geometry"));
    auto text = kc({"run", "fixtures/01"});
    EXPECT_TRUE(contains(text.out, "(cached)")) << show(text);
}

TEST_F(CliFixtures, ZeroGridIsWrongEvenWithoutGpu) {
    auto r = kc({"run", "fixtures/06"});
    ASSERT_EQ(r.exit_code, 1) << show(r);
    EXPECT_TRUE(contains(r.out, "WRONG")) << show(r);
    EXPECT_FALSE(contains(r.out, "SKIPPED")) << show(r);
    EXPECT_TRUE(contains(r.out, "zero") || contains(r.out, "(0, 1, 1) blocks")) << show(r);
    auto j = kc({"--json", "run", "fixtures/06"});
    ASSERT_EQ(j.exit_code, 1) << show(j);
    const json doc = j.json();
    const json& res = doc.at("result");
    EXPECT_EQ(res.at("verdict"), "WRONG");
    ASSERT_FALSE(res.at("cases").empty());
    EXPECT_EQ(res.at("cases")[0].at("verdict"), "WRONG");
    EXPECT_TRUE(contains(res.at("cases")[0].at("message").get<std::string>(), "zero")) << res.dump(2);
    EXPECT_EQ(res.at("geometry")[0].at("launch").at("grid"), json::array({0, 1, 1}));
}

// ---- check --------------------------------------------------------------------------------

TEST_F(CliFixtures, CheckAllHasALinePerModuleAndASummary) {
    auto r = kc({"check", "--all"});
    ASSERT_EQ(r.exit_code, 1) << show(r);
    auto lines = lines_of(r.out);
    for (const char* id : kGraded) {
        int n = 0;
        for (const auto& l : lines) n += l.rfind(std::string(id) + " ", 0) == 0;
        EXPECT_EQ(n, 1) << id << "\n" << show(r);
    }
    // A module with parts: a line per part, then one for the module.
    EXPECT_TRUE(contains(r.out, "\nfixtures/15: 0 of 2 parts passed (2 SKIPPED)\n")) << show(r);
    std::string summary;
    for (const auto& l : lines)
        if (contains(l, kCheckedAll + ":")) summary = l;
    ASSERT_FALSE(summary.empty()) << show(r);
    EXPECT_TRUE(contains(summary, "2 COMPILE_ERROR")) << summary;
    EXPECT_TRUE(contains(summary, "1 WRONG")) << summary;
    EXPECT_TRUE(contains(summary, "16 SKIPPED")) << summary;
    EXPECT_FALSE(contains(summary, "PASSED")) << summary;
}

TEST_F(CliFixtures, CheckAllJsonHasAResultPerModule) {
    auto r = kc({"--json", "check", "--all"});
    ASSERT_EQ(r.exit_code, 1) << show(r);
    json j = r.json();
    EXPECT_EQ(j.at("schema"), 1);
    const json& results = j.at("results");
    const char* expected[] = {"SKIPPED", "SKIPPED", "COMPILE_ERROR", "SKIPPED", "SKIPPED", "WRONG",   "COMPILE_ERROR", "SKIPPED",
                              "SKIPPED", "SKIPPED", "SKIPPED",       "SKIPPED", "SKIPPED", "SKIPPED", "SKIPPED",       "SKIPPED",
                              "SKIPPED", "SKIPPED", "SKIPPED"};
    static_assert(std::size(expected) == std::size(kGraded));
    ASSERT_EQ(results.size(), std::size(kGraded));
    for (size_t i = 0; i < std::size(kGraded); ++i) {
        EXPECT_EQ(results[i].at("module"), kGraded[i]);
        EXPECT_EQ(results[i].at("verdict"), expected[i]) << kGraded[i];
    }
    EXPECT_EQ(results[15].at("part"), "convert");
    EXPECT_FALSE(results[13].contains("part"));
    EXPECT_EQ(j.at("modules"), json::array({json{{"id", "fixtures/15"}, {"parts", 2}, {"passed", 0}}}));
    EXPECT_EQ(j.at("counts").at("COMPILE_ERROR"), 2);
    EXPECT_FALSE(j.at("counts").contains("PASSED"));
}

TEST_F(CliFixtures, CheckOfRunnableModulesOnlyIsSkipped) {
    auto r = kc({"check", "fixtures/01", "fixtures/02"});
    EXPECT_EQ(r.exit_code, 3) << show(r);
    auto none = kc({"check"});
    EXPECT_EQ(none.exit_code, 2) << show(none);
}

// ---- ids ----------------------------------------------------------------------------------

TEST_F(CliCourse, ListAndProgressLineUpEveryRowPartsAndLongTitlesToo) {
    for (const char* command : {"list", "progress"}) {
        auto r = kc({command});
        ASSERT_EQ(r.exit_code, 0) << show(r);
        std::istringstream in(r.out);
        std::set<size_t> columns;
        size_t rows = 0;
        for (std::string line; std::getline(in, line);) {
            const size_t at = line.find("not started");
            if (at == std::string::npos) continue;
            columns.insert(at);
            ++rows;
            EXPECT_LT(line.size(), 110u) << line;  // a long title is cut
        }
        EXPECT_GT(rows, 15u) << show(r);
        EXPECT_EQ(columns.size(), 1u) << command << "\n" << r.out;  // optimization/03/transpose included
    }
}

TEST_F(CliCourse, UnknownIdGetsDidYouMean) {
    auto r = kc({"run", "vectr-add"});
    EXPECT_EQ(r.exit_code, 2) << show(r);
    EXPECT_TRUE(contains(r.err, "did you mean")) << show(r);
    EXPECT_TRUE(contains(r.err, "vector-add")) << show(r);
}

TEST_F(CliCourse, IdsCannotLeaveTheCourse) {
    for (const char* id : {"../../etc", "/etc", "tracks/../../etc", "tracks/basics/../../.."}) {
        auto r = kc({"run", id});
        EXPECT_EQ(r.exit_code, 2) << id << "\n" << show(r);
        EXPECT_TRUE(r.out.empty()) << id << "\n" << show(r);
    }
}

// ---- compile-only and arch ----------------------------------------------------------------

TEST_F(CliCourse, CompileOnlyShowsTheGeometryAndIsNotRun) {
    auto r = kc({"run", "basics", "--compile-only"});
    ASSERT_EQ(r.exit_code, 3) << show(r);
    EXPECT_TRUE(contains(r.out, "basics/00")) << show(r);
    EXPECT_TRUE(contains(r.out, "grid 262144 x block 256")) << show(r);
    EXPECT_TRUE(contains(r.out, "grid 3907 x block 256")) << show(r);
    EXPECT_TRUE(contains(r.out, "SKIPPED")) << show(r);
    EXPECT_TRUE(contains(r.out, "--compile-only")) << show(r);
    EXPECT_FALSE(contains(r.out, "PASSED")) << show(r);
}

// ---- bench ---------------------------------------------------------------------------------

TEST_F(CliCourse, BenchSizesCompilesEverySizeAndRecordsNoProgress) {
    const auto sol = (dir.path() / "tracks/missing-elements/module-01-vector-add/solution/kernel.cu").string();
    auto r = kc({"bench", "missing-elements/01", "--sizes", "--file", sol});
    if (r.exit_code == 0) GTEST_SKIP() << "a GPU is here: tests/gpu/test_gpu_timing.cpp covers bench";
    ASSERT_EQ(r.exit_code, 3) << show(r);
    // The sweep: 2^10 to 2^26 by factors of 4, each compiled with its own launch geometry.
    EXPECT_TRUE(contains(r.out, "n=1024         grid 4 x block 256")) << show(r);
    EXPECT_TRUE(contains(r.out, "n=67108864     grid 262144 x block 256")) << show(r);
    EXPECT_TRUE(contains(r.out, "SKIPPED")) << show(r);
    EXPECT_FALSE(fs::exists(dir.path() / ".kernelcoach" / "progress.json"));

    auto j = kc({"--json", "bench", "missing-elements/01", "--sizes", "--file", sol});
    ASSERT_EQ(j.exit_code, 3) << show(j);
    auto b = j.json().at("bench");
    EXPECT_EQ(b.at("verdict"), "SKIPPED");
    EXPECT_TRUE(b.at("rows").empty());

    // --ncu says why it did not profile, whether or not a GPU is here.
    auto ncu = kc({"--json", "bench", "missing-elements/01", "--ncu", "--file", sol});
    auto note = ncu.json().at("bench").at("ncu").at("note").get<std::string>();
    EXPECT_FALSE(ncu.json().at("bench").at("ncu").at("ran").get<bool>());
    EXPECT_TRUE(contains(note, "not installed") || contains(note, "did not run")) << note;

    auto bad = kc({"bench", "no-such-module"});
    EXPECT_EQ(bad.exit_code, 2) << show(bad);
}

TEST_F(CliCourse, ArchChoosesTheTarget) {
    auto r = kc({"run", "basics", "--arch", "sm_90", "--compile-only"});
    ASSERT_EQ(r.exit_code, 3) << show(r);
    EXPECT_TRUE(contains(r.out, "compiled for sm_90")) << show(r);
    auto j = kc({"--json", "run", "basics", "--arch", "90", "--compile-only"});
    ASSERT_EQ(j.exit_code, 3) << show(j);
    EXPECT_EQ(j.json().at("result").at("compile").at("arch"), "sm_90");
    auto bad = kc({"run", "basics", "--arch", "hopper", "--compile-only"});
    EXPECT_EQ(bad.exit_code, 2) << show(bad);
    EXPECT_TRUE(contains(bad.err, "--arch")) << show(bad);
}

// ---- colour -------------------------------------------------------------------------------

TEST_F(CliFixtures, ColorAlwaysPaintsAndNoColorDoesNot) {
    auto painted = kc({"--color", "always", "list"});
    ASSERT_EQ(painted.exit_code, 0) << show(painted);
    EXPECT_TRUE(contains(painted.out, "\033[")) << show(painted);
    auto plain = kc({"list"});  // run_cli sets NO_COLOR
    ASSERT_EQ(plain.exit_code, 0) << show(plain);
    EXPECT_FALSE(contains(plain.out, "\033")) << show(plain);
    auto never = kc({"--color", "never", "list"});
    EXPECT_FALSE(contains(never.out, "\033")) << show(never);
    auto bad = kc({"--color", "sometimes", "list"});
    EXPECT_EQ(bad.exit_code, 2) << show(bad);
}

// ---- progress -----------------------------------------------------------------------------

TEST_F(CliFixtures, FailingRunIsRecordedAsAnAttempt) {
    auto r = kc({"run", "fixtures/03"});
    ASSERT_EQ(r.exit_code, 1) << show(r);
    ASSERT_TRUE(fs::exists(progress_file())) << show(r);
    json p = json::parse(slurp(progress_file()));
    EXPECT_EQ(p.at("schema"), 1);
    const json& m = p.at("modules").at("fixtures/03");
    EXPECT_EQ(m.at("attempts"), 1);
    EXPECT_EQ(m.at("status"), "failed");
    EXPECT_EQ(m.at("last_verdict"), "COMPILE_ERROR");
    // list shows it too.
    auto list = kc({"--json", "list"});
    bool seen = false;
    const json listed = list.json();
    for (const auto& e : listed.at("modules"))
        if (e.at("id") == "fixtures/03") {
            seen = true;
            EXPECT_EQ(e.at("status"), "failed");
        }
    EXPECT_TRUE(seen);
    // A second attempt counts.
    kc({"run", "fixtures/03"});
    EXPECT_EQ(json::parse(slurp(progress_file())).at("modules").at("fixtures/03").at("attempts"), 2);
}

TEST_F(CliFixtures, ProgressJsonShowsAttemptsOfEveryTrack) {
    // `progress --json` must report what progress.json holds, whatever the module's track.
    ASSERT_EQ(kc({"run", "fixtures/03"}).exit_code, 1);
    auto r = kc({"--json", "progress"});
    ASSERT_EQ(r.exit_code, 0) << show(r);
    json j = r.json();
    EXPECT_EQ(j.at("schema"), 1);
    const json* entry = nullptr;
    for (const auto& t : j.at("tracks"))
        for (const auto& m : t.at("modules"))
            if (m.at("id") == "fixtures/03") entry = &m;
    ASSERT_NE(entry, nullptr) << j.dump(2);
    EXPECT_EQ(entry->at("attempts"), 1);
    EXPECT_EQ(entry->at("status"), "failed");
}

TEST_F(CliFixtures, SkippedRunIsNotAnAttempt) {
    ASSERT_EQ(kc({"run", "fixtures/01"}).exit_code, 3);
    if (fs::exists(progress_file())) {
        json p = json::parse(slurp(progress_file()));
        EXPECT_FALSE(p.at("modules").contains("fixtures/01")) << p.dump(2);
    }
    ASSERT_EQ(kc({"check", "fixtures/01", "fixtures/02"}).exit_code, 3);
    if (fs::exists(progress_file())) {
        json p = json::parse(slurp(progress_file()));
        EXPECT_FALSE(p.at("modules").contains("fixtures/01")) << p.dump(2);
        EXPECT_FALSE(p.at("modules").contains("fixtures/02")) << p.dump(2);
    }
    auto list = kc({"--json", "list"});
    const json listed = list.json();
    for (const auto& e : listed.at("modules")) EXPECT_EQ(e.at("status"), "not-started") << e.dump();
}

TEST_F(CliFixtures, GradingAnotherFileIsNotAnAttempt) {
    auto r = kc({"run", "fixtures/01", "--file",
                 (dir.path() / "tracks/fixtures/module-03-compile-error/kernel.cu").string()});
    ASSERT_EQ(r.exit_code, 1) << show(r);
    EXPECT_TRUE(contains(r.out, "COMPILE_ERROR")) << show(r);
    EXPECT_FALSE(fs::exists(progress_file()) &&
                 json::parse(slurp(progress_file())).at("modules").contains("fixtures/01"));
}

TEST_F(CliCourse, ProgressJsonCountsACompileErrorAttempt) {
    // The learner's first edit of the missing-elements starter does not compile yet: one failed
    // attempt. (An untouched starter is not started, whatever was graded: see
    // BootstrapsGradingIsNoAttempt.)
    std::ofstream(dir.path() / "tracks/missing-elements/module-01-vector-add/kernel.cu", std::ios::app)
        << "// started\n";
    auto r = kc({"run", "missing-elements/01"});
    ASSERT_EQ(r.exit_code, 1) << show(r);
    auto p = kc({"--json", "progress"});
    ASSERT_EQ(p.exit_code, 0) << show(p);
    json j = p.json();
    EXPECT_EQ(j.at("schema"), 1);
    EXPECT_EQ(j.at("passed"), 0);
    const json* entry = nullptr;
    for (const auto& t : j.at("tracks"))
        for (const auto& m : t.at("modules"))
            if (m.at("id") == "missing-elements/01") entry = &m;
    ASSERT_NE(entry, nullptr) << j.dump(2);
    EXPECT_EQ(entry->at("attempts"), 1);
    EXPECT_EQ(entry->at("status"), "failed");
    auto text = kc({"progress"});
    EXPECT_TRUE(contains(text.out, "1 attempt(s)")) << show(text);
}

TEST_F(CliFixtures, UnreadableProgressFileIsReportedAndLeftAlone) {
    fs::create_directories(progress_file().parent_path());
    std::ofstream(progress_file()) << "{garbage";
    auto r = kc({"progress"});
    EXPECT_EQ(r.exit_code, 4) << show(r);
    EXPECT_TRUE(contains(r.err, ".kernelcoach/progress.json")) << show(r);
    EXPECT_EQ(slurp(progress_file()), "{garbage");
    // A graded attempt cannot be recorded either, and the file still is not touched; the grade
    // is shown all the same, then the error.
    auto run = kc({"run", "fixtures/03"});
    EXPECT_EQ(run.exit_code, 4) << show(run);
    EXPECT_TRUE(contains(run.err, "progress.json")) << show(run);
    EXPECT_TRUE(contains(run.out, "COMPILE_ERROR")) << show(run);
    EXPECT_TRUE(contains(run.out, "threadIdy")) << show(run);
    auto json_run = kc({"--json", "run", "fixtures/03"});
    EXPECT_EQ(json_run.exit_code, 4) << show(json_run);
    EXPECT_EQ(json_run.json().at("result").at("verdict"), "COMPILE_ERROR");
    EXPECT_TRUE(contains(json_run.json().at("error").at("message").get<std::string>(), "progress.json"));
    EXPECT_EQ(slurp(progress_file()), "{garbage");
    auto list = kc({"list"});
    EXPECT_EQ(list.exit_code, 4) << show(list);
    EXPECT_EQ(slurp(progress_file()), "{garbage");
}

// ---- version, usage, info, course -----------------------------------------------------------

TEST_F(CliFixtures, VersionAndUsageErrors) {
    auto v = kc({"--version"});
    EXPECT_EQ(v.exit_code, 0) << show(v);
    EXPECT_TRUE(contains(v.out, "kernelcoach 0.1.0")) << show(v);
    auto bad = kc({"--no-such-option", "list"});
    EXPECT_EQ(bad.exit_code, 2) << show(bad);
    EXPECT_TRUE(contains(bad.err, "--no-such-option")) << show(bad);
    auto bad_sub = kc({"list", "--no-such-option"});
    EXPECT_EQ(bad_sub.exit_code, 2) << show(bad_sub);
    auto none = kc({});
    EXPECT_EQ(none.exit_code, 2) << show(none);
    auto unknown = kc({"frobnicate"});
    EXPECT_EQ(unknown.exit_code, 2) << show(unknown);
    auto help = kc({"--help"});
    EXPECT_EQ(help.exit_code, 0) << show(help);
    EXPECT_TRUE(contains(help.out, "Exit codes")) << show(help);
}

TEST_F(CliFixtures, InfoWithoutGpuSaysSo) {
    // info worked: it says what it found, GPU or not (3 is for what could not run).
    auto r = kc({"info"});
    EXPECT_EQ(r.exit_code, 0) << show(r);
    EXPECT_TRUE(contains(r.out, "kernelcoach 0.1.0")) << show(r);
    EXPECT_TRUE(contains(r.out, "GPU: none usable")) << show(r);
    EXPECT_TRUE(contains(r.out, "driver") || contains(r.out, "GPU")) << show(r);
    EXPECT_TRUE(contains(r.out, "without a GPU")) << show(r);
    auto j = kc({"--json", "info"});
    EXPECT_EQ(j.exit_code, 0) << show(j);
    EXPECT_EQ(j.json().at("gpu").at("available"), false);
    EXPECT_EQ(j.json().at("modules"), std::size(kFixtures));
}

TEST_F(CliCourse, InfoOfAModuleShowsItsContract) {
    auto r = kc({"info", "vector-add"});
    ASSERT_EQ(r.exit_code, 0) << show(r);
    EXPECT_TRUE(contains(r.out, "vector_add(const float* a, const float* b, float* out, int n)")) << show(r);
    EXPECT_TRUE(contains(r.out, "extern \"C\" __global__ void vector_add(")) << show(r);
    EXPECT_TRUE(contains(r.out, "struct Problem")) << show(r);
    EXPECT_TRUE(contains(r.out, "struct Launch")) << show(r);
    EXPECT_TRUE(contains(r.out, "n=67108864 (timed)")) << show(r);
    auto j = kc({"--json", "info", "vector-add"});
    ASSERT_EQ(j.exit_code, 0) << show(j);
    EXPECT_EQ(j.json().at("id"), "missing-elements/01");
    EXPECT_TRUE(contains(j.json().at("header").get<std::string>(), "struct Problem"));
    auto bad = kc({"info", "vectr-add"});
    EXPECT_EQ(bad.exit_code, 2) << show(bad);
}

TEST_F(CliFixtures, CourseWithoutTracksIsAClearError) {
    // No course where the learner pointed is a usage error (2), not kernelcoach failing (4).
    TempDir empty;
    auto r = kc({"--course", empty.path().string(), "list"});
    EXPECT_EQ(r.exit_code, 2) << show(r);
    EXPECT_TRUE(contains(r.err, empty.path().string())) << show(r);
    EXPECT_TRUE(contains(r.err, "tracks/")) << show(r);
    EXPECT_TRUE(r.out.empty()) << show(r);
    // Run from a folder that is not inside any course.
    auto outside = run_cli({"list"}, empty.path());
    EXPECT_EQ(outside.exit_code, 2) << show(outside);
    EXPECT_TRUE(contains(outside.err, "tracks/")) << show(outside);
    // --course pointing at the copy works from anywhere.
    auto ok = run_cli({"--course", dir.path().string(), "list"}, empty.path());
    EXPECT_EQ(ok.exit_code, 0) << show(ok);
    EXPECT_TRUE(contains(ok.out, "fixtures/07")) << show(ok);
}

TEST_F(CliFixtures, FindsTheCourseFromAModuleFolder) {
    auto r = run_cli({"list"}, dir.path() / "tracks" / "fixtures" / "module-03-compile-error");
    EXPECT_EQ(r.exit_code, 0) << show(r);
    EXPECT_TRUE(contains(r.out, "fixtures/01")) << show(r);
}

// ---- a broken module (issue 12, point 7) ----------------------------------------------------

TEST_F(CliFixtures, ABrokenModuleLeavesTheOthersUsable) {
    fs::create_directories(dir.path() / "tracks/fixtures/module-97-scratch");  // no module.json
    write_text(dir.path() / "tracks/fixtures/module-98-typo/module.json", "{\"format\": 1");  // not JSON
    auto list = kc({"list"});
    EXPECT_EQ(list.exit_code, 0) << show(list);
    EXPECT_TRUE(contains(list.out, "fixtures/08")) << show(list);
    EXPECT_TRUE(contains(list.err, "tracks/fixtures/module-97-scratch/module.json: missing")) << show(list);
    EXPECT_TRUE(contains(list.err, "tracks/fixtures/module-98-typo/module.json")) << show(list);
    const json listed = kc({"--json", "list"}).json();
    EXPECT_EQ(listed.at("modules").size(), std::size(kFixtures));
    ASSERT_EQ(listed.at("broken").size(), 2u) << listed.dump(2);
    EXPECT_EQ(listed.at("broken")[0].at("id"), "fixtures/97");
    EXPECT_EQ(kc({"progress"}).exit_code, 0);
    EXPECT_EQ(kc({"info", "fixtures/01"}).exit_code, 0);
    auto other = kc({"run", "fixtures/03"});
    EXPECT_EQ(other.exit_code, 1) << show(other);
    EXPECT_TRUE(contains(other.out, "COMPILE_ERROR")) << show(other);
    // Only the commands that need a broken module fail, with exit 4, and say what is wrong.
    for (const char* id : {"fixtures/97", "fixtures/module-98-typo", "typo"}) {
        auto r = kc({"run", id});
        EXPECT_EQ(r.exit_code, 4) << id << "\n" << show(r);
        EXPECT_TRUE(contains(r.err, "module.json")) << id << "\n" << show(r);
    }
    auto check = kc({"check", "--all"});
    EXPECT_EQ(check.exit_code, 4) << show(check);
    EXPECT_TRUE(contains(check.out, "fixtures/97")) << show(check);
    EXPECT_TRUE(contains(check.out, kCheckedAll)) << show(check);
    const json checked = kc({"--json", "check", "--all"}).json();
    EXPECT_EQ(checked.at("results").size(), std::size(kGraded));
    EXPECT_EQ(checked.at("errors").size(), 2u);
}

// ---- the setup's grading (issue 12, point 8) -------------------------------------------------

// The arguments tools/bootstrap gives kernelcoach to grade the course, read from the script.
std::vector<std::string> bootstrap_check_args() {
    std::istringstream script(read_text(source_dir() / "tools" / "bootstrap"));
    for (std::string line; std::getline(script, line);) {
        const std::string call = "/kernelcoach\" ";
        auto at = line.find(call);
        if (at == std::string::npos || line.rfind("#", 0) == 0) continue;
        std::istringstream words(line.substr(at + call.size()));
        std::vector<std::string> args;
        for (std::string w; words >> w && w != "\"$@\"";) args.push_back(w);
        return args;
    }
    return {};
}

TEST_F(CliCourse, BootstrapsGradingIsNoAttempt) {
    const auto args = bootstrap_check_args();
    ASSERT_FALSE(args.empty()) << "tools/bootstrap no longer runs kernelcoach check?";
    ASSERT_EQ(args[0], "check");
    auto setup = kc(args);
    EXPECT_EQ(setup.exit_code, 1) << show(setup);  // the starters do not compile: that is the course
    const fs::path file = dir.path() / ".kernelcoach/progress.json";
    EXPECT_FALSE(fs::exists(file) && contains(slurp(file), "\"attempts\"")) << slurp(file);
    auto shown = kc({"progress"});
    EXPECT_FALSE(contains(shown.out, "attempt")) << show(shown);
    EXPECT_FALSE(contains(shown.out, "failed")) << show(shown);

    // The learner's own check --all records; untouched starters are still not started.
    ASSERT_EQ(kc({"check", "--all"}).exit_code, 1);
    EXPECT_EQ(json::parse(slurp(file)).at("modules").at("missing-elements/01").at("attempts"), 1);
    for (const auto& t : kc({"--json", "progress"}).json().at("tracks"))
        for (const auto& m : t.at("modules")) EXPECT_EQ(m.at("status"), "not-started") << m.dump();
    // Once the learner has touched a starter, its attempts are the learner's.
    std::ofstream(dir.path() / "tracks/missing-elements/module-02-matrix-mul/kernel.cu", std::ios::app) << "// mine\n";
    ASSERT_EQ(kc({"run", "missing-elements/02"}).exit_code, 1);
    auto after = kc({"progress"});
    EXPECT_TRUE(std::regex_search(after.out, std::regex(R"(missing-elements/02 .* failed  2 attempt\(s\))"))) << show(after);
    EXPECT_TRUE(std::regex_search(after.out, std::regex(R"(missing-elements/01 .* not started\n)"))) << show(after);
}

// ---- messages, options and exit codes (issue 12, point 10) ----------------------------------

TEST_F(CliCourse, VerboseWorksWhereTheOutputOffersIt) {
    // The starter has more than four errors: "-v shows them all" must be true of bench and watch.
    for (std::vector<std::string> args : {std::vector<std::string>{"bench", "missing-elements/01", "-v"},
                                          std::vector<std::string>{"watch", "missing-elements/01", "-v"}}) {
        auto r = kc(args);
        EXPECT_NE(r.exit_code, 2) << args[0] << "\n" << show(r);
        EXPECT_TRUE(contains(r.out, "COMPILE_ERROR")) << args[0] << "\n" << show(r);
        EXPECT_FALSE(contains(r.out, "-v shows them all")) << args[0] << "\n" << show(r);
    }
}

TEST_F(CliFixtures, UnknownCommandsGetDidYouMean) {
    auto runn = kc({"runn", "fixtures/01"});
    EXPECT_EQ(runn.exit_code, 2) << show(runn);
    EXPECT_TRUE(contains(runn.err, "did you mean run")) << show(runn);
    auto help = kc({"help"});
    EXPECT_EQ(help.exit_code, 2) << show(help);
    EXPECT_TRUE(contains(help.err, "kernelcoach --help")) << show(help);
    auto course = kc({"--course", dir.path().string(), "lsit"});
    EXPECT_TRUE(contains(course.err, "did you mean list")) << show(course);
}

TEST_F(CliCourse, ATrackOfTheCertificateWithoutModulesSaysSo) {
    // Every track of the course has a module now: this copy's mastery track is taken away.
    fs::remove_all(dir.path() / "tracks" / "mastery");
    auto list = kc({"list", "--track", "mastery"});
    EXPECT_EQ(list.exit_code, 0) << show(list);
    EXPECT_TRUE(contains(list.out, "no modules yet")) << show(list);
    auto debugging = kc({"list", "--track", "debugging"});
    EXPECT_EQ(debugging.exit_code, 0) << show(debugging);
    EXPECT_TRUE(contains(debugging.out, "debugging/01")) << show(debugging);
    auto typo = kc({"list", "--track", "debuging"});
    EXPECT_EQ(typo.exit_code, 2) << show(typo);
    EXPECT_TRUE(contains(typo.err, "did you mean debugging")) << show(typo);
    auto check = kc({"check", "--track", "mastery"});
    EXPECT_EQ(check.exit_code, 2) << show(check);
    EXPECT_TRUE(contains(check.err, "no modules yet")) << show(check);
}

TEST_F(CliCourse, CheckAllWithATrackGradesThatTrack) {
    auto r = kc({"check", "--all", "--track", "basics", "--compile-only"});
    EXPECT_EQ(r.exit_code, 3) << show(r);
    EXPECT_TRUE(contains(r.out, "basics/00")) << show(r);
    EXPECT_FALSE(contains(r.out, "missing-elements/")) << show(r);
    EXPECT_TRUE(contains(r.out, "1 module(s)")) << show(r);
}

TEST_F(CliFixtures, AnEmptyListSaysSo) {
    auto r = kc({"list", "--status", "passed"});
    EXPECT_EQ(r.exit_code, 0) << show(r);
    EXPECT_TRUE(contains(r.out, "no module passed yet")) << show(r);
    auto j = kc({"--json", "list", "--status", "passed"});
    EXPECT_TRUE(j.json().at("modules").empty()) << show(j);
}

// Whether a process waits for a lock on the file with inode `ino` ("->" lines of /proc/locks).
bool someone_waits_for(ino_t ino) {
    std::istringstream locks(read_text("/proc/locks"));
    const std::string file = ":" + std::to_string(ino) + " ";
    for (std::string l; std::getline(locks, l);)
        if (contains(l, "->") && contains(l, file)) return true;
    return false;
}

// Holds a lock file until another process waits for it (a minute at most), then lets go.
class LockHolder {
public:
    explicit LockHolder(const fs::path& lock) {
        fs::create_directories(lock.parent_path());
        fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        EXPECT_EQ(::flock(fd_, LOCK_EX), 0);
        struct stat st {};
        ::fstat(fd_, &st);
        thread_ = std::thread([this, ino = st.st_ino] {
            for (int i = 0; i < 1200 && !someone_waits_for(ino); ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            ::close(fd_);
        });
    }
    ~LockHolder() { thread_.join(); }

private:
    int fd_ = -1;
    std::thread thread_;
};

TEST_F(CliFixtures, WaitingForTheProgressLockIsSaid) {
    CliRun r;
    {
        LockHolder held(dir.path() / ".kernelcoach/progress.lock");
        r = kc({"run", "fixtures/03"});
    }
    EXPECT_EQ(r.exit_code, 1) << show(r);
    EXPECT_TRUE(contains(r.err, "waiting for")) << show(r);
    EXPECT_TRUE(contains(r.err, "progress.lock")) << show(r);
    EXPECT_EQ(json::parse(slurp(progress_file())).at("modules").at("fixtures/03").at("attempts"), 1);
}

TEST_F(CliFixtures, ControlBytesAreNeverEchoedRaw) {
    auto id = kc({"run", "vec\x1b[31madd\x07"});
    EXPECT_EQ(id.exit_code, 2) << show(id);
    EXPECT_FALSE(contains(id.err, "\x1b")) << show(id);
    EXPECT_FALSE(contains(id.err, "\x07")) << show(id);
    EXPECT_TRUE(contains(id.err, "vec\\x1b[31madd\\x07")) << show(id);
    // A source line with an ESC in it, shown with its compile error.
    const fs::path k = dir.path() / "tracks/fixtures/module-03-compile-error/kernel.cu";
    std::string src = slurp(k);
    src.replace(src.find("threadIdy.x;"), 12, "threadIdy.x; /* \x1b[2J */");
    write_text(k, src);
    auto run = kc({"run", "fixtures/03"});
    EXPECT_EQ(run.exit_code, 1) << show(run);
    EXPECT_TRUE(contains(run.out, "threadIdy.x; /* \\x1b[2J */")) << show(run);
    EXPECT_FALSE(contains(run.out, "\x1b")) << show(run);
}

// What the binary writes to a terminal (a pseudo-terminal), with NO_COLOR unset and `env` set.
std::string on_terminal(const std::vector<std::string>& args, const fs::path& cwd, const std::vector<std::string>& env) {
    int master = -1;
    const pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
    if (pid == 0) {
        if (::chdir(cwd.c_str()) != 0) ::_exit(126);
        ::unsetenv("NO_COLOR");
        for (const auto& e : env) ::putenv(::strdup(e.c_str()));
        std::vector<char*> argv = {const_cast<char*>(KC_BINARY)};
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        ::execv(KC_BINARY, argv.data());
        ::_exit(127);
    }
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::read(master, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
    int status = 0;
    ::waitpid(pid, &status, 0);
    ::close(master);
    return out;
}

TEST_F(CliFixtures, ADumbTerminalGetsNoColour) {
    EXPECT_TRUE(contains(on_terminal({"list"}, dir.path(), {"TERM=xterm"}), "\x1b[")) << "a terminal gets colour";
    const std::string dumb = on_terminal({"list"}, dir.path(), {"TERM=dumb"});
    EXPECT_TRUE(contains(dumb, "fixtures/01")) << dumb;
    EXPECT_FALSE(contains(dumb, "\x1b")) << dumb;
}

TEST_F(CliFixtures, SeedsAndTimeoutsMustBeNumbersThatMakeSense) {
    for (std::vector<std::string> args :
         {std::vector<std::string>{"run", "fixtures/03", "--timeout", "nan"}, {"run", "fixtures/03", "--timeout", "inf"},
          {"run", "fixtures/03", "--timeout", "0"}, {"run", "fixtures/03", "--seed", "-1"},
          {"run", "fixtures/03", "--seed", "1.5"}, {"bench", "fixtures/03", "--timeout", "nan"},
          {"bench", "fixtures/03", "--seed", "-1"}}) {
        auto r = kc(args);
        EXPECT_EQ(r.exit_code, 2) << args[2] << " " << args[3] << "\n" << show(r);
        EXPECT_TRUE(contains(r.err, args[2])) << show(r);
    }
    auto ok = kc({"run", "fixtures/03", "--seed", "0", "--timeout", "2.5"});
    EXPECT_EQ(ok.exit_code, 1) << show(ok);
}

TEST_F(CliFixtures, JsonErrorsAreJsonDocuments) {
    auto r = kc({"--json", "run", "no-such-module"});
    EXPECT_EQ(r.exit_code, 2) << show(r);
    const json j = r.json();
    EXPECT_EQ(j.at("schema"), 1);
    EXPECT_EQ(j.at("exit_code"), 2);
    EXPECT_TRUE(contains(j.at("error").at("message").get<std::string>(), "no module 'no-such-module'")) << j.dump(2);
    EXPECT_TRUE(contains(r.err, "no module")) << show(r);  // and people still read it on stderr
    auto usage = kc({"run", "--json"});  // no module named: a usage error from the parser
    EXPECT_EQ(usage.exit_code, 2) << show(usage);
    EXPECT_EQ(usage.json().at("exit_code"), 2) << show(usage);
    TempDir empty;
    auto outside = run_cli({"--json", "list"}, empty.path());
    EXPECT_EQ(outside.json().at("exit_code"), 2) << show(outside);
}

TEST_F(CliFixtures, AReadOnlyProgressFileIsLeftAlone) {
    ASSERT_EQ(kc({"run", "fixtures/03"}).exit_code, 1);
    const std::string before = slurp(progress_file());
    fs::permissions(progress_file(), fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
    auto r = kc({"run", "fixtures/03"});
    EXPECT_EQ(r.exit_code, 4) << show(r);
    EXPECT_TRUE(contains(r.err, "read-only")) << show(r);
    EXPECT_TRUE(contains(r.out, "COMPILE_ERROR")) << show(r);  // the grade, then the error
    EXPECT_EQ(slurp(progress_file()), before);
    EXPECT_EQ(fs::status(progress_file()).permissions() & fs::perms::owner_write, fs::perms::none);
}

TEST_F(CliFixtures, OutputThatCannotBeWrittenIsAFailure) {
    const std::string cmd = "cd '" + dir.path().string() + "' && NO_COLOR=1 '" + KC_BINARY + "' list >/dev/full 2>/dev/null";
    const int status = std::system(cmd.c_str());
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 4);
}

}  // namespace
}  // namespace kc::test
