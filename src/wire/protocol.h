// What the parent and the worker process say to each other: one JSON request on the worker's
// stdin, then JSON lines (events) on file descriptor 3. Shared by both sides; no CUDA.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "compile/launch.h"
#include "compile/tensor_map.h"
#include "exercises/spec.h"
#include "exercises/view.h"
#include "grade/compare.h"

namespace kc {
// Found by argument-dependent lookup: Launch lives in namespace kc.
void to_json(nlohmann::json& j, const Launch& v);
void from_json(const nlohmann::json& j, Launch& v);
void to_json(nlohmann::json& j, const TensorMapRequest& v);
void from_json(const nlohmann::json& j, TensorMapRequest& v);
}  // namespace kc

namespace kc::wire {

inline constexpr int kEventFd = 3;

struct CaseRequest {
    std::string name;
    exercises::Sizes sizes;
    std::vector<Launch> launches;    // one per kernel of the plan, in order
    std::vector<long long> scratch;  // elements of each scratch tensor the kernel file sizes
    // The module's reference solution (an exercise without a vendor): its launches and scratch.
    std::vector<Launch> reference_launches;
    std::vector<long long> reference_scratch;
    bool timed = false;
    // Which case of the module its inputs are drawn as (exercises::case_seed); -1: its own
    // position in the request. A run narrowed by --case keeps each case's inputs.
    int seed_index = -1;
    exercises::View view;  // the case's input view (module.json "view"); plain by default
    // The tensor maps the kernel receives after its parameters (tensor_maps(), count entries),
    // and the reference solution's.
    std::vector<TensorMapRequest> tensor_maps;
    std::vector<TensorMapRequest> reference_tensor_maps;
    const Launch& launch() const { return launches.front(); }
};

struct Request {
    // "probe", "grade", "launch" (one plain launch, for compute-sanitizer and ncu), "calibrate"
    // (measure the speed of light), or "bench" (grade, timing every case marked timed).
    std::string op = "grade";
    std::string cubin_path;
    std::string cache_dir;   // where the worker caches its own utility kernels
    std::vector<std::string> kernels;  // the entry points, in launch-plan order
    // The reference solution's cubin, for an exercise without a vendor ("": none).
    std::string reference_cubin;
    // Check and time against reference_cubin even when the exercise has a vendor: a vs_variant
    // speed gate's timing, where the reference is the learner's own file built with other -D.
    bool versus_reference = false;
    std::string exercise;
    // "custom": the module's custom block (exercises/custom.h: parse_custom reads it) and the
    // library the parent built from its reference.cpp, which the worker loads for the truth.
    // Null and "" for every other exercise.
    nlohmann::json custom;
    std::string reference_library;
    std::vector<CaseRequest> cases;
    uint64_t seed = 0;
    bool timing = true;
    int min_sm = 70;
    int launch_case = 0;     // "launch": which case
    bool hot = false;        // time with a warm L2 (--hot)
    // "launch": started ahead of time (engine::HeldWorker); wait for stdin to close just
    // before allocating the case's buffers.
    bool hold = false;
    // "grade": once every case has passed, report `checked` and wait for stdin to close before
    // timing (engine::Pause): the parent's sanitizer runs, started with this worker, finish
    // first, so that nothing else runs on the GPU while the kernel is timed.
    bool hold_before_timing = false;
    // `run --debug`: a printf buffer large enough for one case's output (kDebugPrintfBytes), and
    // one launch per case (no second run).
    bool debug = false;
};

// The device's printf buffer in a `run --debug` (the default is 1 MiB).
inline constexpr size_t kDebugPrintfBytes = 64u << 20;

// The GPU, as the worker finds it (gpu::open_device fills it in).
struct Device {
    std::string name;
    int sm = 0;               // 10 * major + minor
    int sm_count = 0;
    size_t l2_bytes = 0;
    size_t memory_bytes = 0;
    int driver_version = 0;   // 13000 = 13.0
    int runtime_version = 0;
    double init_seconds = 0;  // CUDA initialisation and context creation
    // The data sheet's peaks, for the physical floor of a time: DRAM at 2 (double data rate) x
    // memory clock x bus width; fp32 FMA (no tensor cores) at SMs x fp32 lanes x 2 x clock; dense
    // bf16 on the tensor cores at SMs x grade::bf16_tensor_flops_per_clock x clock (0: none known).
    double peak_gbps = 0;
    double peak_fp32_tflops = 0;
    double peak_bf16_tflops = 0;
    std::string uuid;             // "GPU-...", the key of the cached speed of light
    int clock_khz = 0, memory_clock_khz = 0, bus_width_bits = 0;  // the maximum (boost) clocks
    // Per SM, for the theoretical occupancy of a launch.
    int max_threads_per_sm = 0, max_blocks_per_sm = 0, regs_per_sm = 0;
    size_t shared_per_sm = 0, reserved_shared_per_block = 0;
    size_t max_shared_per_block = 0;  // with the opt-in attribute
};

struct KernelInfo {
    int registers = 0;
    int max_threads = 0;
    size_t static_shared = 0;
    size_t local_bytes = 0;
};

struct Guard {
    std::string buffer;
    bool before = false;
    size_t first_offset = 0, last_offset = 0, bytes_changed = 0;
    size_t element_bytes = 4;
    size_t elements = 0;  // the buffer's length in elements
};

// The check of one written tensor against the truth, with the explanation that goes with it.
struct Check {
    std::string tensor;  // which one: "out", "m", "v"
    grade::Comparison comparison;
    std::string diagnosis;
    grade::Heatmap heatmap;
    std::vector<long long> shape;
};

struct CaseResult {
    std::string name;
    std::string verdict;  // PASSED, WRONG, CRASHED
    std::string message;  // the learner's sentence when not PASSED
    Launch launch;
    std::optional<Check> check;         // the learner's output: the first wrong written tensor, or the first
    std::vector<Check> others;          // the other written tensors, when there are several
    // What it means that these written tensors are wrong and those right (the exercise's
    // explain_written: "`m` and `v` are right and `p` is not: ..."), once for the case; "" when
    // every one matched or the pattern says nothing.
    std::string explanation;
    std::optional<Check> vendor;        // the vendor's output against the same truth
    std::optional<Guard> guard;         // a write outside a buffer
    std::string modified_input;         // an input the kernel changed
    size_t nondeterministic = 0;        // elements that changed between two right runs (rounding)
    double seconds = 0;                 // wall time of the whole case in the worker
    std::vector<std::pair<std::string, double>> phases;  // where that time went (seconds)
};

// A fused vendor's unfused pair (worker/vendor.h), timed in the same rounds as the kernel.
struct UnfusedTiming {
    std::string what;                   // the pair in words: "cuBLASLt bf16 GEMM, then a bias + GELU pass"
    double ms = 0, p10 = 0, p90 = 0;    // its time's median and percentiles
    double ratio_p10 = 0, ratio_p90 = 0;  // its time / the kernel's, round by round
};

struct Timing {
    std::string case_name;
    double kernel_ms = 0, kernel_p10 = 0, kernel_p90 = 0;
    double vendor_ms = 0, vendor_p10 = 0, vendor_p90 = 0;
    double copy_ms = 0;     // a device-to-device copy moving the same bytes
    int samples = 0;
    double kernel_rse = 0, vendor_rse = 0;  // relative standard error of each mean
    double ratio_p10 = 0, ratio_p90 = 0;    // vendor / kernel, round by round
    std::string method;     // how it was timed, in words
    int launches = 1;       // launches per sample: > 1 when short runs were batched (a CUDA graph)
    size_t buffer_sets = 1; // the buffer sets a batch rotated over
    std::string looped;     // batched candidates that could not be captured in a graph (ran as a loop)
    int active_blocks_per_sm = 0;  // the runtime's occupancy for this launch (0: not known)
    std::string vendor_detail;  // what the vendor ran, when it chooses (cuDNN's algorithm)
    std::optional<UnfusedTiming> unfused;  // when the vendor is fused and names its unfused pair
    double seconds = 0;     // wall time of the whole timing phase
    // The timed runs' own output (fresh inputs at other addresses), checked after timing: a
    // kernel cannot pass the check and then skip work while it is timed.
    std::optional<Check> check;
    std::string wrong;      // why the timed output is wrong; empty when it is right
};

// One event line: {"event": "device" | "kernel" | "case" | "timing" | "error" | "done", ...}.
struct ErrorEvent {
    std::string kind;     // "no-gpu", "crashed", "internal", "too-old"
    std::string message;
    std::string detail;
};

// One device buffer of a plain launch ("launch" op), so that a sanitizer's address can be named
// ("12 bytes past the end of `out`").
struct Buffer {
    std::string name;
    uint64_t address = 0;
    size_t bytes = 0;
};

void to_json(nlohmann::json& j, const Buffer& v);
void from_json(const nlohmann::json& j, Buffer& v);
void to_json(nlohmann::json& j, const CaseRequest& v);
void from_json(const nlohmann::json& j, CaseRequest& v);
void to_json(nlohmann::json& j, const Request& v);
void from_json(const nlohmann::json& j, Request& v);
void to_json(nlohmann::json& j, const Device& v);
void from_json(const nlohmann::json& j, Device& v);
void to_json(nlohmann::json& j, const KernelInfo& v);
void from_json(const nlohmann::json& j, KernelInfo& v);
void to_json(nlohmann::json& j, const Guard& v);
void from_json(const nlohmann::json& j, Guard& v);
void to_json(nlohmann::json& j, const Check& v);
void from_json(const nlohmann::json& j, Check& v);
void to_json(nlohmann::json& j, const CaseResult& v);
void from_json(const nlohmann::json& j, CaseResult& v);
void to_json(nlohmann::json& j, const Timing& v);
void from_json(const nlohmann::json& j, Timing& v);
void to_json(nlohmann::json& j, const ErrorEvent& v);
void from_json(const nlohmann::json& j, ErrorEvent& v);

// Numbers that may be NaN or infinite travel as strings ("nan", "inf", "-inf").
nlohmann::json number(double x);
double number(const nlohmann::json& j);

}  // namespace kc::wire
