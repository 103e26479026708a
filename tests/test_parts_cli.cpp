// A module with parts on the command line (fixtures/15: part `add`, a vector add whose starter
// passes, and part `convert`, whose starter is wrong), on a machine without a GPU: every command
// takes the module and a part, and progress, list and solution follow the module's status as
// derived from its parts'.
#include <gtest/gtest.h>

#include <regex>

#include <sys/wait.h>

#include <cstdlib>
#include <sstream>

#include "support/cli.h"

namespace kc::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

size_t count_of(const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

class Parts : public ::testing::Test {
protected:
    void SetUp() override { copy_course(fixture_course(), dir.path()); }
    CliRun kc(const std::vector<std::string>& args) const { return run_cli(args, dir.path()); }
    fs::path folder() const { return dir.path() / "tracks/fixtures/module-15-parts"; }
    // progress.json holding `entries` ({"fixtures/15/add": "passed", ...}).
    void progress(const std::map<std::string, std::string>& entries) const {
        json modules = json::object();
        for (const auto& [id, status] : entries) modules[id] = {{"attempts", 1}, {"status", status}};
        write_text(dir.path() / ".kernelcoach/progress.json", json{{"schema", 1}, {"modules", modules}}.dump());
    }
    // convert.cu edited (no longer the untouched starter) so that a failed attempt shows as failed.
    void touch_convert() const { write_text(folder() / "convert.cu", read_text(folder() / "convert.cu") + "// mine\n"); }
    TempDir dir;
};

// ---- run ------------------------------------------------------------------------------------

TEST_F(Parts, RunOfTheModuleGradesEveryPartAndSumsUp) {
    auto r = kc({"run", "fixtures/15", "--compile-only"});
    EXPECT_EQ(r.exit_code, 3) << show(r);  // nothing failed, nothing passed: not run
    EXPECT_TRUE(contains(r.out, "fixtures/15/add  Part add: a vector add  tracks/fixtures/module-15-parts/add.cu")) << show(r);
    EXPECT_TRUE(contains(r.out, "fixtures/15/convert  Part convert: four element types  tracks/fixtures/module-15-parts/convert.cu"))
        << show(r);
    EXPECT_EQ(count_of(r.out, "grid 16384 x block 256"), 2u) << show(r);  // each part's timed case, compiled
    EXPECT_TRUE(contains(r.out, "\nfixtures/15: 0 of 2 parts passed (2 SKIPPED)\n")) << show(r);
    EXPECT_FALSE(contains(r.out, "PASSED")) << show(r);

    auto j = kc({"--json", "run", "fixtures/15", "--compile-only"});
    ASSERT_EQ(j.exit_code, 3) << show(j);
    const json doc = j.json();
    EXPECT_EQ(doc.at("module"), (json{{"id", "fixtures/15"}, {"parts", 2}, {"passed", 0}}));
    ASSERT_EQ(doc.at("results").size(), 2u);
    EXPECT_EQ(doc.at("results")[0].at("module"), "fixtures/15/add");
    EXPECT_EQ(doc.at("results")[0].at("part"), "add");
    EXPECT_EQ(doc.at("results")[1].at("part"), "convert");
    EXPECT_EQ(doc.at("results")[1].at("source"), "tracks/fixtures/module-15-parts/convert.cu");
    EXPECT_FALSE(doc.contains("result"));
}

TEST_F(Parts, RunOfAPartGradesThatPart) {
    auto r = kc({"--json", "run", "fixtures/15/convert", "--compile-only"});
    ASSERT_EQ(r.exit_code, 3) << show(r);
    const json doc = r.json();
    EXPECT_EQ(doc.at("result").at("module"), "fixtures/15/convert");
    EXPECT_EQ(doc.at("result").at("part"), "convert");
    EXPECT_FALSE(doc.contains("module"));
    auto text = kc({"run", "fixtures/module-15-parts/add", "--compile-only"});
    EXPECT_TRUE(contains(text.out, "fixtures/15/add")) << show(text);
    EXPECT_FALSE(contains(text.out, "fixtures/15/convert")) << show(text);
    EXPECT_FALSE(contains(text.out, "parts passed")) << show(text);
    auto typo = kc({"run", "fixtures/15/convrt"});
    EXPECT_EQ(typo.exit_code, 2) << show(typo);
    EXPECT_TRUE(contains(typo.err, "fixtures/15 has no part 'convrt'")) << show(typo);
    EXPECT_TRUE(contains(typo.err, "did you mean fixtures/15/convert?")) << show(typo);
}

TEST_F(Parts, FileNeedsAPartOfAModuleWithParts) {
    const auto file = (folder() / "solution/add.cu").string();
    auto r = kc({"run", "fixtures/15", "--file", file});
    EXPECT_EQ(r.exit_code, 2) << show(r);
    EXPECT_TRUE(contains(r.err, "name the part it is for: fixtures/15/add, fixtures/15/convert")) << show(r);
    auto ok = kc({"run", "fixtures/15/add", "--file", file, "--compile-only"});
    EXPECT_EQ(ok.exit_code, 3) << show(ok);
    EXPECT_TRUE(contains(ok.out, "tracks/fixtures/module-15-parts/solution/add.cu")) << show(ok);
}

TEST_F(Parts, ACompileErrorInOnePartFailsTheModule) {
    write_text(folder() / "convert.cu", read_text(folder() / "convert.cu") + "\nthis does not compile\n");
    auto r = kc({"run", "fixtures/15"});
    EXPECT_EQ(r.exit_code, 1) << show(r);
    EXPECT_TRUE(contains(r.out, "tracks/fixtures/module-15-parts/convert.cu:")) << show(r);
    EXPECT_TRUE(contains(r.out, "fixtures/15: 0 of 2 parts passed (1 COMPILE_ERROR, 1 SKIPPED)")) << show(r);
    // Each part is recorded under its own id (a SKIPPED one is no attempt); the module's status
    // is derived from them.
    const json p = json::parse(read_text(dir.path() / ".kernelcoach/progress.json"));
    EXPECT_EQ(p.at("modules").at("fixtures/15/convert").at("status"), "failed");
    EXPECT_FALSE(p.at("modules").contains("fixtures/15/add"));
    EXPECT_FALSE(p.at("modules").contains("fixtures/15"));
    const json listed = kc({"--json", "list"}).json();
    const json* m = nullptr;
    for (const auto& e : listed.at("modules"))
        if (e.at("id") == "fixtures/15") m = &e;
    ASSERT_NE(m, nullptr) << listed.dump(2);
    EXPECT_EQ(m->at("status"), "failed");
    EXPECT_EQ(m->at("parts")[0].at("status"), "not-started");
    EXPECT_EQ(m->at("parts")[1].at("status"), "failed");
    auto text = kc({"list"});
    // The parts under the module, every status in one column (a long title no longer pushes it).
    std::smatch m3;
    ASSERT_TRUE(std::regex_search(text.out, m3,
                                  std::regex("\n(  fixtures/15 +Fixture: parts +)failed\n"
                                             "(    fixtures/15/add +Part add: a vector add +)not started\n"
                                             "(    fixtures/15/convert +Part convert: four element types +)failed\n")))
        << show(text);
    EXPECT_EQ(m3[1].length(), m3[2].length());
    EXPECT_EQ(m3[1].length(), m3[3].length());
    auto failed = kc({"list", "--status", "failed"});
    EXPECT_TRUE(contains(failed.out, "fixtures/15/convert")) << show(failed);
    EXPECT_TRUE(contains(failed.out, "fixtures/15/add")) << show(failed);  // the module is shown whole
    EXPECT_FALSE(contains(failed.out, "fixtures/14")) << show(failed);
}

// ---- check --------------------------------------------------------------------------------------

TEST_F(Parts, CheckOfTheModuleHasALinePerPartAndTheModule) {
    auto r = kc({"check", "fixtures/15", "fixtures/01", "--compile-only"});
    EXPECT_EQ(r.exit_code, 3) << show(r);
    EXPECT_TRUE(contains(r.out, "\nfixtures/15/add ")) << show(r);
    EXPECT_TRUE(contains(r.out, "\nfixtures/15/convert ")) << show(r);
    EXPECT_TRUE(contains(r.out, "\nfixtures/15: 0 of 2 parts passed (2 SKIPPED)\n")) << show(r);
    EXPECT_TRUE(contains(r.out, "\n2 module(s), 3 kernels graded: 3 SKIPPED\n")) << show(r);
    const json j = kc({"--json", "check", "fixtures/15", "--compile-only"}).json();
    ASSERT_EQ(j.at("results").size(), 2u);
    EXPECT_EQ(j.at("results")[1].at("part"), "convert");
    EXPECT_EQ(j.at("modules"), json::array({json{{"id", "fixtures/15"}, {"parts", 2}, {"passed", 0}}}));
    // One part named: no module line.
    auto one = kc({"check", "fixtures/15/add", "--compile-only"});
    EXPECT_FALSE(contains(one.out, "parts passed")) << show(one);
    EXPECT_TRUE(contains(one.out, "\n1 module(s): 1 SKIPPED\n")) << show(one);
}

// ---- dev check ------------------------------------------------------------------------------------

TEST_F(Parts, DevCheckCoversEveryPartsStarterSolutionAndControls) {
    auto r = kc({"--json", "dev", "check", "fixtures/15"});
    const json j = r.json();
    EXPECT_EQ(j.at("failed"), 0) << j.dump(2);
    std::map<std::string, std::string> got;  // "module check" -> status
    for (const auto& c : j.at("checks"))
        got[c.at("module").get<std::string>() + " " + c.at("check").get<std::string>()] = c.at("status");
    for (const char* static_check : {"fixtures/15 files", "fixtures/15/add TODO markers in add.cu",
                                     "fixtures/15/add starter_hash in module.json", "fixtures/15/convert hints.md",
                                     "fixtures/15/convert starter_hash in module.json"})
        EXPECT_EQ(got[static_check], "ok") << static_check << "\n" << j.dump(2);
    // Without a GPU what compiled is skipped, never passed; with one, each gets its verdict.
    const std::string graded = j.at("device").at("available").get<bool>() ? "ok" : "skipped";
    for (const char* graded_check :
         {"fixtures/15/add starter add.cu", "fixtures/15/add solution", "fixtures/15/add control controls/add-no-bounds-check.cu",
          "fixtures/15/add control controls/add-grid-stride.cu", "fixtures/15/convert starter convert.cu",
          "fixtures/15/convert solution", "fixtures/15/convert control controls/convert-unclamped-uint8.cu",
          "fixtures/15/convert control controls/convert-two-per-thread.cu"})
        EXPECT_EQ(got[graded_check], graded) << graded_check << "\n" << j.dump(2);
    EXPECT_EQ(r.exit_code, graded == "ok" ? 0 : 3) << show(r);
}

TEST_F(Parts, DevCheckOfOnePartKnowsTheOtherPartsFiles) {
    auto one = kc({"--json", "dev", "check", "fixtures/15/add", "--compile-only"});
    const json j = one.json();
    EXPECT_EQ(j.at("failed"), 0) << j.dump(2);
    for (const auto& c : j.at("checks")) EXPECT_NE(c.at("module"), "fixtures/15/convert") << c.dump();
    // A stray file, or a part's solution gone, fails the folder's check.
    write_text(folder() / "notes.txt", "left behind");
    fs::remove(folder() / "solution/convert.cu");
    auto bad = kc({"--json", "dev", "check", "fixtures/15", "--compile-only"});
    EXPECT_EQ(bad.exit_code, 1) << show(bad);
    bool seen = false;
    const json doc = bad.json();  // alive through the loop
    for (const auto& c : doc.at("checks"))
        if (c.at("check") == "files") {
            seen = true;
            EXPECT_EQ(c.at("status"), "FAIL");
            EXPECT_TRUE(contains(c.at("detail"), "stray: notes.txt")) << c.dump();
            EXPECT_TRUE(contains(c.at("detail"), "missing: solution/convert.cu")) << c.dump();
        }
    EXPECT_TRUE(seen);
}

// ---- solution, hint, reset ------------------------------------------------------------------------

TEST_F(Parts, SolutionsShowOncePassed) {
    progress({{"fixtures/15/add", "passed"}});
    auto part = kc({"solution", "fixtures/15/add"});
    EXPECT_EQ(part.exit_code, 0) << show(part);
    EXPECT_TRUE(contains(part.out, "// tracks/fixtures/module-15-parts/solution/add.cu\n")) << show(part);
    auto other = kc({"solution", "fixtures/15/convert"});
    EXPECT_EQ(other.exit_code, 2) << show(other);
    auto whole = kc({"solution", "fixtures/15"});
    EXPECT_EQ(whole.exit_code, 2) << show(whole);
    EXPECT_TRUE(contains(whole.err, "fixtures/15 is not passed yet (1 of its 2 parts not)")) << show(whole);
    EXPECT_TRUE(contains(whole.err, "kernelcoach hint fixtures/15/convert")) << show(whole);

    progress({{"fixtures/15/add", "passed"}, {"fixtures/15/convert", "passed"}});
    auto both = kc({"solution", "fixtures/15"});
    EXPECT_EQ(both.exit_code, 0) << show(both);
    EXPECT_TRUE(contains(both.out, "// tracks/fixtures/module-15-parts/solution/add.cu\n")) << show(both);
    EXPECT_TRUE(contains(both.out, "// tracks/fixtures/module-15-parts/solution/convert.cu\n")) << show(both);
    const json j = kc({"--json", "solution", "fixtures/15"}).json();
    EXPECT_EQ(j.at("module"), "fixtures/15");
    ASSERT_EQ(j.at("solutions").size(), 2u);
    EXPECT_EQ(j.at("solutions")[1].at("part"), "convert");
    EXPECT_EQ(j.at("solutions")[1].at("path"), "tracks/fixtures/module-15-parts/solution/convert.cu");
    EXPECT_EQ(j.at("solutions")[1].at("text"), read_text(folder() / "solution/convert.cu"));
}

TEST_F(Parts, HintOfTheModuleIsForItsFirstPartNotPassed) {
    progress({{"fixtures/15/add", "passed"}});
    auto r = kc({"hint", "fixtures/15"});
    EXPECT_EQ(r.exit_code, 0) << show(r);
    EXPECT_TRUE(contains(r.out, "fixtures/15/convert is the first part of fixtures/15 not passed yet")) << show(r);
    EXPECT_TRUE(contains(r.out, "Hint 1 of 2")) << show(r);
    const json j = kc({"--json", "hint", "fixtures/15"}).json();  // the next one: convert's count is its own
    EXPECT_EQ(j.at("module"), "fixtures/15/convert");
    EXPECT_EQ(j.at("part"), "convert");
    EXPECT_EQ(j.at("hint").at("number"), 2);
    const json p = json::parse(read_text(dir.path() / ".kernelcoach/progress.json"));
    EXPECT_EQ(p.at("modules").at("fixtures/15/convert").at("hints_shown"), 2);
    EXPECT_FALSE(p.at("modules").at("fixtures/15/add").contains("hints_shown"));
    const json add = kc({"--json", "hint", "fixtures/15/add"}).json();
    EXPECT_EQ(add.at("module"), "fixtures/15/add");
    EXPECT_EQ(add.at("hint").at("number"), 1);
    EXPECT_EQ(add.at("total"), 1);  // hint 2 names part convert: add has one hint
    const json none = kc({"--json", "hint", "fixtures/15/add"}).json();
    EXPECT_TRUE(none.at("hint").is_null()) << none.dump();
}

TEST_F(Parts, ResetOfAPartOrOfTheModule) {
    ASSERT_EQ(kc({"list"}).exit_code, 0);  // keeps a copy of each untouched starter
    const std::string add = read_text(folder() / "add.cu"), convert = read_text(folder() / "convert.cu");
    write_text(folder() / "add.cu", "// mine\n");
    write_text(folder() / "convert.cu", "// mine too\n");
    auto part = kc({"reset", "fixtures/15/add", "--yes"});
    EXPECT_EQ(part.exit_code, 0) << show(part);
    EXPECT_TRUE(contains(part.out, "fixtures/15/add: starter restored; your file is kept as .kernelcoach/backups/"
                                   "fixtures/module-15-parts/add.cu.")) << show(part);
    EXPECT_EQ(read_text(folder() / "add.cu"), add);
    EXPECT_EQ(read_text(folder() / "convert.cu"), "// mine too\n");
    auto whole = kc({"reset", "fixtures/15", "--yes"});
    EXPECT_EQ(whole.exit_code, 0) << show(whole);
    EXPECT_TRUE(contains(whole.out, "fixtures/15/add: already the starter; nothing to do")) << show(whole);
    EXPECT_TRUE(contains(whole.out, "fixtures/15/convert: starter restored")) << show(whole);
    EXPECT_EQ(read_text(folder() / "convert.cu"), convert);
}

// ---- list, progress, info, bench ------------------------------------------------------------------

TEST_F(Parts, ProgressCountsTheModuleOnceWithItsPartsUnderIt) {
    touch_convert();
    progress({{"fixtures/15/add", "passed"}, {"fixtures/15/convert", "failed"}});
    auto r = kc({"progress"});
    EXPECT_EQ(r.exit_code, 0) << show(r);
    EXPECT_TRUE(std::regex_search(r.out, std::regex("\n  fixtures/15 +Fixture: parts +failed\n"
                                                    "    fixtures/15/add +Part add: a vector add +passed  1 attempt\\(s\\)\n")))
        << show(r);
    EXPECT_TRUE(contains(r.out, "] 0/18  (not counted)")) << show(r);
    const json j = kc({"--json", "progress"}).json();
    const json& fixtures = j.at("tracks").back();
    EXPECT_EQ(fixtures.at("track"), "fixtures");
    EXPECT_EQ(fixtures.at("modules").size(), 18u);
    const json& m = fixtures.at("modules")[14];
    EXPECT_EQ(m.at("id"), "fixtures/15");
    EXPECT_EQ(m.at("status"), "failed");
    EXPECT_EQ(m.at("parts")[0].at("part"), "add");
    EXPECT_EQ(m.at("parts")[0].at("attempts"), 1);
    progress({{"fixtures/15/add", "passed"}, {"fixtures/15/convert", "passed"}});
    EXPECT_TRUE(contains(kc({"progress"}).out, "] 1/18  (not counted)"));
    EXPECT_TRUE(contains(kc({"list", "--status", "passed"}).out, "fixtures/15 "));
}

TEST_F(Parts, InfoShowsEveryPartsContract) {
    auto r = kc({"info", "fixtures/15"});
    EXPECT_EQ(r.exit_code, 0) << show(r);
    EXPECT_TRUE(contains(r.out, "2 parts, each graded on its own; the module passes when every part passes: add, convert"))
        << show(r);
    EXPECT_TRUE(contains(r.out, "extern \"C\" __global__ void vector_add(const float* a, const float* b, float* out, int n)"))
        << show(r);
    EXPECT_TRUE(contains(r.out, "extern \"C\" __global__ void convert(")) << show(r);
    EXPECT_TRUE(contains(r.out, "file: tracks/fixtures/module-15-parts/convert.cu")) << show(r);
    const json j = kc({"--json", "info", "fixtures/15"}).json();
    EXPECT_EQ(j.at("id"), "fixtures/15");
    ASSERT_EQ(j.at("parts").size(), 2u);
    EXPECT_EQ(j.at("parts")[1].at("exercise"), "convert");
    EXPECT_EQ(j.at("parts")[1].at("file"), "convert.cu");
    const json one = kc({"--json", "info", "fixtures/15/add"}).json();
    EXPECT_EQ(one.at("id"), "fixtures/15/add");
    EXPECT_EQ(one.at("part"), "add");
    EXPECT_EQ(kc({"--json", "info"}).json().at("modules"), 18);
}

TEST_F(Parts, BenchTakesTheModuleAndAPart) {
    auto j = kc({"--json", "bench", "fixtures/15"});
    if (j.exit_code == 0) GTEST_SKIP() << "a GPU is here";
    EXPECT_EQ(j.exit_code, 3) << show(j);
    const json doc = j.json();
    ASSERT_EQ(doc.at("benches").size(), 2u);
    EXPECT_EQ(doc.at("benches")[0].at("part"), "add");
    auto one = kc({"--json", "bench", "fixtures/15/convert"});
    EXPECT_EQ(one.json().at("bench").at("part"), "convert");
    EXPECT_EQ(kc({"bench", "fixtures/15", "--file", (folder() / "add.cu").string()}).exit_code, 2);
}

// ---- watch ----------------------------------------------------------------------------------------

TEST_F(Parts, WatchGradesEveryPartThenThePartSaved) {
    const fs::path out = dir.path() / "watch.out";
    std::ostringstream cmd;
    cmd << "(sleep 3; printf 'broken\\n' >> '" << (folder() / "convert.cu").string() << "'; sleep 10; echo quit)"
        << " | timeout 60 env NO_COLOR=1 '" << KC_BINARY << "' --course '" << dir.path().string()
        << "' watch fixtures/15 --compile-only > '" << out.string() << "' 2>&1";
    ASSERT_EQ(std::system(cmd.str().c_str()), 0) << read_text(out);
    const std::string text = read_text(out);
    EXPECT_EQ(count_of(text, "grading fixtures/15/add ..."), 1u) << text;
    EXPECT_EQ(count_of(text, "grading fixtures/15/convert ..."), 2u) << text;
    EXPECT_TRUE(contains(text, "fixtures/15: 0 of 2 parts passed (2 SKIPPED)")) << text;
    EXPECT_TRUE(contains(text, "fixtures/15: 0 of 2 parts passed (1 COMPILE_ERROR, 1 SKIPPED)")) << text;
    EXPECT_TRUE(contains(text, "watching tracks/fixtures/module-15-parts/add.cu, convert.cu")) << text;
}

}  // namespace
}  // namespace kc::test
