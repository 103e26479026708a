// hints.md, `kernelcoach hint` and `kernelcoach solution`.
#include <gtest/gtest.h>

#include <fstream>

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
    EXPECT_EQ(course::compile_hint_for(*h, 3), &(*h)[1]);  // the compile hint, not the wrong-answer one
    EXPECT_EQ(course::compile_hint_for(*h, 9), nullptr);
}

TEST(Hints, RejectsMisnumberedOrOrphanHints) {
    EXPECT_FALSE(course::parse_hints("# Compile hints\n## Hint 2 — TODO(1)\n", "h.md"));
    EXPECT_FALSE(course::parse_hints("## Hint 1 — TODO(1)\n", "h.md"));
}

TEST(Hints, FindsTheTodoGoverningALine) {
    const std::string src = "a\n// TODO(1): x\nb\nc // TODO(2): y\nd\n";
    EXPECT_EQ(course::todo_at_line(src, 1), 0);
    EXPECT_EQ(course::todo_at_line(src, 3), 1);
    EXPECT_EQ(course::todo_at_line(src, 4), 2);
    EXPECT_EQ(course::todo_at_line(src, 5), 2);
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
