// kernelcoach watch: a save re-grades, `next` moves on only when asked, `quit` ends it.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "support/cli.h"
#include "util/file_watch.h"

namespace kc::test {
namespace {

namespace fs = std::filesystem;

// Runs watch on fixtures/03 (a compile error) with a script on its stdin: wait, save a fixed
// kernel.cu, wait, `next`, wait, `quit`. Returns everything it printed.
std::string watch_session(const fs::path& course, bool poll) {
    const fs::path fixed = fixture_course() / "tracks/fixtures/module-01-pass/kernel.cu";
    const fs::path target = course / "tracks/fixtures/module-03-compile-error/kernel.cu";
    const fs::path out = course / "watch.out";
    std::ostringstream cmd;
    cmd << "(sleep 2; cp '" << fixed.string() << "' '" << target.string() << "'; sleep 3; echo next; sleep 3; echo quit)"
        << " | timeout 60 env NO_COLOR=1 '" << KC_BINARY << "' --course '" << course.string() << "' watch fixtures/03"
        << (poll ? " --poll" : "") << " > '" << out.string() << "' 2>&1";
    int rc = std::system(cmd.str().c_str());
    std::ifstream in(out);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return "exit " + std::to_string(WEXITSTATUS(rc)) + "\n" + text;
}

void expect_loop(const std::string& text) {
    EXPECT_EQ(text.rfind("exit 0\n", 0), 0u) << text;
    auto first = text.find("COMPILE_ERROR");
    ASSERT_NE(first, std::string::npos) << text;
    // After the save the same module is graded again and compiles.
    auto again = text.find("grading fixtures/03", first);
    ASSERT_NE(again, std::string::npos) << text;
    EXPECT_TRUE(text.find("SKIPPED", again) != std::string::npos || text.find("PASSED", again) != std::string::npos)
        << text;
    // Only `next` moves on.
    auto moved = text.find("grading fixtures/04", again);
    EXPECT_NE(moved, std::string::npos) << text;
    EXPECT_EQ(text.find("grading fixtures/04"), moved) << "moved on before being asked";
}

TEST(Watch, RegradesOnSaveAndMovesOnOnlyWhenAsked) {
    TempDir dir;
    copy_course(fixture_course(), dir.path());
    expect_loop(watch_session(dir.path(), false));
}

TEST(Watch, PollingWorksToo) {
    TempDir dir;
    copy_course(fixture_course(), dir.path());
    expect_loop(watch_session(dir.path(), true));
}

// Several files (the parts of a module): each change is reported with the file it was to, two
// saved together one after the other.
TEST(FileWatcher, ReportsWhichOfSeveralFilesChanged) {
    for (bool poll : {false, true}) {
        TempDir dir;
        const fs::path a = dir.path() / "add.cu", b = dir.path() / "convert.cu";
        write_text(a, "a");
        write_text(b, "b");
        auto w = FileWatcher::create(std::vector<fs::path>{a, b}, poll);
        ASSERT_TRUE(w) << w.error().message;
        EXPECT_EQ(w->wait(300, -1), FileWatcher::Event::Timeout) << poll;
        write_text(b, "b2");
        ASSERT_EQ(w->wait(5000, -1), FileWatcher::Event::Changed) << poll;
        EXPECT_EQ(w->changed(), b);
        write_text(a, "a22");
        write_text(b, "b222");
        ASSERT_EQ(w->wait(5000, -1), FileWatcher::Event::Changed) << poll;
        const fs::path first = w->changed();
        ASSERT_EQ(w->wait(5000, -1), FileWatcher::Event::Changed) << poll;
        EXPECT_NE(w->changed(), first) << poll;
        EXPECT_EQ(w->wait(300, -1), FileWatcher::Event::Timeout) << poll;
    }
}

TEST(Watch, RefusesJson) {
    auto r = run_cli({"--course", fixture_course().string(), "--json", "watch", "fixtures/01"});
    EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace kc::test

namespace kc::test {
namespace {

TEST(Watch, ResetAsksThenRestoresTheStarter) {
    TempDir dir;
    copy_course(source_dir(), dir.path());
    const fs::path k = dir.path() / "tracks/basics/module-00-first-kernel/kernel.cu";
    std::ifstream in(k);
    const std::string starter((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ostringstream cmd;
    cmd << "(sleep 2; echo '// mine' > '" << k.string() << "'; sleep 2; echo reset; sleep 1; echo yes; sleep 3; echo quit)"
        << " | timeout 60 env NO_COLOR=1 '" << KC_BINARY << "' --course '" << dir.path().string()
        << "' watch basics > '" << (dir.path() / "out").string() << "' 2>&1";
    ASSERT_EQ(std::system(cmd.str().c_str()), 0);
    std::ifstream after(k);
    EXPECT_EQ(std::string((std::istreambuf_iterator<char>(after)), std::istreambuf_iterator<char>()), starter);
    std::ifstream out(dir.path() / "out");
    std::string text((std::istreambuf_iterator<char>(out)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("Put the starter back"), std::string::npos) << text;
    EXPECT_NE(text.find("starter restored"), std::string::npos) << text;
}

}  // namespace
}  // namespace kc::test
