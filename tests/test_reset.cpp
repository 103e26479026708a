// kernelcoach reset: the starter comes back, the learner's file is kept, nothing without asking.
#include <gtest/gtest.h>

#include <ctime>
#include <fstream>
#include <set>

#include "course/manifest.h"
#include "support/cli.h"

namespace kc::test {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    return {(std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()};
}

class Reset : public ::testing::Test {
protected:
    void SetUp() override {
        copy_course(source_dir(), dir.path());
        starter = slurp(kernel());
    }
    fs::path kernel() const { return dir.path() / "tracks/missing-elements/module-01-vector-add/kernel.cu"; }
    CliRun kc(std::vector<std::string> args) {
        args.insert(args.begin(), {"--course", dir.path().string()});
        return run_cli(args);
    }
    TempDir dir;
    std::string starter;
};

TEST_F(Reset, RestoresTheStarterAndKeepsTheLearnersFile) {
    kc({"list"});  // the first look keeps a copy of every untouched starter
    std::ofstream(kernel()) << "// my work in progress\n";
    auto r = kc({"reset", "vector-add", "--yes"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(slurp(kernel()), starter);
    fs::path backups = dir.path() / ".kernelcoach/backups/missing-elements/module-01-vector-add";
    ASSERT_TRUE(fs::is_directory(backups)) << r.out;
    int n = 0;
    for (const auto& e : fs::directory_iterator(backups)) {
        EXPECT_EQ(slurp(e.path()), "// my work in progress\n");
        ++n;
    }
    EXPECT_EQ(n, 1);
    auto again = kc({"reset", "vector-add", "--yes"});
    EXPECT_EQ(again.exit_code, 0);
    EXPECT_NE(again.out.find("nothing to do"), std::string::npos) << again.out;
}

TEST_F(Reset, AsksFirstAndDoesNothingWithoutAnAnswer) {
    kc({"list"});
    std::ofstream(kernel()) << "// mine\n";
    auto r = kc({"reset", "vector-add"});  // stdin is not a terminal: no question can be asked
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--yes"), std::string::npos) << r.err;
    EXPECT_EQ(slurp(kernel()), "// mine\n");
}

TEST_F(Reset, WithoutACopySaysHowToGetTheStarterBack) {
    std::ofstream(kernel()) << "// edited before kernelcoach ever saw it\n";
    auto r = kc({"reset", "vector-add", "--yes"});
    EXPECT_EQ(r.exit_code, 4);
    EXPECT_NE(r.err.find("git checkout"), std::string::npos) << r.err;
    EXPECT_EQ(slurp(kernel()), "// edited before kernelcoach ever saw it\n");
}

// The backup name `reset` gives a file at `t` (local time, to the second).
std::string backup_name(std::time_t t) {
    char buf[64];
    std::strftime(buf, sizeof buf, "kernel.cu.%Y%m%d-%H%M%S", std::localtime(&t));
    return buf;
}

// The file a reset message says the learner's file is kept as, under `root`.
fs::path kept_as(const fs::path& root, const std::string& out) {
    const std::string key = "kept as ";
    auto at = out.find(key);
    if (at == std::string::npos) return {};
    return root / out.substr(at + key.size(), out.find('\n', at) - at - key.size());
}

TEST_F(Reset, ABackupNeverReplacesAnother) {
    kc({"list"});
    const fs::path backups = dir.path() / ".kernelcoach/backups/missing-elements/module-01-vector-add";
    // Backups already named for every second this test may run in, as two resets in one second
    // would name them: each reset must find a name of its own.
    const std::time_t now = std::time(nullptr);
    for (int i = -1; i < 60; ++i) write_text(backups / backup_name(now + i), "// an older backup\n");
    std::vector<fs::path> named;
    for (const char* work : {"// first\n", "// second\n"}) {
        write_text(kernel(), work);
        auto r = kc({"reset", "vector-add", "--yes"});
        ASSERT_EQ(r.exit_code, 0) << r.err;
        named.push_back(kept_as(dir.path(), r.out));
        EXPECT_EQ(slurp(named.back()), work) << r.out;
    }
    EXPECT_NE(named[0], named[1]);
    int older = 0;
    std::set<std::string> mine;
    for (const auto& e : fs::directory_iterator(backups)) {
        const std::string text = slurp(e.path());
        if (text == "// an older backup\n") ++older;
        else mine.insert(text);
    }
    EXPECT_EQ(older, 61);
    EXPECT_EQ(mine, (std::set<std::string>{"// first\n", "// second\n"}));
}

TEST_F(Reset, ADeletedKernelIsRestoredAndNoBackupIsClaimed) {
    kc({"list"});
    fs::remove(kernel());
    auto r = kc({"reset", "vector-add", "--yes"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(slurp(kernel()), starter);
    EXPECT_EQ(r.out.find("kept as"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("no kernel.cu to keep"), std::string::npos) << r.out;
    const fs::path backups = dir.path() / ".kernelcoach/backups";
    EXPECT_TRUE(!fs::exists(backups) || fs::recursive_directory_iterator(backups) == fs::recursive_directory_iterator())
        << "a backup of nothing";
}

TEST(Manifest, StarterHashMustLookLikeOne) {
    auto bad = course::parse_manifest(
        R"({"format": 1, "title": "T", "exercise": "vector-add", "kernel": "k", "starter": "WRONG",
            "starter_hash": "abc", "cases": [{"name": "a", "n": 1}]})",
        "m.json");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("starter_hash"), std::string::npos);
}

}  // namespace
}  // namespace kc::test
