// The NVRTC wrapper: compiles a learner's kernel.cu to a cubin for one architecture, reads back
// the launch geometry of every case, and caches the result on disk.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "compile/diagnostics.h"
#include "compile/launch.h"
#include "util/result.h"

namespace kc::compile {

struct Request {
    std::string source;        // the learner's kernel.cu
    std::string display_path;  // how errors name it: "tracks/.../kernel.cu"
    std::string header;        // the text of kernelcoach.h
    std::string kernel;        // the extern "C" entry point that must exist
    std::string params;        // its parameter list, for the message when it is missing
    std::vector<std::string> problems;  // one C++ initialiser per case: "Problem{1000}"
    std::vector<std::string> case_names;
    int sm = 90;               // compute capability as 10 * major + minor
    std::vector<std::string> extra_options;  // -D overrides (autotuning)
};

struct Output {
    bool ok = false;
    std::vector<Diagnostic> diagnostics;  // errors and warnings, mapped to the learner's file
    std::string summary;       // when !ok: one learner sentence on what went wrong
    std::string log;           // the raw NVRTC log
    std::string cubin;         // the machine code for `sm`
    std::string ptx;
    std::vector<Launch> launches;  // one per case, read from the compiled module
    std::vector<std::string> options;
    std::string arch;          // "sm_90"
    std::string key;           // the cache key (hex)
    bool cache_hit = false;
    double seconds = 0;        // compile wall time (0 on a cache hit)
};

// The CUDA include folder NVRTC needs (KERNELCOACH_CUDA_INCLUDE overrides the built-in one).
std::string cuda_include_dir();
// "13.0"
std::string nvrtc_version();

// The architecture to compile for when no GPU says which: the oldest this NVRTC supports
// that is at least `min_sm` (CUDA 13 starts at sm_75).
int default_sm(int min_sm);

// Compiles, or loads from `cache_dir` (no caching when empty). An Error means NVRTC itself
// could not be used; a learner's compile error is Output{ok = false}.
Result<Output> compile(const Request& req, const std::filesystem::path& cache_dir);

// What NVRTC made of one source: the log always; PTX and cubin when it compiled.
struct Built {
    bool ok = false;
    std::string log, ptx, cubin;
};

// One NVRTC run with in-memory headers {name, text}. An Error means NVRTC itself failed.
Result<Built> run_nvrtc(const std::string& source, const std::string& name,
                        const std::vector<std::pair<std::string, std::string>>& headers,
                        const std::vector<std::string>& options);

// The options every compile uses: architecture, C++20, -default-device, line info, includes.
std::vector<std::string> base_options(int sm);

// Compiles kernelcoach's own device code (the worker's utility kernels), cached like learner
// code. A failure is kernelcoach's bug, returned as an Error with the log.
Result<std::string> compile_internal(const std::string& source, const std::string& name, int sm,
                                     const std::filesystem::path& cache_dir);

// Reads `kc_launch_<i>` for i in [0, count) from PTX: NVRTC writes each initialised global as
// a byte list and omits trailing zero bytes.
Result<std::vector<Launch>> read_launches(const std::string& ptx, size_t count);

// The source text appended after the learner's code to evaluate launch() for every case.
std::string geometry_suffix(const std::vector<std::string>& problems);

// The name NVRTC compiles a learner's file under: diagnostics and line info say "kernel.cu:LINE".
const char* kernel_source_name();

}  // namespace kc::compile
