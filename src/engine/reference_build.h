// A custom exercise's reference.cpp, built by the parent into a shared library with the system
// C++ compiler ($CXX, else c++): -O2 -shared -fPIC -std=c++17, compiled with
// kernelcoach_reference.h (the ABI: exercises/reference_library.h), in the module's folder so that
// its quoted includes resolve there and its diagnostics say reference.cpp:LINE:COL. Cached under
// .kernelcoach/cache/ by the hash of the source (and the files it includes), the header, the
// options and the compiler's identity (its path and `--version`). The parent never loads the
// library: the worker does (the learner's host code runs there only).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "compile/diagnostics.h"
#include "util/result.h"

namespace kc::engine {

inline constexpr const char* kReferenceFile = "reference.cpp";

struct ReferenceBuildRequest {
    std::filesystem::path source;   // the module's reference.cpp
    std::string display_path;       // how a report names it: "tracks/portfolio/module-01-x/reference.cpp"
    std::filesystem::path cache_dir;
    double timeout_s = 60;
    // The compiler command: $CXX when set (words split at spaces: "ccache g++"), else "c++".
    std::string compiler;
};

struct ReferenceBuild {
    bool ok = false;
    std::filesystem::path library;  // when ok: the cached .so
    std::vector<compile::Diagnostic> diagnostics;  // errors and warnings, file as the compiler named it
    std::string summary;            // when !ok: what is wrong, in words, with the first error in full
    bool timed_out = false;
    bool cache_hit = false;
    std::string compiler;           // the identity: "/usr/bin/c++: c++ (Debian 12.2.0-14) 12.2.0"
    std::string key;
    double seconds = 0;
};

// The compiler command a build uses: `cxx_env` ($CXX) when set and not blank, else "c++".
std::string host_compiler(const char* cxx_env);

// The command line: the compiler's words, the options, then -o `output` and reference.cpp
// (a name, compiled from the module's folder).
std::vector<std::string> reference_argv(const std::vector<std::string>& compiler, const std::filesystem::path& header,
                                        const std::filesystem::path& output);

// The compiler's diagnostics ("reference.cpp:3:12: error: expected ';' ..."; gcc and clang),
// each with its source line from `source` when it is about `file_name`; a missing kc_reference
// (the linker's "undefined reference to `kc_reference'") is one error of its own.
std::vector<compile::Diagnostic> parse_compiler_output(const std::string& output, const std::string& file_name,
                                                       const std::string& source);

// The learner's sentence for a failed build: the first error in full, as `display_path`.
std::string build_failure_summary(const std::vector<compile::Diagnostic>& diagnostics, const std::string& output,
                                  const std::string& display_path);

// Builds (or finds in the cache) the library. An Error is kernelcoach's or the machine's (no
// compiler, an unwritable cache); a reference.cpp that does not compile is a ReferenceBuild
// that is not ok.
Result<ReferenceBuild> build_reference(const ReferenceBuildRequest& request);

}  // namespace kc::engine
