// hints.md, `kernelcoach hint` and `kernelcoach solution`.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "course/hints.h"
#include "support/cli.h"

namespace kc::test {
namespace {

namespace fs = std::filesystem;

const char* kHints = R"(# Hints: x

Intro text.

# Compile hints

## Hint 1 — TODO(1)

Include the header.

## Hint 2 — TODO(2-3)

Two words.

# Wrong-answer hints

## Hint 3 — TODO(3)

The index.
)";

TEST(Hints, ParsesPartsNumbersAndTodoRanges) {
    auto h = course::parse_hints(kHints, "hints.md");
    ASSERT_TRUE(h) << h.error().message;
    ASSERT_EQ(h->size(), 3u);
    EXPECT_EQ((*h)[0].kind, "compile");
    EXPECT_EQ((*h)[0].body, "Include the header.");
    EXPECT_EQ((*h)[1].todo_first, 2);
    EXPECT_EQ((*h)[1].todo_last, 3);
    EXPECT_EQ((*h)[2].kind, "wrong-answer");
    EXPECT_EQ(course::hint_for(*h, "compile", 3), &(*h)[1]);  // the compile hint, not the wrong-answer one
    EXPECT_EQ(course::hint_for(*h, "wrong-answer", 3), &(*h)[2]);
    EXPECT_EQ(course::hint_for(*h, "compile", 9), nullptr);
}

TEST(Hints, ATitleMayNameSeveralTodoRanges) {
    auto h = course::parse_hints("# Compile hints\n## Hint 1 — TODO(7-9), TODO(13)\ntext\n", "h.md");
    ASSERT_TRUE(h) << h.error().message;
    EXPECT_EQ((*h)[0].todos, (std::vector<int>{7, 8, 9, 13}));
    EXPECT_EQ((*h)[0].todo_first, 7);
    EXPECT_EQ((*h)[0].todo_last, 9);
    EXPECT_TRUE((*h)[0].covers(13));
    EXPECT_FALSE((*h)[0].covers(10));
}

TEST(Hints, AHeadingMayNameThePartsItIsFor) {
    auto h = course::parse_hints("# Wrong-answer hints\n## Hint 1 — TOO_SLOW: the bytes (part sum)\nsum\n"
                                 "## Hint 2 — the idea (part sum, part transpose)\nboth\n"
                                 "## Hint 3 — reading the report\nall\n"
                                 "## Hint 4 — padding (part transpose)\ntranspose\n",
                                 "h.md");
    ASSERT_TRUE(h) << h.error().message;
    EXPECT_EQ((*h)[0].parts, (std::vector<std::string>{"sum"}));
    EXPECT_EQ((*h)[1].parts, (std::vector<std::string>{"sum", "transpose"}));
    EXPECT_TRUE((*h)[2].parts.empty());
    const auto transpose = course::hints_for_part(*h, "transpose");
    ASSERT_EQ(transpose.size(), 3u);
    EXPECT_EQ(transpose[0].body, "both");
    EXPECT_EQ(transpose[2].body, "transpose");
    EXPECT_EQ(transpose[2].number, 3);  // its own numbering
    EXPECT_EQ(course::hints_for_part(*h, "sum").size(), 3u);
    EXPECT_EQ(course::hints_for_part(*h, "").size(), 4u);  // a module without parts: every hint
}

TEST(Hints, RejectsMisnumberedOrOrphanHints) {
    EXPECT_FALSE(course::parse_hints("# Compile hints\n## Hint 2 — TODO(1)\n", "h.md"));
    EXPECT_FALSE(course::parse_hints("## Hint 1 — TODO(1)\n", "h.md"));
}

TEST(Hints, EveryCourseHintsFileParses) {
    for (auto& e : fs::recursive_directory_iterator(source_dir() / "tracks")) {
        if (e.path().filename() != "hints.md") continue;
        std::ifstream in(e.path());
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        auto h = course::parse_hints(text, e.path().string());
        ASSERT_TRUE(h) << h.error().message;
        EXPECT_FALSE(h->empty()) << e.path();
    }
}

class HintCli : public ::testing::Test {
protected:
    void SetUp() override { copy_course(source_dir(), dir.path()); }
    CliRun kc(std::vector<std::string> args) {
        args.insert(args.begin(), {"--course", dir.path().string()});
        return run_cli(args);
    }
    TempDir dir;
};

TEST_F(HintCli, ACompileErrorGetsTheHintForItsSpot) {
    auto r = kc({"--json", "hint", "vector-add"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = r.json();
    ASSERT_TRUE(j.contains("for_error")) << r.out;
    EXPECT_EQ(j["hint"]["kind"], "compile");
    // Compile-error hints do not use up the progressive ones.
    auto next = kc({"--json", "hint", "vector-add", "--all"});
    EXPECT_TRUE(next.json()["shown"].empty()) << next.out;
}

// Issue 12.4: the untouched starter's first error (on the kernel's signature) used to get the
// hint of TODO(2-3); TODO(1) comes first and is missing.
TEST_F(HintCli, TheUntouchedStarterGetsTheFirstHint) {
    auto r = kc({"--json", "hint", "vector-add"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = r.json();
    EXPECT_EQ(j["hint"]["number"], 1) << r.out;
    EXPECT_EQ(j["todo"], 1);
    EXPECT_EQ(j["reason"], "missing");
}

// Issue 12.4: with TODO(1-3) done, `attribute "__global__" does not apply here` stands on the
// line of TODO(2-3), but it is the parameters without types that make it no function.
TEST_F(HintCli, AnErrorAboutTheQualifiersGetsTheParametersHint) {
    ASSERT_EQ(kc({"list"}).exit_code, 0);  // remembers the untouched starter
    const auto path = dir.path() / "tracks/missing-elements/module-01-vector-add/kernel.cu";
    std::string text = read_text(path);
    text.replace(text.find("void vector_add("), 16, "extern \"C\" __global__ void vector_add(");
    text.insert(text.find("\n", text.find("TODO(1)")) + 1, "#include \"kernelcoach.h\"\n");
    write_text(path, text);
    auto r = kc({"--json", "hint", "vector-add"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = r.json();
    EXPECT_EQ(j["hint"]["title"], "TODO(4-6)") << r.out;
    EXPECT_EQ(j["reason"], "error");
    EXPECT_NE(j["for_error"]["message"].get<std::string>().find("\"__global__\" does not apply here"),
              std::string::npos)
        << r.out;
}

// Issue 12.4: without its TODO comments a file got the next hint in order, whatever it was
// about; the starter's structure still says where the first error stands.
TEST_F(HintCli, WithoutTodoCommentsAnErrorStillGetsItsElementsHint) {
    ASSERT_EQ(kc({"list"}).exit_code, 0);
    const auto path = dir.path() / "tracks/missing-elements/module-01-vector-add/kernel.cu";
    std::string text = read_text(path);
    text = std::regex_replace(text, std::regex(R"(\n *// TODO\(\d+\)[^\n]*)"), "");
    text = std::regex_replace(text, std::regex(R"( *// TODO\(\d+\)[^\n]*)"), "");
    text.replace(text.find("void vector_add("), 16, "#include \"kernelcoach.h\"\nextern \"C\" __global__ void vector_add(");
    for (const std::string p : {"a", "b", "out"})
        text.replace(text.find("\n    " + p + ",\n"), p.size() + 7, "\n    float* " + p + ",\n");
    text.replace(text.find("block_start = ;"), 15, "block_start = blockIdx.x * blockDim.x;");
    write_text(path, text);
    auto r = kc({"hint", "vector-add"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("The hint for that error (TODO(8))"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Hint 4 of 12 (compile): TODO(7-8)"), std::string::npos) << r.out;
}

TEST_F(HintCli, HintsComeOneMoreEachTimeAndAreRemembered) {
    for (int i = 1; i <= 2; ++i) {
        auto r = kc({"--json", "hint", "basics"});
        ASSERT_EQ(r.exit_code, 0) << r.err;
        EXPECT_EQ(r.json()["hint"]["number"], i) << r.out;
    }
    auto done = kc({"--json", "hint", "basics"});
    EXPECT_TRUE(done.json()["hint"].is_null()) << done.out;
    auto all = kc({"--json", "hint", "basics", "--all"});
    EXPECT_EQ(all.json()["shown"].size(), 2u);
    std::ifstream in(dir.path() / ".kernelcoach/progress.json");
    auto progress = nlohmann::json::parse(in);
    EXPECT_EQ(progress["modules"]["basics/00"]["hints_shown"], 2);
}

TEST_F(HintCli, SolutionStaysHiddenUntilPassedUnlessForced) {
    auto hidden = kc({"solution", "vector-add"});
    EXPECT_EQ(hidden.exit_code, 2);
    EXPECT_NE(hidden.err.find("not passed yet"), std::string::npos) << hidden.err;
    EXPECT_EQ(hidden.out.find("__global__"), std::string::npos);
    auto forced = kc({"solution", "vector-add", "--force"});
    EXPECT_EQ(forced.exit_code, 0);
    EXPECT_NE(forced.out.find("__global__ void vector_add"), std::string::npos);
    // A recorded pass opens it.
    fs::create_directories(dir.path() / ".kernelcoach");
    std::ofstream(dir.path() / ".kernelcoach/progress.json")
        << R"({"schema": 1, "modules": {"missing-elements/01": {"status": "passed", "attempts": 1}}})";
    auto open = kc({"solution", "vector-add"});
    EXPECT_EQ(open.exit_code, 0) << open.err;
    EXPECT_NE(open.out.find("__global__ void vector_add"), std::string::npos);
}

}  // namespace
}  // namespace kc::test
