// kernelcoach tune on copies of the fixture course, without a GPU: every variant of
// fixtures/16 compiles and is SKIPPED (exit 0, nothing measured, nothing written); a variant that
// cannot launch is listed with its reason; a file without tunables, a bad value and a module
// with parts are usage errors; --last shows a recorded run.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "course/manifest.h"
#include "support/cli.h"
#include "tune/last.h"
#include "tune/table.h"

namespace kc::test {
namespace {

namespace fs = std::filesystem;

class TuneCli : public ::testing::Test {
protected:
    void SetUp() override { copy_course(fixture_course(), dir.path()); }
    CliRun kc(const std::vector<std::string>& args) const { return run_cli(args, dir.path()); }
    fs::path module16() const { return dir.path() / "tracks/fixtures/module-16-variant-gate"; }
    TempDir dir;
};

TEST_F(TuneCli, EveryVariantCompilesAndIsSkippedWithoutAGpu) {
    const std::string before = read_text(module16() / "kernel.cu");
    auto r = kc({"tune", "fixtures/16", "--write"});
    ASSERT_EQ(r.exit_code, 0) << show(r);
    EXPECT_TRUE(contains(r.out, "tune fixtures/16: 5 variants of kernel.cu")) << r.out;
    EXPECT_TRUE(contains(r.out, "BLOCKS: 16, 132, 264, 528 (default (4 * kc::device.sm_count), line ")) << r.out;
    for (const char* row : {"\ndefault ", "\n16 ", "\n132 ", "\n264 ", "\n528 "}) {
        const auto at = r.out.find(row);
        ASSERT_NE(at, std::string::npos) << row << "\n" << r.out;
        EXPECT_TRUE(contains(r.out.substr(at, r.out.find('\n', at + 1) - at), "SKIPPED")) << row << "\n" << r.out;
    }
    EXPECT_TRUE(contains(r.out, "nothing measured: compiled; not run:")) << r.out;
    EXPECT_TRUE(contains(r.err, "tuning 5/5: BLOCKS=528")) << r.err;
    EXPECT_TRUE(contains(r.out, "--write: nothing was measured, so tracks/fixtures/module-16-variant-gate/kernel.cu is unchanged"))
        << r.out;
    EXPECT_EQ(read_text(module16() / "kernel.cu"), before);
    EXPECT_FALSE(fs::exists(dir.path() / ".kernelcoach/tune")) << "nothing measured, nothing recorded";
}

TEST_F(TuneCli, FileTunesAnotherFile) {
    const fs::path mine = dir.path() / "mine.cu";
    std::string text = read_text(module16() / "kernel.cu");
    text.replace(text.find("// tune: BLOCKS="), 0, "// tune: BLOCKS=8\n");
    write_text(mine, text);
    auto r = kc({"tune", "fixtures/16", "--file", mine.string(), "--write"});
    ASSERT_EQ(r.exit_code, 0) << show(r);
    EXPECT_TRUE(contains(r.out, "tune fixtures/16: 6 variants of " + mine.string())) << r.out;
    EXPECT_TRUE(contains(r.out, "so " + mine.string() + " is unchanged")) << r.out;
    auto missing = kc({"tune", "fixtures/16", "--file", (dir.path() / "none.cu").string()});
    EXPECT_EQ(missing.exit_code, 2) << show(missing);
}

TEST_F(TuneCli, JsonAndTheCoursesValuesAndAVariantThatCannotLaunch) {
    // module.json adds BLOCKS=0 to the file's values: a grid of zero blocks, WRONG before any GPU.
    const fs::path manifest = module16() / "module.json";
    std::string text = read_text(manifest);
    text.replace(text.find("\"pass\""), 0, "\"tune\": {\"BLOCKS\": [0, 16]},\n  ");
    write_text(manifest, text);
    auto r = kc({"tune", "fixtures/16", "--json"});
    ASSERT_EQ(r.exit_code, 0) << show(r);
    const auto j = r.json();
    EXPECT_EQ(j["module"], "fixtures/16");
    ASSERT_EQ(j["tunables"].size(), 1u);
    EXPECT_EQ(j["tunables"][0]["values"], nlohmann::json({"16", "132", "264", "528", "0"}));
    const auto& vs = j["tune"]["variants"];
    ASSERT_EQ(vs.size(), 6u) << j.dump(2);
    int skipped = 0;
    for (const auto& v : vs) {
        if (v["verdict"] == "SKIPPED") ++skipped;
        else {
            EXPECT_EQ(v["verdict"], "WRONG") << v.dump();
            EXPECT_EQ(v["defines"]["BLOCKS"], "0");
            EXPECT_TRUE(contains(v["reason"].get<std::string>(), "zero")) << v.dump();
        }
    }
    EXPECT_EQ(skipped, 5);
    EXPECT_FALSE(j["tune"].contains("winner"));
    // In text, the invalid variant is listed apart with its reason.
    auto t = kc({"tune", "fixtures/16"});
    EXPECT_TRUE(contains(t.out, "1 invalid:\n  BLOCKS=0: WRONG: ")) << show(t);
}

TEST_F(TuneCli, AFileWithoutTunablesSaysHowToDeclareOne) {
    auto r = kc({"tune", "fixtures/01"});
    EXPECT_EQ(r.exit_code, 2) << show(r);
    EXPECT_TRUE(contains(r.err, "kernel.cu declares no tunables")) << r.err;
    EXPECT_TRUE(contains(r.err, "add a `// tune: NAME=a,b` line next to a `#ifndef NAME` default")) << r.err;
}

TEST_F(TuneCli, ABadValueNamesItsLine) {
    const fs::path kernel = module16() / "kernel.cu";
    std::string text = read_text(kernel);
    const auto at = text.find("// tune: BLOCKS=");
    ASSERT_NE(at, std::string::npos);
    text.replace(at, text.find('\n', at) - at, "// tune: BLOCKS=16;rm");
    write_text(kernel, text);
    auto r = kc({"tune", "fixtures/16"});
    EXPECT_EQ(r.exit_code, 2) << show(r);
    EXPECT_TRUE(contains(r.err, "kernel.cu:")) << r.err;
    EXPECT_TRUE(contains(r.err, "'16;rm' is not an integer or a name")) << r.err;
}

TEST_F(TuneCli, AModuleWithPartsNeedsThePart) {
    auto r = kc({"tune", "fixtures/15"});
    EXPECT_EQ(r.exit_code, 2) << show(r);
    EXPECT_TRUE(contains(r.err, "tune tunes one kernel, and fixtures/15 has 2 parts")) << r.err;
}

TEST_F(TuneCli, LastShowsTheRecordedRunOfEachGpu) {
    auto none = kc({"tune", "fixtures/16", "--last"});
    ASSERT_EQ(none.exit_code, 0) << show(none);
    EXPECT_TRUE(contains(none.out, "no tune result recorded yet")) << none.out;

    tune::Outcome fast, slow;
    fast.variant.defines = {{"BLOCKS", "528"}};
    slow.variant.defines = {};
    for (auto* o : {&fast, &slow}) {
        o->verdict = grade::Verdict::Passed;
        o->vendor_ms = 0.05;
        o->registers = 12;
    }
    fast.ms = 0.04;
    slow.ms = 0.05;
    const auto table = tune::table_json(tune::rank({slow, fast}));
    ASSERT_TRUE(tune::save_last(tune::last_path(dir.path(), "fixtures/16"), "fixtures/16",
                                {"GPU-1234", "NVIDIA H200", "2026-12-02T17:00:00Z", table}));
    auto r = kc({"tune", "fixtures/16", "--last"});
    ASSERT_EQ(r.exit_code, 0) << show(r);
    EXPECT_TRUE(contains(r.out, "fixtures/16 on NVIDIA H200 (GPU-1234), 2026-12-02T17:00:00Z:")) << r.out;
    EXPECT_TRUE(contains(r.out, "fastest: BLOCKS=528")) << r.out;
    EXPECT_TRUE(contains(r.out, "1.25x your defaults")) << r.out;
    auto j = kc({"tune", "fixtures/16", "--last", "--json"});
    ASSERT_EQ(j.exit_code, 0) << show(j);
    EXPECT_EQ(j.json()["last"][0]["tune"]["winner"]["label"], "BLOCKS=528");
}

TEST(TuneManifest, TuneValuesAreIntegersOrNames) {
    const std::string head = R"({"format": 1, "title": "t", "exercise": "vector-add", "kernel": "k", "starter": "WRONG",
                                 "cases": [{"name": "a", "n": 1}], )";
    auto ok = course::parse_manifest(head + R"("tune": {"BM": [64, "kWide"], "AA": [1]}})", "m.json");
    ASSERT_TRUE(ok) << ok.error().message;
    ASSERT_EQ(ok->tune.size(), 2u);  // by name
    EXPECT_EQ(ok->tune[0].first, "AA");
    EXPECT_EQ(ok->tune[1].first, "BM");
    EXPECT_EQ(ok->tune[1].second, (std::vector<std::string>{"64", "kWide"}));
    for (const char* bad : {R"("tune": {"BM": [1.5]}})", R"("tune": {"BM": []}})", R"("tune": {"1BM": [1]}})",
                            R"("tune": [1]})", R"("tune": {"BM": ["-o x"]}})"}) {
        auto r = course::parse_manifest(head + bad, "m.json");
        ASSERT_FALSE(r) << bad;
        EXPECT_TRUE(contains(r.error().message, "m.json: tune")) << r.error().message;
    }
}

}  // namespace
}  // namespace kc::test
