// kernelcoach tune's pure parts: tunables from `// tune:` lines and module.json, the variants'
// product and its cap, the rewrite of --write, the ranking and its JSON, the per-device record,
// and the forked copies that build the variants.
#include <gtest/gtest.h>

#include <unistd.h>

#include <set>
#include <stdexcept>

#include "support/cli.h"
#include "tune/last.h"
#include "tune/processes.h"
#include "tune/rewrite.h"
#include "tune/table.h"
#include "tune/tunables.h"

namespace kc::tune {
namespace {

const std::string kSource = R"(#include "kernelcoach.h"
// tune: BM=64,128 BN=32
#ifndef BM
#define BM 128
#endif
#ifndef BN
#  define BN (2 * 16)  // columns per block
#endif
// tune: BN=64,32
)";

TEST(Tunables, FromTuneLinesInFileOrderWithTheirDefaults) {
    auto ts = find_tunables(kSource, {});
    ASSERT_TRUE(ts) << ts.error().message;
    ASSERT_EQ(ts->size(), 2u);
    EXPECT_EQ((*ts)[0].name, "BM");
    EXPECT_EQ((*ts)[0].default_text, "128");
    EXPECT_EQ((*ts)[0].define_line, 4);
    EXPECT_EQ((*ts)[0].values, (std::vector<std::string>{"64", "128"}));
    EXPECT_EQ((*ts)[1].name, "BN");
    EXPECT_EQ((*ts)[1].default_text, "(2 * 16)  // columns per block");
    EXPECT_EQ((*ts)[1].define_line, 7);
    // Two lines naming BN: the union, each value once, in the order first seen.
    EXPECT_EQ((*ts)[1].values, (std::vector<std::string>{"32", "64"}));
}

TEST(Tunables, ModuleJsonAddsItsValuesAfterTheFilesAndItsOwnNames) {
    const std::string src = "#ifndef BM\n#define BM 64\n#endif\n#ifndef STAGES\n#define STAGES 2\n#endif\n// tune: BM=32\n";
    auto ts = find_tunables(src, {{"BM", {"64", "32"}}, {"STAGES", {"1", "3"}}});
    ASSERT_TRUE(ts) << ts.error().message;
    ASSERT_EQ(ts->size(), 2u);
    EXPECT_EQ((*ts)[0].values, (std::vector<std::string>{"32", "64"}));
    EXPECT_EQ((*ts)[1].name, "STAGES");
    EXPECT_EQ((*ts)[1].values, (std::vector<std::string>{"1", "3"}));
}

TEST(Tunables, ANameWithoutAnIfndefDefaultIsAnErrorNamingTheLine) {
    auto ts = find_tunables("#define BM 64\n// tune: BM=32,64\n", {});
    ASSERT_FALSE(ts);
    EXPECT_NE(ts.error().message.find("kernel.cu:2"), std::string::npos) << ts.error().message;
    EXPECT_NE(ts.error().message.find("#ifndef BM"), std::string::npos) << ts.error().message;
    // #ifndef whose next directive defines another name is no default either.
    EXPECT_FALSE(find_tunables("#ifndef BM\n#define BN 64\n#endif\n// tune: BM=32\n", {}));
    auto declared = find_tunables("#ifndef BM\n#define BM 64\n#endif\n", {{"STAGES", {"2"}}});
    ASSERT_FALSE(declared);
    EXPECT_NE(declared.error().message.find("module.json: tune.STAGES"), std::string::npos) << declared.error().message;
}

TEST(Tunables, BadValuesAndLinesAreErrors) {
    const std::string head = "#ifndef BM\n#define BM 64\n#endif\n";
    for (const char* line : {"// tune: BM=64;rm", "// tune: BM=", "// tune: BM", "// tune: BM=32,,64", "// tune: 1X=3",
                             "// tune:", "// tune: BM=\"-o\""}) {
        auto ts = find_tunables(head + line + "\n", {});
        ASSERT_FALSE(ts) << line;
        EXPECT_NE(ts.error().message.find("kernel.cu:4"), std::string::npos) << ts.error().message;
    }
    EXPECT_TRUE(find_tunables(head + "// tune: BM=-1,+2,1.5,kFast\n", {}));
}

TEST(Tunables, NoneIsAnErrorThatSaysHowToDeclareOne) {
    auto ts = find_tunables("#define BM 64\n", {}, "add.cu");
    ASSERT_FALSE(ts);
    EXPECT_EQ(ts.error().message, "add.cu declares no tunables");
    EXPECT_NE(ts.error().detail.find("// tune: NAME=a,b"), std::string::npos);
    // An #ifndef default without candidates is not a tunable yet.
    EXPECT_FALSE(find_tunables("#ifndef BM\n#define BM 64\n#endif\n", {}));
}

std::vector<Tunable> two_by_three() {
    return {{"A", "1", 1, {"1", "2"}}, {"B", "x", 2, {"x", "y", "z"}}};
}

TEST(Variants, DefaultsFirstThenTheProductLastNameFastest) {
    auto v = variants(two_by_three());
    ASSERT_EQ(v.list.size(), 7u);
    EXPECT_EQ(v.skipped, 0u);
    EXPECT_TRUE(v.list[0].is_default());
    EXPECT_EQ(v.list[0].label(), "defaults");
    EXPECT_EQ(v.list[1].label(), "A=1 B=x");
    EXPECT_EQ(v.list[2].label(), "A=1 B=y");
    EXPECT_EQ(v.list[4].label(), "A=2 B=x");
    EXPECT_EQ(v.list[6].label(), "A=2 B=z");
    EXPECT_EQ(v.list[6].options(), (std::vector<std::string>{"-DA=2", "-DB=z"}));
    std::set<std::string> labels;
    for (const auto& x : v.list) labels.insert(x.label());
    EXPECT_EQ(labels.size(), 7u);
}

TEST(Variants, CappedWithTheRestCounted) {
    auto v = variants(two_by_three(), 4);
    EXPECT_EQ(v.list.size(), 4u);
    EXPECT_EQ(v.skipped, 3u);
    std::vector<Tunable> big = {{"A", "0", 1, {}}, {"B", "0", 2, {}}};
    for (int i = 0; i < 10; ++i) {
        big[0].values.push_back(std::to_string(i));
        big[1].values.push_back(std::to_string(i));
    }
    auto capped = variants(big);
    EXPECT_EQ(capped.list.size(), kMaxVariants);
    EXPECT_EQ(capped.skipped, 100 + 1 - kMaxVariants);
}

TEST(Rewrite, OnlyTheDefineValuesChange) {
    auto ts = find_tunables(kSource, {});
    ASSERT_TRUE(ts);
    auto out = write_values(kSource, *ts, {{"BM", "64"}, {"BN", "64"}});
    ASSERT_TRUE(out) << out.error().message;
    std::string expected = kSource;
    expected.replace(expected.find("#define BM 128"), 14, "#define BM 64");
    expected.replace(expected.find("#  define BN (2 * 16)"), 21, "#  define BN 64");
    EXPECT_EQ(*out, expected);
}

TEST(Rewrite, KeepsWindowsLineEndingsAndALastLineWithoutOne) {
    const std::string src = "#ifndef N\r\n#define N 4\r\n#endif\r\n// tune: N=8\r\n#ifndef M\r\n#define M 1";
    auto ts = find_tunables(src, {{"M", {"2"}}});
    ASSERT_TRUE(ts) << ts.error().message;
    auto out = write_values(src, *ts, {{"N", "8"}, {"M", "2"}});
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_EQ(*out, "#ifndef N\r\n#define N 8\r\n#endif\r\n// tune: N=8\r\n#ifndef M\r\n#define M 2");
}

TEST(Rewrite, AFileThatChangedIsAnError) {
    auto ts = find_tunables(kSource, {});
    ASSERT_TRUE(ts);
    auto out = write_values("// a new first line\n" + kSource, *ts, {{"BM", "64"}});
    ASSERT_FALSE(out);
    EXPECT_NE(out.error().message.find("changed"), std::string::npos);
}

Outcome timed(std::vector<std::pair<std::string, std::string>> d, double ms) {
    Outcome o;
    o.variant.defines = std::move(d);
    o.verdict = grade::Verdict::Passed;
    o.ms = ms;
    o.vendor_ms = 1.0;
    o.registers = 16;
    o.shared_bytes = 2048;
    return o;
}

Table sample() {
    Outcome bad;
    bad.variant.defines = {{"BLOCKS", "0"}};
    bad.verdict = grade::Verdict::Wrong;
    bad.reason = "case 'one' (n=1): the grid has zero blocks";
    return rank({timed({}, 2.0), timed({{"BLOCKS", "16"}}, 8.0), bad, timed({{"BLOCKS", "528"}}, 1.0)}, 3);
}

TEST(Table, RankedByTimeInvalidApartAgainstTheDefaults) {
    const Table t = sample();
    ASSERT_EQ(t.ranked.size(), 3u);
    EXPECT_EQ(t.winner()->variant.label(), "BLOCKS=528");
    EXPECT_EQ(t.ranked[1].variant.label(), "defaults");
    EXPECT_EQ(t.ranked[2].variant.label(), "BLOCKS=16");
    EXPECT_DOUBLE_EQ(t.default_ms, 2.0);
    ASSERT_EQ(t.invalid.size(), 1u);
    const std::string text = table_text(t, {"BLOCKS"});
    EXPECT_EQ(text.rfind("BLOCKS ", 0), 0u) << text;
    EXPECT_NE(text.find("verdict  time"), std::string::npos) << text;
    EXPECT_LT(text.find("\n528 "), text.find("\ndefault "));
    EXPECT_LT(text.find("\ndefault "), text.find("\n16 "));
    EXPECT_NE(text.find("2.00x"), std::string::npos) << text;  // 528 against the defaults
    EXPECT_NE(text.find("0.25x"), std::string::npos) << text;  // 16 against the defaults
    EXPECT_NE(text.find("1 invalid:\n  BLOCKS=0: WRONG: case 'one'"), std::string::npos) << text;
    EXPECT_NE(text.find("3 more variants not tried"), std::string::npos) << text;
    EXPECT_NE(text.find("fastest: BLOCKS=528"), std::string::npos) << text;
}

TEST(Table, WithoutAGpuEveryRowIsSkippedAndNothingWins) {
    Outcome s;
    s.verdict = grade::Verdict::Skipped;
    s.reason = "compiled; not run: no GPU";
    const Table t = rank({s});
    EXPECT_EQ(t.winner(), nullptr);
    const std::string text = table_text(t, {"BLOCKS"});
    EXPECT_NE(text.find("SKIPPED"), std::string::npos) << text;
    EXPECT_NE(text.find("nothing measured: compiled; not run: no GPU"), std::string::npos) << text;
}

TEST(Table, JsonComesBackAsTheSameTable) {
    const Table t = sample();
    auto back = table_from_json(table_json(t));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(table_text(*back, {"BLOCKS"}), table_text(t, {"BLOCKS"}));
    EXPECT_EQ(table_json(t)["winner"]["defines"]["BLOCKS"], "528");
    EXPECT_FALSE(table_from_json(nlohmann::json{{"rows", 1}}));
}

TEST(Table, ProgressLine) {
    Variant v;
    v.defines = {{"BM", "64"}, {"BN", "128"}};
    EXPECT_EQ(progress_line(5, 12, v), "tuning 5/12: BM=64 BN=128");
}

TEST(Last, OneRecordPerDeviceNewestFirst) {
    test::TempDir dir;
    const auto file = last_path(dir.path(), "fixtures/16/add");
    EXPECT_EQ(file, dir.path() / ".kernelcoach/tune/fixtures__16__add.json");
    auto none = load_last(file);
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->empty());
    const auto table = table_json(sample());
    ASSERT_TRUE(save_last(file, "fixtures/16/add", {"GPU-a", "NVIDIA H200", "2026-12-01T10:00:00Z", table}));
    ASSERT_TRUE(save_last(file, "fixtures/16/add", {"GPU-b", "NVIDIA H100", "2026-12-02T10:00:00Z", table}));
    ASSERT_TRUE(save_last(file, "fixtures/16/add", {"GPU-a", "NVIDIA H200", "2026-12-01T11:00:00Z", table}));
    auto runs = load_last(file);
    ASSERT_TRUE(runs) << runs.error().message;
    ASSERT_EQ(runs->size(), 2u);
    EXPECT_EQ((*runs)[0].uuid, "GPU-b");
    EXPECT_EQ((*runs)[1].when, "2026-12-01T11:00:00Z");
    EXPECT_EQ((*runs)[1].table, table);
    test::write_text(file, "{\"format\": 7}");
    EXPECT_FALSE(load_last(file));
    // A damaged record is replaced by the next run's.
    ASSERT_TRUE(save_last(file, "fixtures/16/add", {"GPU-a", "NVIDIA H200", "2026-12-03T10:00:00Z", table}));
    EXPECT_EQ(load_last(file)->size(), 1u);
}

TEST(Processes, EveryItemRunsOnceInForkedCopies) {
    test::TempDir dir;
    in_processes(7, 3, [&](size_t i) { test::write_text(dir.path() / std::to_string(i), std::to_string(::getpid())); });
    std::set<std::string> pids;
    for (size_t i = 0; i < 7; ++i) {
        const std::string pid = test::read_text(dir.path() / std::to_string(i));
        ASSERT_FALSE(pid.empty()) << i;
        EXPECT_NE(pid, std::to_string(::getpid()));  // not this process
        pids.insert(pid);
    }
    EXPECT_EQ(pids.size(), 3u);
    // A copy whose work throws still ends, without running this process's code.
    in_processes(2, 2, [](size_t) { throw std::runtime_error("no"); });
}

TEST(TuneTable, ANoteNamesTheGatesTuneDoesNotMeasure) {
    course::PassTarget vendor, stages;
    vendor.kind = grade::GateKind::VsVendor;
    vendor.value = 0.35;
    stages.kind = grade::GateKind::VsVariant;
    stages.value = 1.25;
    stages.defines = {{"STAGES", "1"}};
    EXPECT_EQ(unchecked_gates_note({vendor}), "");
    const auto note = unchecked_gates_note({vendor, stages});
    EXPECT_NE(note.find("at least 1.25x your own file built with STAGES=1 is not measured here"), std::string::npos)
        << note;
}

}  // namespace
}  // namespace kc::tune
