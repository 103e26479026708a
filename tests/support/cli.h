// Running the real kernelcoach binary from tests.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kc::test {

struct CliRun {
    int exit_code = -1;
    std::string out;  // stdout
    std::string err;  // stderr
    nlohmann::json json() const;  // stdout parsed (a failed parse throws, failing the test)
};

// Runs KC_BINARY with `args` in `cwd`, with NO_COLOR set and `env` added.
CliRun run_cli(const std::vector<std::string>& args, const std::filesystem::path& cwd = {},
               const std::vector<std::string>& env = {});

std::filesystem::path source_dir();    // the repository
std::filesystem::path fixture_course();  // tests/fixtures/course

// A fresh temporary folder, removed when the object dies.
class TempDir {
public:
    TempDir();
    ~TempDir();
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// A whole file as text ("" when it cannot be read); writing creates the parent folders.
std::string read_text(const std::filesystem::path& path);
void write_text(const std::filesystem::path& path, const std::string& text);
// tests/fixtures/<name> as text.
std::string fixture_text(const std::string& name);

// Copies a course (tracks/ only, no .kernelcoach state) into `dest`.
void copy_course(const std::filesystem::path& from, const std::filesystem::path& dest);

// Whether `text` holds `what`; a CLI run as a failure message shows it (exit code, both streams).
inline bool contains(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }
std::string show(const CliRun& r);

}  // namespace kc::test
