// The README's examples run, so the docs cannot drift from the program.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "course/course.h"
#include "support/cli.h"

namespace kc::test {
namespace {

// Every `build/kernelcoach ...` line in an indented code block of README.md.
std::vector<std::vector<std::string>> readme_examples() {
    std::ifstream in(source_dir() / "README.md");
    std::vector<std::vector<std::string>> out;
    for (std::string line; std::getline(in, line);) {
        const std::string prefix = "    build/kernelcoach ";
        if (line.rfind(prefix, 0) != 0) continue;
        std::string cmd = line.substr(prefix.size());
        cmd = cmd.substr(0, cmd.find('#'));
        std::istringstream words(cmd);
        std::vector<std::string> args;
        for (std::string w; words >> w;) args.push_back(w);
        out.push_back(args);
    }
    return out;
}

TEST(Readme, ExamplesRunWithoutErrors) {
    auto examples = readme_examples();
    ASSERT_GE(examples.size(), 3u) << "the README's 'Start here' block moved?";
    TempDir dir;
    copy_course(source_dir(), dir.path());
    for (const auto& args : examples) {
        auto r = run_cli(args, dir.path());
        std::string shown;
        for (const auto& a : args) shown += a + " ";
        // Passed, failed (a starter) or not run (no GPU): never a usage or internal error.
        EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1 || r.exit_code == 3)
            << shown << "exited " << r.exit_code << "\n" << r.out << r.err;
        EXPECT_EQ(r.err.find("error:"), std::string::npos) << shown << "\n" << r.err;
    }
}

// ---- nothing that exists is "coming" --------------------------------------------------------

namespace fs = std::filesystem;

// The commands the binary has: the SUBCOMMANDS section of its --help.
std::set<std::string> commands() {
    std::istringstream help(run_cli({"--help"}).out);
    std::set<std::string> out;
    bool in_section = false;
    for (std::string line; std::getline(help, line);) {
        std::string lower = line;
        std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
        if (lower.rfind("subcommands:", 0) == 0) in_section = true;
        else if (in_section && line.empty()) break;
        else if (in_section) out.insert(line.substr(0, line.find_first_of(" \t", 2)).substr(2));
    }
    return out;
}

// A Markdown text cut into statements: a table row (with its track cell carried down from the rows
// above, "track/NN topic | ..."), or a sentence of prose or of a list item.
std::vector<std::string> statements(const std::string& text) {
    std::vector<std::string> out;
    std::string para, track;
    auto flush = [&] {
        size_t start = 0;
        for (size_t i = 0; i + 1 < para.size(); ++i)
            if (para[i] == '.' && para[i + 1] == ' ') {
                out.push_back(para.substr(start, i - start));
                start = i + 2;
            }
        if (start < para.size()) out.push_back(para.substr(start));
        para.clear();
    };
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("|", 0) == 0) {
            flush();
            std::vector<std::string> cells;
            std::istringstream row(line.substr(1));
            for (std::string c; std::getline(row, c, '|');) cells.push_back(std::regex_replace(c, std::regex("^ +| +$"), ""));
            if (cells.size() < 2) continue;
            if (!cells[0].empty()) track = cells[0];
            out.push_back(track + "/" + cells[1] + " " + line);
            continue;
        }
        if (line.empty() || line.rfind("- ", 0) == 0 || line.rfind("#", 0) == 0) flush();
        if (!line.empty()) para += " " + std::regex_replace(line, std::regex("^ +"), "");
    }
    flush();
    return out;
}

// Every statement of the course's documents that calls an existing module or command "coming".
std::vector<std::string> coming_but_here() {
    auto course = course::load_course(source_dir());
    if (!course) return {"the course does not load: " + course.error().message};
    std::set<std::string> ids;
    for (const auto& m : course->modules) ids.insert(m.id);
    const auto cmds = commands();
    if (cmds.count("run") == 0) return {"no commands in kernelcoach --help"};

    std::vector<fs::path> docs = {source_dir() / "README.md", source_dir() / "tracks" / "README.md"};
    for (const auto& m : course->modules) docs.push_back(m.dir / "README.md");
    static const std::regex coming(R"(\bcoming\b)");
    static const std::regex module_id(R"(\b([a-z][a-z-]*)/(?:module-)?(\d\d)\b)");
    static const std::regex command(R"(`(?:kernelcoach )?([a-z]+)[^`]*`)");
    std::vector<std::string> wrong;
    for (const auto& doc : docs) {
        const std::string where = fs::relative(doc, source_dir()).string();
        for (const auto& s : statements(read_text(doc))) {
            if (!std::regex_search(s, coming)) continue;
            for (std::sregex_iterator it(s.begin(), s.end(), module_id), end; it != end; ++it)
                if (ids.count((*it)[1].str() + "/" + (*it)[2].str())) wrong.push_back(where + ": " + s);
            for (std::sregex_iterator it(s.begin(), s.end(), command), end; it != end; ++it)
                if (cmds.count((*it)[1].str())) wrong.push_back(where + ": " + s);
        }
    }
    return wrong;
}

TEST(Readme, NothingThatExistsIsComing) {
    for (const auto& w : coming_but_here()) ADD_FAILURE() << "called coming, but it is here: " << w;
}

TEST(Readme, TheComingCheckFindsWhatItLooksFor) {
    const auto cut = statements("`bench` and `tune` are coming. A module is named.\n\n"
                                "- missing-elements/02, matrix multiply (coming): 2D indexing\n  and barriers.\n"
                                "| missing-elements | 01 vector-add | x | ready |\n| | 02 matrix-mul | y | coming |\n");
    ASSERT_EQ(cut.size(), 5u);
    EXPECT_EQ(cut[0], " `bench` and `tune` are coming");
    EXPECT_EQ(cut[2], " - missing-elements/02, matrix multiply (coming): 2D indexing and barriers.");
    EXPECT_EQ(cut[4].rfind("missing-elements/02 matrix-mul |", 0), 0u) << cut[4];
    EXPECT_TRUE(commands().count("bench"));
}

}  // namespace
}  // namespace kc::test
