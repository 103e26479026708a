// Which case compute-sanitizer runs on: racecheck and --sanitize on the failing case or the
// largest small one; memcheck on a small ragged case (a tensor size not a multiple of 4).
#include <gtest/gtest.h>

#include "engine/sanitize_case.h"
#include "exercises/registry.h"

namespace kc::engine {
namespace {

course::Case make_case(const std::string& name, exercises::Sizes sizes, bool timed = false) {
    course::Case c;
    c.name = name;
    c.sizes = std::move(sizes);
    c.timed = timed;
    return c;
}

const exercises::Exercise& ex(const char* name) {
    const auto* e = exercises::find_exercise(name);
    EXPECT_NE(e, nullptr) << name;
    return *e;
}

// missing-elements/01's cases.
std::vector<course::Case> vector_cases() {
    return {make_case("one", {{"n", 1}}), make_case("small", {{"n", 1000}}), make_case("odd", {{"n", 1000003}}),
            make_case("mid", {{"n", 1048583}}), make_case("large", {{"n", 67108864}}, true)};
}

// missing-elements/03's cases.
std::vector<course::Case> softmax_cases() {
    return {make_case("one", {{"rows", 1}, {"cols", 1}}),       make_case("column", {{"rows", 7}, {"cols", 1}}),
            make_case("tiny", {{"rows", 3}, {"cols", 5}}),      make_case("small", {{"rows", 33}, {"cols", 1000}}),
            make_case("odd", {{"rows", 129}, {"cols", 1025}}),  make_case("mid", {{"rows", 1000}, {"cols", 4096}}),
            make_case("large", {{"rows", 16384}, {"cols", 4096}}, true)};
}

TEST(SanitizeCase, RaggedMeansSomeTensorIsNotWholeFloat4s) {
    EXPECT_TRUE(ragged(ex("vector-add"), {{"n", 1}}));
    EXPECT_FALSE(ragged(ex("vector-add"), {{"n", 1000}}));
    EXPECT_TRUE(ragged(ex("softmax"), {{"rows", 3}, {"cols", 5}}));
    EXPECT_FALSE(ragged(ex("softmax"), {{"rows", 33}, {"cols", 1000}}));
    EXPECT_TRUE(ragged(ex("layer-norm"), {{"rows", 4}, {"cols", 7}}));  // gamma and beta: 7 floats
}

TEST(SanitizeCase, MemcheckTakesTheLargestSmallRaggedCase) {
    EXPECT_EQ(softmax_cases()[memcheck_case(ex("softmax"), softmax_cases())].name, "tiny");
    EXPECT_EQ(vector_cases()[memcheck_case(ex("vector-add"), vector_cases())].name, "one");
}

TEST(SanitizeCase, MemcheckFallsBackToTheSmallestRaggedThenTheSmallest) {
    // Only big ragged cases: the smallest of them.
    std::vector<course::Case> big = {make_case("a", {{"n", 4000000}}), make_case("b", {{"n", 1000003}}),
                                     make_case("c", {{"n", 2000001}})};
    EXPECT_EQ(big[memcheck_case(ex("vector-add"), big)].name, "b");
    // Nothing ragged: the smallest case.
    std::vector<course::Case> even = {make_case("a", {{"n", 4096}}), make_case("b", {{"n", 64}})};
    EXPECT_EQ(even[memcheck_case(ex("vector-add"), even)].name, "b");
}

TEST(SanitizeCase, RacecheckTakesTheFirstFailingCaseOrTheLargestSmallOne) {
    const auto cases = softmax_cases();
    EXPECT_EQ(cases[sanitize_case(ex("softmax"), cases, {})].name, "small");  // 33000 <= 2^16, not timed
    wire::CaseResult passed, wrong;
    passed.name = "one";
    passed.verdict = "PASSED";
    wrong.name = "odd";
    wrong.verdict = "WRONG";
    EXPECT_EQ(cases[sanitize_case(ex("softmax"), cases, {passed, wrong})].name, "odd");
}

// optimization/03's sum: one output element in every case, so the input's size decides, up to
// 2^20 elements: a million floats, blocks enough for a grid-stride loop and a float4 tail.
TEST(SanitizeCase, ASumIsCheckedOnItsLargestSmallInput) {
    const std::vector<course::Case> cases = {make_case("one", {{"n", 1}}), make_case("thirty-one", {{"n", 31}}),
                                             make_case("odd", {{"n", 1000003}}), make_case("big", {{"n", 16777219}}),
                                             make_case("large", {{"n", 268435456}}, true)};
    EXPECT_EQ(cases[memcheck_case(ex("device-sum"), cases)].name, "odd");
    EXPECT_EQ(cases[sanitize_case(ex("device-sum"), cases, {})].name, "odd");
}

wire::CaseResult result(const std::string& name, const std::string& verdict) {
    wire::CaseResult r;
    r.name = name;
    r.verdict = verdict;
    return r;
}

TEST(DebugCase, TheSmallestFailingCaseNotTheFirst) {
    const auto cases = softmax_cases();
    // "odd" fails first in the listing but "tiny" is smaller.
    const std::vector<wire::CaseResult> results = {result("one", "PASSED"), result("column", "PASSED"),
                                                   result("odd", "WRONG"),  result("tiny", "WRONG"),
                                                   result("mid", "WRONG"),  result("large", "CRASHED")};
    EXPECT_EQ(cases[debug_case(ex("softmax"), cases, results)].name, "tiny");
    EXPECT_EQ(cases[debug_case(ex("softmax"), cases, {result("large", "CRASHED")})].name, "large");
}

TEST(DebugCase, WhenEveryCasePassesTheSmallestCase) {
    const auto cases = vector_cases();
    std::vector<wire::CaseResult> passed;
    for (const auto& c : cases) passed.push_back(result(c.name, "PASSED"));
    EXPECT_EQ(cases[debug_case(ex("vector-add"), cases, passed)].name, "one");
    EXPECT_EQ(cases[debug_case(ex("vector-add"), cases, {})].name, "one");
}

}  // namespace
}  // namespace kc::engine
