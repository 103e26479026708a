// The NVRTC wrapper: compiles a learner's kernel.cu to a cubin for one architecture, reads back
// the launch geometry of every case, and caches the result on disk.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "compile/diagnostics.h"
#include "compile/launch.h"
#include "compile/tensor_map.h"
#include "util/result.h"

namespace kc::compile {

struct Request {
    std::string source;        // the learner's kernel.cu
    std::string display_path;  // how errors name it: "tracks/.../kernel.cu"
    // Where it is on disk: its `#include "x"` resolve from this file's folder, as with nvcc
    // (empty: from the working directory).
    std::filesystem::path source_path;
    std::string header;        // the text of kernelcoach.h
    // The extern "C" entry points that must exist, in launch-plan order, with their parameter
    // lists (for the message when one is missing) and the constexpr function that gives each
    // one's launch: "launch" for a module of one kernel, "launch_<kernel>" for several.
    std::vector<std::string> kernels;
    std::vector<std::string> params;
    std::vector<std::string> launchers;
    // The constexpr functions that size the learner's scratch tensors: "partial_elements".
    std::vector<std::string> scratch;
    std::vector<std::string> problems;  // one C++ initialiser per case: "Problem{1000}"
    // Evaluate tensor_maps(Problem) for every case (the header declares it and its default).
    bool tensor_maps = false;
    std::vector<std::string> case_names;
    int sm = 90;               // compute capability as 10 * major + minor
    bool arch_specific = false;  // compile for sm_XXa (the module declares "arch": "sm_90a")
    std::vector<std::string> extra_options;  // -D overrides (autotuning)
    double timeout_s = 0;      // the compile deadline, kept by a Builder that can (0: none)
};

struct Output {
    bool ok = false;
    std::vector<Diagnostic> diagnostics;  // errors and warnings, mapped to the learner's file
    std::string summary;       // when !ok: one learner sentence on what went wrong
    bool timed_out = false;    // when !ok: NVRTC did not finish within Request::timeout_s
    std::string log;           // the raw NVRTC log
    std::string cubin;         // the machine code for `sm`
    std::string ptx;
    std::vector<std::vector<Launch>> launches;  // [case][step], read from the compiled module
    std::vector<std::vector<long long>> scratch;  // [case][scratch function]: elements
    std::vector<TensorMaps> tensor_maps;  // [case]: what tensor_maps() asked for (count 0: none)
    std::vector<std::string> options;
    std::string arch;          // "sm_90", "sm_90a"
    std::string key;           // the cache key (hex)
    bool cache_hit = false;
    double seconds = 0;        // compile wall time (0 on a cache hit)
};

// The CUDA include folder NVRTC needs (KERNELCOACH_CUDA_INCLUDE overrides the built-in one).
std::string cuda_include_dir();
// "13.0"
std::string nvrtc_version();

// The architectures this NVRTC compiles for (nvrtcGetSupportedArchs), oldest first: 75 ... 121
// for CUDA 13.0.
std::vector<int> supported_archs();
// "NVRTC 13.0 cannot compile for sm_70: it compiles for sm_75, ..., sm_121 (...)"; Ok when it can.
Status check_arch(int sm);
// The same against a given list of architectures (oldest first).
Status check_arch(int sm, const std::vector<int>& archs);
// "sm_75, sm_80, ..., sm_121"
std::string archs_text(const std::vector<int>& archs);

// The oldest architecture this NVRTC supports that is at least `min_sm` (CUDA 13 starts at
// sm_75): what a module needing `min_sm` is compiled for when no GPU says which, and the
// oldest GPU it can run on with this toolkit.
int default_sm(int min_sm);
// The same against a given list of architectures (oldest first).
int default_sm(int min_sm, const std::vector<int>& archs);

// One NVRTC run: the program's text and name, its in-memory headers {name, text}, options.
struct Job {
    std::string source, name;
    std::vector<std::pair<std::string, std::string>> headers;
    std::vector<std::string> options;
    double timeout_s = 0;  // a deadline for a builder that can keep one (0: none)
};

// What NVRTC made of one source: the log always; PTX and cubin when it compiled.
struct Built {
    bool ok = false;
    bool timed_out = false;  // stopped at Job::timeout_s (only a builder in another process can)
    std::string log, ptx, cubin;
};

// Runs a Job: in this process (build_here), or in a child under its deadline (engine/).
using Builder = std::function<Result<Built>(const Job&)>;
Result<Built> build_here(const Job& job);

// Compiles, or loads from `cache_dir` (no caching when empty). The key covers the program, the
// learner's files it includes, kernelcoach.h, the options (architecture included) and the
// NVRTC version. An Error means NVRTC itself could not be used, or `req.sm` is not an
// architecture it builds; a learner's compile error is Output{ok = false}.
Result<Output> compile(const Request& req, const std::filesystem::path& cache_dir,
                       const Builder& build = build_here);

// One NVRTC run with in-memory headers {name, text}. An Error means NVRTC itself failed.
Result<Built> run_nvrtc(const std::string& source, const std::string& name,
                        const std::vector<std::pair<std::string, std::string>>& headers,
                        const std::vector<std::string>& options);

// The options every compile uses: architecture (sm_XXa when `specific`), C++20,
// -default-device, line info, includes.
std::vector<std::string> base_options(int sm, bool specific = false);

// Compiles kernelcoach's own device code (the worker's utility kernels), cached like learner
// code. A failure is kernelcoach's bug, returned as an Error with the log.
Result<std::string> compile_internal(const std::string& source, const std::string& name, int sm,
                                     const std::filesystem::path& cache_dir);

// Reads `kc_launch_<i>` for i in [0, count) from PTX: NVRTC writes each initialised global as
// a byte list and omits trailing zero bytes.
Result<std::vector<Launch>> read_launches(const std::string& ptx, size_t count);
// Reads `kc_tmaps_<i>` for i in [0, count) from PTX, as read_launches does.
Result<std::vector<TensorMaps>> read_tensor_maps(const std::string& ptx, size_t count);
// Reads the 64-bit integers `kc_scratch_<i>` for i in [0, count) from PTX.
Result<std::vector<long long>> read_scratch(const std::string& ptx, size_t count);

// The source text appended after the learner's code to evaluate, for every case, each
// launcher (`kc_launch_<case * launchers + step>`), each scratch function
// (`kc_scratch_<case * scratch + t>`) and, when asked, tensor_maps() (`kc_tmaps_<case>`).
std::string geometry_suffix(const std::vector<std::string>& problems, const std::vector<std::string>& launchers,
                            const std::vector<std::string>& scratch = {}, bool tensor_maps = false);

// The name NVRTC compiles a learner's file under: diagnostics and line info say "kernel.cu:LINE".
const char* kernel_source_name();

}  // namespace kc::compile
