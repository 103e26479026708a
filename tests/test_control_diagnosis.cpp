// A control's "diagnosis" (module.json): the manifest key, the failure report dev check looks in,
// and the check itself (engine/control_diagnosis.h); and an exercise's sentence on which of its
// written tensors are wrong, in that report and in the learner's text.
#include <gtest/gtest.h>

#include "course/manifest.h"
#include "engine/control_diagnosis.h"
#include "report/render.h"

namespace kc::engine {
namespace {

std::string manifest_with_control(const std::string& control) {
    return R"({"format": 1, "title": "T", "exercise": "stencil2d", "kernel": "k", "starter": "WRONG",
               "cases": [{"name": "a", "h": 1, "w": 1}], "controls": [)" +
           control + "]}";
}

TEST(ControlDiagnosis, TheManifestKeepsAControlsDiagnosis) {
    auto m = course::parse_manifest(
        manifest_with_control(R"({"file": "c.cu", "expect": "WRONG", "diagnosis": "case 'square'"},
                                 {"file": "d.cu", "expect": "PASSED"})"),
        "m.json");
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(m->controls[0].diagnosis, "case 'square'");
    EXPECT_EQ(m->controls[1].diagnosis, "");
}

TEST(ControlDiagnosis, TheManifestRefusesAnEmptyOneAndOneOnAControlThatMustPass) {
    for (const char* bad : {R"({"file": "c.cu", "expect": "WRONG", "diagnosis": ""})",
                            R"({"file": "c.cu", "expect": "WRONG", "diagnosis": 3})",
                            R"({"file": "c.cu", "expect": "PASSED", "diagnosis": "all 1 cases"})"}) {
        auto m = course::parse_manifest(manifest_with_control(bad), "m.json");
        ASSERT_FALSE(m) << bad;
        EXPECT_NE(m.error().message.find("controls[0].diagnosis"), std::string::npos) << m.error().message;
    }
}

TEST(ControlDiagnosis, AReportThatContainsTheWordsPasses) {
    const std::string report = "case 'one' (h=1, w=1): the kernel wrote past the end of `out`: element 1\n";
    EXPECT_EQ(missing_diagnosis(report, "wrote past the end of `out`"), "");
    EXPECT_EQ(missing_diagnosis(report, ""), "") << "no diagnosis asked: nothing to check";
}

TEST(ControlDiagnosis, AReportWithoutThemFailsAndSaysWhatItSaidInstead) {
    const std::string report = "case 'one' (h=1, w=1): 1 of 1 elements are wrong\ncase 'row' (h=1, w=9): WRONG\n";
    const std::string why = missing_diagnosis(report, "wrote past the end of `out`");
    EXPECT_NE(why.find("does not say \"wrote past the end of `out`\""), std::string::npos) << why;
    EXPECT_NE(why.find("it says: case 'one' (h=1, w=1): 1 of 1 elements are wrong | case 'row'"), std::string::npos)
        << why;
    EXPECT_NE(missing_diagnosis(report, "Case 'one'"), "") << "the words are matched exactly, case included";
}

TEST(ControlDiagnosis, ALongReportIsQuotedInPart) {
    const std::string why = missing_diagnosis(std::string(1000, 'x'), "y");
    EXPECT_LT(why.size(), 500u);
    EXPECT_NE(why.find("xxx..."), std::string::npos) << why;
}

wire::CaseResult wrong_case(const std::string& name, size_t mismatches, size_t count, const std::string& diagnosis) {
    wire::CaseResult c;
    c.name = name;
    c.verdict = "WRONG";
    wire::Check ch;
    ch.tensor = "out";
    ch.comparison.count = count;
    ch.comparison.mismatches = mismatches;
    ch.diagnosis = diagnosis;
    c.check = ch;
    return c;
}

Grade graded_wrong() {
    Grade g;
    g.summary = "case 'square' (h=45, w=45): 1980 of 2025 elements are wrong";
    g.geometry = {{"row", "h=1, w=9", {}, {}}, {"square", "h=45, w=45", {}, {}}, {"tall", "h=9, w=2", {}, {}}};
    wire::CaseResult row;
    row.name = "row";
    row.verdict = "PASSED";
    g.cases = {row, wrong_case("square", 1980, 2025, ""), wrong_case("tall", 17, 18, "every element is wrong")};
    g.cases[2].message = "the kernel wrote past the end of `out`: element 18";
    return g;
}

TEST(ControlDiagnosis, TheFailureReportNamesOnlyTheCasesThatFailed) {
    const std::string report = failure_report(graded_wrong());
    EXPECT_EQ(report,
              "case 'square' (h=45, w=45): 1980 of 2025 elements are wrong\n"
              "case 'square' (h=45, w=45): WRONG: 1980 of 2025 elements are wrong\n"
              "case 'tall' (h=9, w=2): WRONG: the kernel wrote past the end of `out`: element 18; 17 of 18 elements "
              "are wrong: every element is wrong\n");
    EXPECT_EQ(missing_diagnosis(report, "case 'tall'"), "");
    EXPECT_NE(missing_diagnosis(report, "case 'row'"), "") << "row passed: its name is no diagnosis";
}

// A case of an exercise that writes several tensors: `p` wrong, `m` and `v` right, and what the
// exercise makes of that (Exercise::explain_written), once in the report and once in the text.
TEST(ControlDiagnosis, TheExercisesSentenceOnWhichTensorsAreWrongIsInTheReportAndTheText) {
    Grade g;
    g.verdict = grade::Verdict::Wrong;
    g.compiled = true;
    g.summary = "case 'odd' (n=1003, step=10): `p`: 1003 of 1003 elements are wrong";
    g.geometry = {{"odd", "n=1003, step=10", {}, {}}};
    wire::CaseResult c = wrong_case("odd", 1003, 1003, "every element is wrong");
    c.check->tensor = "p";
    c.others = {wire::Check{}, wire::Check{}};
    c.others[0].tensor = "m";
    c.others[1].tensor = "v";
    c.explanation = "`m` and `v` are right and `p` is not, so the update is wrong";
    g.cases = {c};
    const std::string report = failure_report(g);
    EXPECT_NE(report.find("case 'odd' (n=1003, step=10): WRONG: `p`: 1003 of 1003 elements are wrong: every element "
                          "is wrong; `m` and `v` are right and `p` is not, so the update is wrong\n"),
              std::string::npos)
        << report;
    EXPECT_EQ(missing_diagnosis(report, "`m` and `v` are right and `p` is not"), "");

    course::Module m;
    m.id = "mastery/04";
    m.manifest.title = "AdamW";
    m.manifest.exercise = "adamw";
    const std::string text = report::grade_text(g, m, report::Style{});
    const std::string line = "      diagnosis of the tensors together: `m` and `v` are right and `p` is not, so the "
                             "update is wrong\n";
    const size_t at = text.find(line);
    ASSERT_NE(at, std::string::npos) << text;
    EXPECT_EQ(text.find(line, at + 1), std::string::npos) << "once per case: " << text;
    EXPECT_LT(text.find("      diagnosis: every element is wrong\n"), at) << "after the tensors' own: " << text;
}

TEST(ControlDiagnosis, TheFailureReportHasTheSanitizerFindingsAndTheTimedRuns) {
    Grade g;
    g.verdict = grade::Verdict::Wrong;
    g.summary = "case 'large', racecheck: 1 hazard";
    g.source = "kernel.cu";
    SanitizerRun run;
    run.tool = "racecheck";
    run.case_name = "ragged";
    run.ran = true;
    SanitizerFinding f;
    f.what = "a race on shared memory";
    f.line = 12;
    run.findings.push_back(f);
    g.sanitizer.push_back(run);
    g.timing = wire::Timing{};
    g.timing->case_name = "large";
    g.timing->wrong = "the output of sample 3 differs from the first timed run";
    const std::string report = failure_report(g);
    EXPECT_NE(report.find("racecheck (case 'ragged'): " + describe(f, "kernel.cu")), std::string::npos) << report;
    EXPECT_NE(report.find("timed runs (case 'large'): the output of sample 3 differs"), std::string::npos) << report;
}

}  // namespace
}  // namespace kc::engine
