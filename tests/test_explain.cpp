// Explaining a wrong answer by what the exercise knows of its inputs (issue 11, point 4): the
// regime helper alone, and the summary and diagnosis a learner sees for issue 11's examples
// ("[report]" lines). Each exercise's diagnoses of simulated buggy kernels (inputs from
// make_inputs, the bug on the host in fp32, grade::compare's mask) and the never-written
// patterns told against the launch (point 3) are in tests/exercises/test_<exercise>.cpp.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/format.h>

#include "exercises/layer_norm/layer_norm.h"
#include "exercises/softmax/softmax.h"
#include "grade/compare.h"
#include "grade/regime.h"
#include "support/explain_check.h"
#include "support/sim_layer_norm.h"
#include "support/sim_rows.h"
#include "support/sim_softmax.h"
#include "support/tensor_case.h"

namespace kc::exercises {
namespace {

// ---- the regime helper ---------------------------------------------------------------------

const std::vector<grade::Regime> kThree = {
    {"the plain rows", ""}, {"the hard rows", "hard cause"}, {"the odd rows", "odd cause"}};

// `rows` rows of 2 elements; rows listed in `wrong` get `fault` in both.
std::vector<uint8_t> row_mask(size_t rows, std::vector<size_t> wrong, grade::Fault fault = grade::Fault::kOutOfBound) {
    std::vector<uint8_t> mask(rows * 2);
    for (size_t r : wrong) mask[2 * r] = mask[2 * r + 1] = static_cast<uint8_t>(fault);
    return mask;
}

const std::vector<uint8_t> kLabels = {0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2};  // 15 rows

std::string explain(const std::vector<uint8_t>& mask, const std::vector<uint8_t>& labels = kLabels) {
    return grade::explain_regimes(mask, 2, labels, kThree, grade::Units::kRows);
}

TEST(ExplainRegimes, NamesTheOnlyFailingRegimeAndItsRows) {
    EXPECT_EQ(explain(row_mask(15, {1, 4, 7, 10, 13})),
              "only the hard rows (rows 1, 4, 7 and 2 more) are wrong: hard cause");
    EXPECT_EQ(explain(row_mask(15, {1, 4, 7})), "only the hard rows (rows 1, 4 and 7) are wrong: hard cause");
    EXPECT_EQ(explain(row_mask(15, {1, 2, 4, 5, 7, 8})),
              "only the hard rows (rows 1, 4 and 7) and the odd rows (rows 2, 5 and 8) are wrong: hard cause; "
              "odd cause");
    const std::vector<uint8_t> one_hard = {0, 1, 2};
    EXPECT_EQ(explain(row_mask(3, {1}), one_hard), "only the hard rows (row 1) are wrong: hard cause");
}

TEST(ExplainRegimes, SaysNothingWhenTheRegimesDoNotExplainIt) {
    EXPECT_EQ(explain(row_mask(15, {0, 1, 4, 7, 10, 13})), "");      // a plain row is wrong too
    EXPECT_EQ(explain(row_mask(15, {1, 4})), "");                    // 2 of the 5 hard rows: coincidence
    EXPECT_EQ(explain(row_mask(15, {})), "");                        // nothing wrong
    const std::vector<uint8_t> no_plain = {1, 2, 1, 2};
    EXPECT_EQ(explain(row_mask(4, {0, 1, 2, 3}), no_plain), "");     // every regime present is wrong
    EXPECT_EQ(explain(row_mask(15, {1, 4, 7, 10, 13}, grade::Fault::kNeverWritten)), "");  // not a value
    EXPECT_EQ(explain(row_mask(14, {1, 4, 7})), "");                 // the mask is not 15 rows of 2
    const std::vector<uint8_t> bad_label = {0, 1, 7};
    EXPECT_EQ(explain(row_mask(3, {1}), bad_label), "");
}

TEST(ExplainRegimes, CountsElementUnits) {
    const std::vector<uint8_t> labels = {1, 0, 0, 1, 1, 0, 0, 1};
    const std::vector<uint8_t> mask = {1, 0, 0, 3, 0, 0, 0, 1};
    EXPECT_EQ(grade::explain_regimes(mask, 1, labels, kThree, grade::Units::kElements),
              "only the hard rows (3 of 4) are wrong: hard cause");
}

// ---- the report lines of issue 11's examples -----------------------------------------------

using test::make_run;
using test::sim::rc;
using namespace test::explain;  // CaseRun, Checked, check, kRunSeed and the modules' controls

// What `kernelcoach run` prints for the first wrong case: the grader's summary and the check's
// diagnosis line (engine/grader.cpp, report/render.cpp).
void print_report(const char* name, const CaseRun& r, const Checked& c) {
    const std::string sizes = fmt::format("rows={}, cols={}", r.sizes.at("rows"), r.sizes.at("cols"));
    std::printf("[report] case '%s' (%s): %zu of %zu elements are wrong: %s\n[report]   diagnosis: %s\n", name,
                sizes.c_str(), c.comparison.mismatches, c.comparison.count, c.diagnosis.c_str(), c.diagnosis.c_str());
}

TEST(ExplainReport, IssueElevenExamples) {
    const CaseRun column = make_run(softmax_exercise(), rc(7, 1), case_seed(kRunSeed, 1));
    print_report("column", column, check(column, early_return_threads(column), grade::LaunchShape{1, 256}));
    for (const auto& [name, s, index] :
         {std::tuple{"short", rc(3, 7), size_t{2}}, std::tuple{"aligned", rc(33, 1000), size_t{3}}}) {
        const CaseRun r = make_run(layer_norm_exercise(), s, case_seed(kRunSeed, index));
        const Checked c = check(r, layer_norm_with(r, one_pass_variance));
        EXPECT_EQ(c.diagnosis.substr(0, 28), "only the rows with mean 1e4 ");
        print_report(name, r, c);
    }
    for (const auto& [name, s, index] :
         {std::tuple{"tiny", rc(3, 5), size_t{2}}, std::tuple{"small", rc(33, 1000), size_t{3}}}) {
        const CaseRun r = make_run(softmax_exercise(), s, case_seed(kRunSeed, index));
        const Checked c = check(r, softmax_with(r, [](const float*, size_t) { return 0.f; }));
        EXPECT_EQ(c.diagnosis.substr(0, 9), "only the ");
        print_report(name, r, c);
    }
}

}  // namespace
}  // namespace kc::exercises
