// The hint lookup's pure parts: matching a learner's file against its starter, the elements
// still missing, the element a compile error is about, and the hint chosen from them.
#include <gtest/gtest.h>

#include <regex>

#include "course/hint_align.h"
#include "course/hint_choice.h"
#include "course/hint_map.h"

namespace kc::test {
namespace {

using course::Reading;
using course::StarterMap;

// Lines 1-17. TODO(1) and TODO(2) sit above one line; TODO(3) at the end of one; TODO(4)
// marks a line with a hole; TODO(5) marks an insertion (no code of its own).
const std::string kStarter = R"(#include "kernelcoach.h"
// TODO(1): the linkage
// TODO(2): the qualifier
void f(
    a,    // TODO(3): the type of a
    int n)
{
    // TODO(4): this thread's index, named idx
    const int i = ;
    // TODO(5): the store of i into out

    // TODO(6): the bound
    if () {
        n = 1;
    }
}
)";

std::string replace(std::string text, const std::string& from, const std::string& to) {
    return text.replace(text.find(from), from.size(), to);
}

// The starter with every TODO comment deleted.
std::string without_todos(const std::string& text) {
    std::string out = std::regex_replace(text, std::regex(R"(\n *// TODO\(\d+\)[^\n]*)"), "");
    return std::regex_replace(out, std::regex(R"( *// TODO\(\d+\)[^\n]*)"), "");
}

std::set<int> missing(const std::string& source) {
    StarterMap map(kStarter);
    return Reading(map, source).missing();
}

TEST(HintAlign, MatchesInOrderAndRepeatedLinesLate) {
    EXPECT_EQ(course::match_lines({"a", "b", "c"}, {"a", "c"}), (std::vector<int>{0, -1, 1}));
    // The first `m = ;` was filled in: the one left is the second.
    EXPECT_EQ(course::match_lines({"m = ;", "x", "m = ;", "end"}, {"m = 1;", "x", "m = ;", "end"}),
              (std::vector<int>{-1, 1, 2, 3}));
    // A block that stands twice is matched where its neighbours match.
    EXPECT_EQ(course::match_lines({"p1", "for", "body", "p2", "for", "body"}, {"p1", "done", "body", "p2", "for", "body"}),
              (std::vector<int>{0, -1, 2, 3, 4, 5}));
}

TEST(HintMap, ReadsTheStartersMarkersAndWhatTheyOwn) {
    StarterMap map(kStarter);
    EXPECT_EQ(map.elements(), (std::vector<int>{1, 2, 3, 4, 5, 6}));
    EXPECT_EQ(map.group(1), (std::vector<int>{1, 2}));
    EXPECT_EQ(map.group(4), (std::vector<int>{4}));
    EXPECT_EQ(map.owner(3), 2);  // `void f(` (line 4) is the hole of TODO(1-2)
    EXPECT_TRUE(map.owns_code(4));
    EXPECT_FALSE(map.owns_code(5));
    EXPECT_EQ(map.governing(13), 6);
    EXPECT_EQ(map.block_ending_at(9), 5);
    EXPECT_EQ(course::statements("for (int k = 0; k < 8; ++k) s += k;"), 1);
    EXPECT_EQ(course::statements("#include \"kernelcoach.h\""), 1);
}

TEST(HintMap, NamesBelongToTheElementThatDeclaresOrNamesThem) {
    StarterMap map(kStarter);
    EXPECT_EQ(map.element_of_name("i"), 4);    // declared on TODO(4)'s line
    EXPECT_EQ(map.element_of_name("idx"), 4);  // named by TODO(4)'s comment
    EXPECT_EQ(map.element_of_name("out"), 5);
    EXPECT_EQ(map.element_of_name("nowhere"), 0);
    EXPECT_EQ(map.element_of_parameters(3), 3);  // the parameters of `void f(`
    EXPECT_EQ(map.element_of_function("f"), 1);  // the first of the group above it
}

TEST(HintMap, AnUntouchedHoleIsMissing) {
    EXPECT_EQ(missing(kStarter), (std::set<int>{1, 2, 3, 4, 5, 6}));
    std::string filled = replace(kStarter, "void f(", "extern \"C\" __global__ void f(");
    filled = replace(filled, "    a,", "    const float* a,");
    filled = replace(filled, "const int i = ;", "const int i = threadIdx.x;");
    EXPECT_EQ(missing(filled), (std::set<int>{5, 6}));
    // The store, right under its comment.
    filled = replace(filled, "of i into out\n", "of i into out\n    out[i] = i;\n");
    EXPECT_EQ(missing(filled), (std::set<int>{6}));
}

TEST(HintMap, AHoleFilledWithoutItsTodoCommentIsFilled) {
    std::string bare = without_todos(kStarter);
    EXPECT_EQ(missing(bare), (std::set<int>{1, 2, 3, 4, 5, 6}));
    bare = replace(bare, "const int i = ;", "const int i = threadIdx.x;");
    EXPECT_EQ(missing(bare), (std::set<int>{1, 2, 3, 5, 6}));
    // One more statement after it: the insertion its deleted TODO(5) marked.
    EXPECT_EQ(missing(replace(bare, "threadIdx.x;", "threadIdx.x;\n    out[i] = i;")), (std::set<int>{1, 2, 3, 6}));
    // One that goes on computing i is still TODO(4)'s.
    EXPECT_EQ(missing(replace(bare, "threadIdx.x;", "threadIdx.x;\n    for (int k = 0; k < 2; ++k) i += k;")),
              (std::set<int>{1, 2, 3, 5, 6}));
}

TEST(HintMap, AnErrorIsAboutWhatItSaysThenWhereItStands) {
    StarterMap map(kStarter);
    const std::string filled = replace(kStarter, "void f(", "extern \"C\" __global__ void f(");
    Reading r(map, filled);
    // A declaration whose parameters have no types is no function: their element, not TODO(1-2).
    EXPECT_EQ(r.element_of_error(4, "attribute \"__global__\" does not apply here"), 3);
    EXPECT_EQ(r.element_of_error(4, "incomplete type \"void\" is not allowed"), 3);
    EXPECT_EQ(r.element_of_error(9, "expected an expression"), 4);
    EXPECT_EQ(r.element_of_error(14, "identifier \"i\" is undefined"), 4);
    // Without the TODO comments the lines still stand where the starter's do.
    const std::string bare = without_todos(filled);
    Reading b(map, bare);
    EXPECT_EQ(b.element_of_error(6, "expected an expression"), 4);  // `const int i = ;`
    EXPECT_EQ(b.element_of_error(2, "attribute \"__global__\" does not apply here"), 3);
}

const char* kHints = R"(# Compile hints
## Hint 1 — TODO(1-2)
x
## Hint 2 — TODO(3)
x
## Hint 3 — TODO(4-6)
x
# Wrong-answer hints
## Hint 4 — TODO(5)
x
## Hint 5 — TODO(6)
x
)";

int chosen(const course::HintQuery& q) {
    auto hints = course::parse_hints(kHints, "hints.md");
    auto c = course::choose_hint(*hints, q);
    return c ? c->hint->number : 0;
}

TEST(HintChoice, TheFirstMissingElementOrTheFirstElementAnErrorIsAbout) {
    const std::string filled = replace(kStarter, "void f(", "extern \"C\" __global__ void f(");
    // The untouched starter: TODO(1) comes first, whatever the first error says.
    EXPECT_EQ(chosen({kStarter, kStarter, false, {{4, "incomplete type \"void\" is not allowed"}}, {}}), 1);
    // TODO(1-2) done: the parameters, though the error stands on TODO(1-2)'s line.
    EXPECT_EQ(chosen({kStarter, filled, false, {{4, "attribute \"__global__\" does not apply here"}}, {}}), 2);
    // An element filled in wrongly comes before the later ones still missing.
    auto typo = replace(replace(filled, "    a,", "    const float* a,"), "= ;", "= threadIdx.x");
    EXPECT_EQ(chosen({kStarter, typo, false, {{9, "expected a \";\""}}, {}}), 3);
    // A file that compiles gets the wrong-answer hint of the first element missing.
    EXPECT_EQ(chosen({kStarter, replace(typo, "threadIdx.x", "threadIdx.x;"), true, {}, {}}), 4);
    // No such kernel: the element of its declaration.
    EXPECT_EQ(chosen({kStarter, replace(filled, "extern \"C\" ", ""), false, {}, "f"}), 1);
}

TEST(HintChoice, NothingFitsASolution) {
    std::string done = replace(kStarter, "void f(", "extern \"C\" __global__ void f(");
    done = replace(done, "    a,", "    const float* a,");
    done = replace(done, "const int i = ;", "const int i = threadIdx.x;");
    done = replace(done, "of i into out\n", "of i into out\n    out[i] = i;\n");
    done = replace(done, "if ()", "if (i < n)");
    EXPECT_EQ(chosen({kStarter, done, true, {}, {}}), 0);
}

}  // namespace
}  // namespace kc::test
