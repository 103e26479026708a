// The README's examples run, so the docs cannot drift from the program.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

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

}  // namespace
}  // namespace kc::test
