#include "support/cli.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

namespace kc::test {

namespace fs = std::filesystem;

namespace {

std::string quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

nlohmann::json CliRun::json() const { return nlohmann::json::parse(out); }

fs::path source_dir() { return KC_SOURCE_DIR; }
fs::path fixture_course() { return source_dir() / "tests" / "fixtures" / "course"; }

TempDir::TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() / ("kc-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    fs::create_directories(path_);
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
}

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_text(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

std::string fixture_text(const std::string& name) { return read_text(source_dir() / "tests" / "fixtures" / name); }

void copy_course(const fs::path& from, const fs::path& dest) {
    fs::create_directories(dest);
    fs::copy(from / "tracks", dest / "tracks", fs::copy_options::recursive);
}

CliRun run_cli(const std::vector<std::string>& args, const fs::path& cwd, const std::vector<std::string>& env) {
    TempDir tmp;
    std::string cmd = "cd " + quote(cwd.empty() ? fs::current_path().string() : cwd.string()) + " && env NO_COLOR=1";
    for (const auto& e : env) cmd += " " + quote(e);
    cmd += " " + quote(KC_BINARY);
    for (const auto& a : args) cmd += " " + quote(a);
    cmd += " >" + quote((tmp.path() / "out").string()) + " 2>" + quote((tmp.path() / "err").string()) + " </dev/null";
    int status = std::system(cmd.c_str());
    CliRun r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(tmp.path() / "out");
    r.err = slurp(tmp.path() / "err");
    return r;
}

std::string show(const CliRun& r) {
    return "exit " + std::to_string(r.exit_code) + "\n--- stdout\n" + r.out + "\n--- stderr\n" + r.err;
}

}  // namespace kc::test
