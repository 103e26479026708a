// Nsight Compute's CSV details page, parsed (engine/ncu.h). The fixture is what ncu 2025.3.1
// printed on the H100 for one launch of vector add's solution, the profiled program's own
// output and "==PROF==" lines included (tools/probes/ncu_sections.sh).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "engine/ncu.h"
#include "support/cli.h"

namespace kc::engine {
namespace {

std::string fixture(const char* name) { return kc::test::fixture_text(name); }

const NcuMetric* find_metric(const NcuReport& r, const std::string& name) {
    auto it = std::find_if(r.metrics.begin(), r.metrics.end(), [&](const NcuMetric& m) { return m.name == name; });
    return it == r.metrics.end() ? nullptr : &*it;
}

TEST(Ncu, ParsesTheDetailsPageOfOneLaunch) {
    auto text = fixture("ncu-sections.csv");
    ASSERT_FALSE(text.empty());
    auto r = parse_ncu_csv(text);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->kernel, "vector_add");
    EXPECT_EQ(r->block, "(256, 1, 1)");
    EXPECT_EQ(r->grid, "(4, 1, 1)");
    EXPECT_EQ(r->device_cc, "9.0");
    EXPECT_EQ(r->metrics.size(), 40u);
    EXPECT_EQ(r->rules.size(), 3u);

    const NcuMetric* d = find_metric(*r, "Duration");
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->section, "GPU Speed Of Light Throughput");
    EXPECT_EQ(d->unit, "ns");
    EXPECT_EQ(d->value, "2,880");  // the quoted comma stays in the value
    const NcuMetric* occ = find_metric(*r, "Theoretical Occupancy");
    ASSERT_NE(occ, nullptr);
    EXPECT_EQ(occ->section, "Occupancy");
    EXPECT_EQ(occ->unit, "%");
    EXPECT_EQ(occ->value, "100");
    EXPECT_EQ(find_metric(*r, "DRAM Frequency")->value, "2,577,777,777.78");
    EXPECT_EQ(find_metric(*r, "Block Size")->unit, "");

    auto sol = std::find_if(r->rules.begin(), r->rules.end(), [](const NcuRule& x) { return x.name == "SOLBottleneck"; });
    ASSERT_NE(sol, r->rules.end());
    EXPECT_EQ(sol->type, "OPT");
    EXPECT_EQ(sol->section, "SpeedOfLight");  // a rule row names the section by its short id
    EXPECT_NE(sol->description.find("too small to fill"), std::string::npos);
    EXPECT_EQ(sol->speedup, "");
    auto launch = std::find_if(r->rules.begin(), r->rules.end(),
                               [](const NcuRule& x) { return x.name == "LaunchConfiguration"; });
    ASSERT_NE(launch, r->rules.end());
    EXPECT_EQ(launch->speedup_type, "global");
    EXPECT_EQ(launch->speedup, "96.97");
}

TEST(Ncu, GroupsMetricsBySectionInOrder) {
    auto r = parse_ncu_csv(fixture("ncu-sections.csv"));
    ASSERT_TRUE(r.ok());
    auto sections = by_section(*r);
    ASSERT_EQ(sections.size(), 3u);
    EXPECT_EQ(sections[0].first, "GPU Speed Of Light Throughput");
    EXPECT_EQ(sections[1].first, "Launch Statistics");
    EXPECT_EQ(sections[2].first, "Occupancy");
    EXPECT_EQ(sections[0].second.front().name, "DRAM Frequency");
    EXPECT_EQ(sections[0].second.size(), 10u);
    size_t total = 0;
    for (const auto& s : sections) total += s.second.size();
    EXPECT_EQ(total, r->metrics.size());
}

TEST(Ncu, KeepsOnlyTheFirstLaunch) {
    const std::string head =
        "\"ID\",\"Kernel Name\",\"Block Size\",\"Grid Size\",\"CC\",\"Section Name\",\"Metric Name\",\"Metric Unit\","
        "\"Metric Value\"\n";
    auto r = parse_ncu_csv("program output\n" + head +
                           "\"3\",\"k\",\"(32, 1, 1)\",\"(1, 1, 1)\",\"8.0\",\"S\",\"Duration\",\"us\",\"1.5\"\n"
                           "\"4\",\"k\",\"(64, 1, 1)\",\"(1, 1, 1)\",\"8.0\",\"S\",\"Duration\",\"us\",\"9.0\"\n"
                           "\"3\",\"k\",\"(32, 1, 1)\",\"(1, 1, 1)\",\"8.0\",\"S\",\"Say \"\"hi\"\"\",\"\",\"x\"\r\n");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->block, "(32, 1, 1)");
    ASSERT_EQ(r->metrics.size(), 2u);
    EXPECT_EQ(r->metrics[0].value, "1.5");
    EXPECT_EQ(r->metrics[1].name, "Say \"hi\"");
    EXPECT_EQ(r->metrics[1].value, "x");
    EXPECT_TRUE(r->rules.empty());  // an older ncu without the rule columns
}

TEST(Ncu, NoTableIsAnErrorWithTheEndOfTheText) {
    auto empty = parse_ncu_csv("");
    ASSERT_FALSE(empty.ok());
    EXPECT_EQ(empty.error().message, "ncu profiled no launch of the kernel");

    std::string text = "==PROF== Connected to process 1\n";
    for (int i = 0; i < 30; ++i) text += "line " + std::to_string(i) + "\n";
    text += "==WARNING== No kernels were profiled.\n\n";
    auto none = parse_ncu_csv(text);
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.error().message, "ncu profiled no launch of the kernel");
    EXPECT_NE(none.error().detail.find("No kernels were profiled"), std::string::npos);
    EXPECT_EQ(none.error().detail.find("line 10\n"), std::string::npos);  // only the last 20 lines
    EXPECT_NE(none.error().detail.find("line 11\n"), std::string::npos);

    auto garbage = parse_ncu_csv("\x01\x02 not csv\n\"quoted, but\",\"no header\"\n,,,\n");
    EXPECT_FALSE(garbage.ok());
    // A header and no rows: still nothing profiled.
    auto header_only = parse_ncu_csv(
        "\"ID\",\"Kernel Name\",\"Section Name\",\"Metric Name\",\"Metric Unit\",\"Metric Value\"\n");
    ASSERT_FALSE(header_only.ok());
    EXPECT_NE(header_only.error().message.find("no launch"), std::string::npos);
    // ncu's text page is not its CSV page.
    EXPECT_FALSE(parse_ncu_csv(fixture("ncu-sections.txt")).ok());
}

TEST(Ncu, ArgumentsProfileOneLaunchWithTheSectionsAsked) {
    auto a = ncu_arguments("vector_add", 2);
    auto has = [&](const std::vector<std::string>& v, const std::string& flag, const std::string& value) {
        for (size_t i = 0; i + 1 < v.size(); ++i)
            if (v[i] == flag && v[i + 1] == value) return true;
        return false;
    };
    EXPECT_TRUE(has(a, "--kernel-name", "vector_add"));
    EXPECT_TRUE(has(a, "--launch-skip", "2"));
    EXPECT_TRUE(has(a, "--launch-count", "1"));
    EXPECT_TRUE(has(a, "--clock-control", "none"));
    EXPECT_TRUE(has(a, "--cache-control", "all"));
    EXPECT_TRUE(has(a, "--page", "details"));
    EXPECT_TRUE(has(a, "--target-processes", "all"));
    EXPECT_NE(std::find(a.begin(), a.end(), "--csv"), a.end());
    EXPECT_EQ(std::count(a.begin(), a.end(), "--section"), 4);
    for (const char* s : {"SpeedOfLight", "Occupancy", "LaunchStats", "MemoryWorkloadAnalysis"})
        EXPECT_TRUE(has(a, "--section", s)) << s;

    auto b = ncu_arguments("matmul", 0, {"SpeedOfLight"});
    EXPECT_EQ(std::count(b.begin(), b.end(), "--section"), 1);
    EXPECT_TRUE(has(b, "--section", "SpeedOfLight"));
    EXPECT_TRUE(has(b, "--launch-skip", "0"));
}

}  // namespace
}  // namespace kc::engine
