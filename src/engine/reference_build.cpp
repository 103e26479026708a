#include "engine/reference_build.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <regex>
#include <sstream>

#include "compile/includes.h"
#include "engine/spawn.h"
#include "exercises/reference_library.h"
#include "util/atomic_file.h"
#include "util/hash.h"

namespace kc::engine {

namespace fs = std::filesystem;

namespace {

const char* const kOptions[] = {"-O2", "-shared", "-fPIC", "-std=c++17"};

std::vector<std::string> words(const std::string& s) {
    std::istringstream in(s);
    std::vector<std::string> out;
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

// `name` as execv needs it: itself when it holds a '/', else the first executable on PATH.
std::string on_path(const std::string& name) {
    if (name.find('/') != std::string::npos) return name;
    const char* path = std::getenv("PATH");
    std::istringstream in(path ? path : "/usr/local/bin:/usr/bin:/bin");
    for (std::string dir; std::getline(in, dir, ':');) {
        const fs::path p = fs::path(dir.empty() ? "." : dir) / name;
        if (::access(p.c_str(), X_OK) == 0 && fs::is_regular_file(p)) return p.string();
    }
    return {};
}

// "/usr/bin/c++: c++ (Debian 12.2.0-14) 12.2.0": the compiler's path and the first line of its
// --version, once per process per command.
Result<std::string> identity(const std::vector<std::string>& compiler, const std::string& command) {
    static std::map<std::string, std::string> known;
    if (auto it = known.find(command); it != known.end()) return it->second;
    std::vector<std::string> argv = compiler;
    argv.push_back("--version");
    auto run = run_program(argv, {}, 30);
    if (!run || run->timed_out || run->exit_code != 0)
        return make_error(fmt::format("the C++ compiler `{}` does not run (`{} --version` failed{})", command, command,
                                      run ? ": " + run->output.substr(0, 300) : ": " + run.error().message),
                          "reference.cpp is built with $CXX, else c++: install g++ or clang++, or set CXX");
    const std::string first = run->output.substr(0, run->output.find('\n'));
    return known[command] = fmt::format("{}: {}", compiler.front(), first);
}

std::string cache_key(const std::string& source, const compile::LocalIncludes& includes, const std::string& identity) {
    Hasher h;
    h.field("kernelcoach reference 1").field(source).field(exercises::reference_header()).field(identity);
    for (const char* o : kOptions) h.field(o);
    for (const auto& f : includes.files) h.field(f.path.string()).field(f.text);
    return h.hex();
}

// The header on disk, beside the libraries (rewritten when its text changed).
Result<fs::path> write_header(const fs::path& cache_dir) {
    const fs::path header = cache_dir / exercises::kReferenceHeaderName;
    auto have = read_file(header);
    if (!have || *have != exercises::reference_header())
        if (auto s = write_file_atomic(header, exercises::reference_header()); !s) return s.error();
    return header;
}

bool missing_entry(const std::string& line) {
    return line.find("undefined reference to `kc_reference'") != std::string::npos ||
           line.find("undefined symbol: kc_reference") != std::string::npos;
}

}  // namespace

std::string host_compiler(const char* cxx_env) {
    return cxx_env && !words(cxx_env).empty() ? std::string(cxx_env) : std::string("c++");
}

std::vector<std::string> reference_argv(const std::vector<std::string>& compiler, const fs::path& header,
                                        const fs::path& output) {
    std::vector<std::string> argv = compiler;
    for (const char* o : kOptions) argv.push_back(o);
    argv.insert(argv.end(), {"-include", header.string(), "-Wl,--no-undefined", "-o", output.string(), kReferenceFile});
    return argv;
}

std::vector<compile::Diagnostic> parse_compiler_output(const std::string& output, const std::string& file_name,
                                                       const std::string& source) {
    static const std::regex head(R"(^(.+?):(\d+):(?:(\d+):)? (fatal error|error|warning): (.*)$)");
    const auto src = lines_of(source);
    std::vector<compile::Diagnostic> out;
    for (const auto& line : lines_of(output)) {
        std::smatch m;
        if (missing_entry(line)) {
            out.push_back({file_name, 0, 0, "error",
                           "defines no kc_reference(): write extern \"C\" void kc_reference(const long long* sizes, "
                           "const double* const* inputs, double* const* outputs)",
                           ""});
            continue;
        }
        if (!std::regex_match(line, m, head)) continue;
        compile::Diagnostic d;
        d.file = fs::path(m[1].str()).filename() == file_name && m[1].str().find('/') == std::string::npos
                     ? file_name
                     : m[1].str();
        d.line = std::stoi(m[2].str());
        d.column = m[3].matched ? std::stoi(m[3].str()) : 0;
        d.severity = m[4].str() == "fatal error" ? "error" : m[4].str();
        d.message = m[5].str();
        if (d.file == file_name && d.line >= 1 && static_cast<size_t>(d.line) <= src.size())
            d.source_line = src[static_cast<size_t>(d.line) - 1];
        out.push_back(std::move(d));
    }
    return out;
}

std::string build_failure_summary(const std::vector<compile::Diagnostic>& diagnostics, const std::string& output,
                                  const std::string& display_path) {
    for (const auto& d : diagnostics) {
        if (d.severity != "error") continue;
        if (d.line == 0) return fmt::format("{} {}", display_path, d.message);
        const std::string where = d.file == kReferenceFile ? display_path : d.file;
        return fmt::format("{} (the float64 truth of this module) does not compile:\n{}", display_path,
                           compile::format_diagnostic(d, where));
    }
    std::string first = output.substr(0, 600);
    while (!first.empty() && first.back() == '\n') first.pop_back();
    return fmt::format("{} (the float64 truth of this module) does not compile:\n{}", display_path, first);
}

Result<ReferenceBuild> build_reference(const ReferenceBuildRequest& r) {
    ReferenceBuild b;
    std::error_code ec;
    if (!fs::is_regular_file(r.source, ec)) {
        b.diagnostics.push_back({kReferenceFile, 0, 0, "error", "missing", ""});
        b.summary = fmt::format("{} is missing: a custom exercise's float64 truth is kc_reference() in that file "
                                "(tracks/README.md, \"Your own module\")",
                                r.display_path);
        return b;
    }
    auto source = read_file(r.source);
    if (!source) return source.error();
    const std::string command = r.compiler.empty() ? host_compiler(std::getenv("CXX")) : r.compiler;
    std::vector<std::string> compiler = words(command);
    const std::string exe = on_path(compiler.front());
    if (exe.empty())
        return make_error(fmt::format("no C++ compiler `{}` on PATH to build {}", compiler.front(), r.display_path),
                          "install g++ or clang++, or set CXX to one");
    compiler.front() = exe;
    auto id = identity(compiler, command);
    if (!id) return id.error();
    b.compiler = *id;
    const fs::path dir = r.source.parent_path();
    const auto includes = compile::local_includes(*source, dir, {exercises::kReferenceHeaderName}, {});
    b.key = cache_key(*source, includes, *id);
    b.library = r.cache_dir / fmt::format("reference-{}.so", b.key);
    if (includes.complete && fs::is_regular_file(b.library, ec)) {
        b.ok = b.cache_hit = true;
        return b;
    }
    fs::create_directories(r.cache_dir, ec);
    auto header = write_header(r.cache_dir);
    if (!header) return header.error();
    const fs::path tmp = r.cache_dir / fmt::format("reference-{}.so.tmp-{}", b.key, ::getpid());
    auto run = run_program(reference_argv(compiler, *header, tmp), dir, r.timeout_s);
    if (!run) return run.error();
    b.seconds = run->seconds;
    b.diagnostics = parse_compiler_output(run->output, kReferenceFile, *source);
    if (run->timed_out) {
        b.timed_out = true;
        b.summary = fmt::format("{} did not compile within {:g} s", r.display_path, r.timeout_s);
    } else if (run->exit_code != 0) {
        b.summary = build_failure_summary(b.diagnostics, run->output, r.display_path);
    } else {
        fs::rename(tmp, b.library, ec);
        if (ec) return make_error(fmt::format("cannot write {}: {}", b.library.string(), ec.message()));
        b.ok = true;
    }
    fs::remove(tmp, ec);
    return b;
}

}  // namespace kc::engine
