// The course READMEs' figures: SVG files next to each README, drawn by tools/figures (Python 3,
// standard library). The committed SVGs must be what the script draws (`tools/figures --check`),
// --check must notice a changed, missing or stray figure, and every figure must be well-formed,
// self-contained and accessible. The script's own tests skip, visibly, where python3 is missing.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "support/cli.h"
#include "support/xml_check.h"

namespace kc::test {
namespace {

namespace fs = std::filesystem;

bool have_python3() { return std::system("command -v python3 >/dev/null 2>&1") == 0; }

struct ScriptRun {
    int exit_code = -1;
    std::string output;  // stdout and stderr
};

// `python3 <script> <args>`, its output captured in `scratch`.
ScriptRun run_figures(const fs::path& script, const std::string& args, const fs::path& scratch) {
    const fs::path log = scratch / "figures.log";
    const std::string cmd = "python3 '" + script.string() + "' " + args + " >'" + log.string() + "' 2>&1";
    const int status = std::system(cmd.c_str());
    ScriptRun r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.output = read_text(log);
    return r;
}

// Every figure-*.svg under `root`/tracks.
std::vector<fs::path> figures_under(const fs::path& root) {
    std::vector<fs::path> found;
    for (const auto& e : fs::recursive_directory_iterator(root / "tracks")) {
        const std::string name = e.path().filename().string();
        if (e.is_regular_file() && name.starts_with("figure-") && name.ends_with(".svg")) found.push_back(e.path());
    }
    return found;
}

TEST(Figures, CommittedSvgsAreWhatToolsFiguresDraws) {
    if (!have_python3()) GTEST_SKIP() << "python3 is not installed: tools/figures --check not run";
    TempDir scratch;
    const auto r = run_figures(source_dir() / "tools" / "figures", "--check", scratch.path());
    EXPECT_EQ(r.exit_code, 0) << r.output << "(run tools/figures and commit the SVGs it writes)";
}

TEST(Figures, CheckNoticesAChangedMissingOrStrayFigure) {
    if (!have_python3()) GTEST_SKIP() << "python3 is not installed: tools/figures not run";
    // A copy of the script and of the course's READMEs: the script draws next to each README it
    // knows, so the copy gets every figure without this test listing them.
    TempDir tmp;
    const fs::path root = tmp.path() / "repo";
    fs::create_directories(root / "tools");
    fs::copy_file(source_dir() / "tools" / "figures", root / "tools" / "figures");
    for (const auto& e : fs::recursive_directory_iterator(source_dir() / "tracks"))
        if (e.is_regular_file() && e.path().filename() == "README.md")
            write_text(root / fs::relative(e.path(), source_dir()), read_text(e.path()));
    const fs::path script = root / "tools" / "figures";

    auto r = run_figures(script, "--check", tmp.path());
    EXPECT_EQ(r.exit_code, 1) << r.output;  // nothing drawn yet: every figure is missing
    EXPECT_TRUE(contains(r.output, "is missing")) << r.output;

    r = run_figures(script, "", tmp.path());
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto drawn = figures_under(root);
    ASSERT_FALSE(drawn.empty());
    EXPECT_EQ(drawn.size(), figures_under(source_dir()).size());
    for (const auto& f : drawn)  // byte for byte what is committed: the output is deterministic
        EXPECT_EQ(read_text(f), read_text(source_dir() / fs::relative(f, root))) << f;
    r = run_figures(script, "--check", tmp.path());
    EXPECT_EQ(r.exit_code, 0) << r.output;

    const fs::path changed = drawn.front();
    const std::string original = read_text(changed);
    write_text(changed, original + "<!-- edited by hand -->\n");
    r = run_figures(script, "--check", tmp.path());
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_TRUE(contains(r.output, fs::relative(changed, root).string() + " is not what tools/figures draws"))
        << r.output;
    EXPECT_EQ(read_text(changed), original + "<!-- edited by hand -->\n");  // --check writes nothing

    fs::remove(changed);
    r = run_figures(script, "--check", tmp.path());
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_TRUE(contains(r.output, fs::relative(changed, root).string() + " is missing")) << r.output;
    ASSERT_EQ(run_figures(script, "", tmp.path()).exit_code, 0);
    EXPECT_EQ(read_text(changed), original);

    write_text(root / "tracks" / "figure-stray.svg", "<svg/>\n");
    r = run_figures(script, "--check", tmp.path());
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_TRUE(contains(r.output, "figure-stray.svg is not drawn by tools/figures")) << r.output;
}

TEST(Figures, EveryFigureIsWellFormedSelfContainedAndAccessible) {
    const auto figures = figures_under(source_dir());
    ASSERT_FALSE(figures.empty());
    for (const auto& f : figures) {
        const std::string svg = read_text(f);
        EXPECT_EQ(xml_problem(svg), "") << f;
        EXPECT_TRUE(contains(svg, "role=\"img\"")) << f;
        EXPECT_TRUE(contains(svg, "<title id=")) << f;
        EXPECT_TRUE(contains(svg, "<desc id=")) << f;
        EXPECT_TRUE(contains(svg, "font-family=\"sans-serif\"")) << f;
        // Nothing fetched from elsewhere: no links, images, fonts or styles from outside.
        for (const char* outside : {"href", "<image", "@import", "url(http", "<script", "<foreignObject"})
            EXPECT_FALSE(contains(svg, outside)) << f << ": " << outside;
    }
}

TEST(Figures, EveryTrackOneReadmeHasAFigure) {
    // Track 1 is basics and missing-elements: each module shows its indexing or tiling.
    for (const char* track : {"basics", "missing-elements"}) {
        for (const auto& module : fs::directory_iterator(source_dir() / "tracks" / track)) {
            if (!fs::exists(module.path() / "README.md")) continue;
            bool has = false;
            for (const auto& e : fs::directory_iterator(module.path())) {
                const std::string name = e.path().filename().string();
                has = has || (name.starts_with("figure-") && name.ends_with(".svg"));
            }
            EXPECT_TRUE(has) << module.path() << " has no figure-*.svg: draw one in tools/figures";
        }
    }
}

// dev check lets a module folder hold only the figures its README shows; every drawn one is shown.
TEST(Figures, EveryFigureIsShownByItsReadme) {
    for (const auto& f : figures_under(source_dir()))
        EXPECT_TRUE(contains(read_text(f.parent_path() / "README.md"), "](" + f.filename().string() + ")"))
            << f << " is not shown by its README";
}

}  // namespace
}  // namespace kc::test
