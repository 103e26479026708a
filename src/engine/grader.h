// Grading one kernel file of one module: compile (here, with NVRTC), then run it in a worker
// process (which alone touches the GPU), and turn what comes back into a verdict with its
// explanation. Never prints; the CLI renders a Grade.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <future>
#include <optional>
#include <string>
#include <vector>

#include "compile/compiler.h"
#include "course/course.h"
#include "engine/ncu.h"
#include "engine/reference_build.h"
#include "wire/protocol.h"
#include "engine/sanitizer.h"
#include "engine/spawn.h"
#include "engine/speed.h"
#include "engine/speed_of_light.h"
#include "engine/target.h"
#include "grade/speed_gate.h"
#include "grade/verdict.h"
#include "util/result.h"

namespace kc::engine {

struct Options {
    std::optional<uint64_t> seed;       // --seed; otherwise drawn fresh per invocation
    std::optional<double> timeout_s;    // --timeout; otherwise the manifest's
    double compile_timeout_s = 60;      // --compile-timeout: NVRTC's deadline, in a compile child
    std::optional<int> arch_sm;         // --arch, used when there is no GPU
    bool arch_specific = false;         // --arch 90a: the arch-specific target
    bool timing = true;                 // time the timed case against the vendor
    bool use_gpu = true;                // false: compile only (no worker at all)
    bool fresh_probe = false;           // ignore the remembered device (info does this)
    bool racecheck = true;              // run racecheck on kernels that use shared memory
    bool memcheck = true;               // run memcheck on a small ragged case of a passing kernel
    bool sanitize = false;              // --sanitize: every compute-sanitizer tool on one case
    bool hot = false;                   // --hot: time without flushing L2
    bool bench = false;                 // time every case marked timed (bench: each size of a sweep)
    bool ncu = false;                   // bench --ncu: profile the last timed case with Nsight Compute
    std::vector<std::string> cases;     // run --case: grade these cases only (course::narrow_cases)
    bool debug = false;                 // run --debug: KC_DEBUG defined, a large printf buffer, one launch per case
    std::vector<std::string> defines;   // tune: "-DBM=64", ... added to the learner's compile
    bool stop_after_compile = false;    // tune's parallel builds: compiled for the GPU found, not run
    std::filesystem::path worker_exe;   // defaults to this program
};

// Whether a GPU can be used, found by a probe worker (the parent never initialises CUDA).
struct DeviceStatus {
    bool available = false;
    wire::Device device;
    std::string reason;  // why not, in words
    bool remembered = false;  // from .kernelcoach/device.json, not probed this time
    double probe_seconds = 0;
};

struct CaseGeometry {
    std::string name;
    std::string sizes;   // "n=1000003"
    Launch launch;       // the first kernel's
    std::vector<Launch> launches;  // every kernel's, in launch-plan order
};

// One compute-sanitizer run on one case.
struct SanitizerRun {
    std::string tool;
    std::string case_name;
    bool ran = false;
    std::string note;       // why it did not run, or the sanitizer's summary line
    std::vector<SanitizerFinding> findings;
    double seconds = 0;
};

// Nsight Compute on one launch of one case (bench --ncu).
struct NcuProfile {
    std::string case_name;
    bool ran = false;
    std::string note;       // why it did not run, or what went wrong
    NcuReport report;
    double seconds = 0;
};

// A module's speed gate (module.json "pass"), as decided for a correct kernel.
struct SpeedGate {
    grade::GateKind kind = grade::GateKind::VsVendor;
    double target = 0;                  // as in module.json: 0.6 (x vendor), 0.8 (of light)
    std::string variant;                // vs_variant: its defines, "STAGES=1"
    std::vector<grade::Spread> each;    // one per timing: the grade's own, then the re-timings
    grade::Spread spread;               // pooled over them (grade::pool)
    grade::GateDecision decision;
    std::vector<std::string> reasons;   // what limits the kernel, when it is too slow
};

struct Grade {
    std::string module_id;
    std::string source;        // as shown: "tracks/.../kernel.cu"
    std::string source_path;   // absolute, for links
    std::string source_hash;
    grade::Verdict verdict = grade::Verdict::Skipped;
    std::string summary;       // one sentence on the verdict, in the learner's words
    uint64_t seed = 0;

    // Compilation.
    bool compiled = false;
    std::string arch;
    bool cache_hit = false;
    double compile_seconds = 0;
    std::vector<compile::Diagnostic> diagnostics;
    std::vector<CaseGeometry> geometry;

    // The run.
    std::optional<wire::Device> device;
    std::optional<wire::KernelInfo> kernel;
    std::vector<wire::CaseResult> cases;
    std::string stopped_case;  // the case running when the worker crashed or hung
    std::optional<wire::Timing> timing;    // the timed case (a bench: the last one timed)
    std::vector<wire::Timing> timings;     // every timed case, in order (more than one in a bench)
    double bytes = 0, flops = 0;  // of the timed case
    exercises::Math math = exercises::Math::kFp32;  // the arithmetic of the flops (the exercise's)
    std::optional<SpeedOfLight> light;         // the device's measured speed of light, when known
    std::string worker_output;
    double seconds = 0;         // the grading worker's wall time
    double probe_seconds = 0;   // the GPU probe's, when it ran for this grade
    std::vector<SanitizerRun> sanitizer;  // memcheck and racecheck, or every tool with --sanitize
    std::optional<NcuProfile> ncu;        // bench --ncu
    std::vector<std::string> notes;       // what the grade did not check, and why
    // The module's speed gates, as decided, in order; when TOO_SLOW the last is the one missed.
    std::vector<SpeedGate> gates;
    // How the run was narrowed, for its "reproduce:" line: `run --case` names, `run --debug`.
    std::vector<std::string> only_cases;
    bool debug = false;

    // Derived numbers for the timed case (all 0 when not timed); see engine/speed.h.
    Speed speed() const;
    // The same for any timing of this grade (a bench's sizes), with its case's bytes and flops.
    Speed speed(const wire::Timing& t, double bytes, double flops) const;
    double gbps() const;
    double percent_of_copy() const;
    double tflops() const;
    // More flops per byte than the device's balance (fp32 GEMM rate / copy bandwidth): then
    // the speed of light is the fp32 GEMM rate, else the copy bandwidth.
    bool compute_bound() const;
    double percent_of_light() const;
    // "29.40 TFLOP/s, 43.9% of fp32 peak, 0.58x vendor" or "3375 GB/s, 80.8% of copy, 0.79x
    // vendor"; empty when not timed.
    std::string speed_summary() const;
    double vendor_ratio() const;  // vendor time / kernel time: > 1 means faster than the vendor
    // PASSED with every speed gate of `m` decided (so cleared): what passes the module in
    // progress.json. A gated module graded without timing (--no-timing) is right, not passed.
    bool clears(const course::Manifest& m) const;
    // Static shared memory, or dynamic shared memory in any case's launch: racecheck applies.
    bool uses_shared_memory() const;
};

class Grader {
public:
    Grader(const course::Course& course, Options options);

    uint64_t seed() const { return seed_; }
    // Probes the GPU once, on first use.
    const DeviceStatus& device();
    std::filesystem::path cache_dir() const;
    // What `module` is compiled for on this machine (the GPU, or --arch, or the defaults), with
    // the kc::device its kernelcoach.h holds; or why it is SKIPPED before compiling. A file
    // with its own `// arch: sm_90a` line (compile::file_arch) is that arch-specific target
    // when the manifest declares none.
    Target target(const course::Module& module, int file_arch = 0);
    // The device's speed of light: from .kernelcoach/speed-of-light.json when it holds this GPU
    // and driver, else measured now by a worker (a few seconds) and saved. `measure_again`
    // ignores the file (info --recalibrate). `measured` says whether it ran this time.
    Result<SpeedOfLight> speed_of_light(bool measure_again = false, bool* measured = nullptr);

    // Grades `source` (the module's kernel.cu, or a control) as the module's kernel. An Error
    // is kernelcoach's own failure (NVRTC unusable, a worker that cannot start); every
    // outcome of the learner's code is a Grade.
    // With Options::cases, only those cases of the module are graded (a note says so).
    Result<Grade> grade(const course::Module& module, const std::filesystem::path& source);

    // A custom exercise's reference.cpp built into its library (or found in the cache): what a
    // grade of the module does before running, and dev check's check of the file.
    Result<ReferenceBuild> build_reference(const course::Module& module);

    // One compute-sanitizer tool on one case.
    struct SanitizerJob {
        std::string tool;
        size_t case_index = 0;
    };

private:
    // grade() on every case of `module` (already narrowed to Options::cases).
    Result<Grade> grade_module(const course::Module& module, const std::filesystem::path& source);
    // A sanitizer job's worker, started before the grading worker and held just before its
    // launch, so that compute-sanitizer's start overlaps the plain runs.
    struct Primed {
        SanitizerJob job;
        HeldWorker worker;
        std::filesystem::path log;
    };
    // The sanitizer runs a kernel that passed the plain runs gets: memcheck, and racecheck when
    // it uses shared memory.
    std::vector<SanitizerJob> passing_jobs(const course::Module& module, bool uses_shared_memory) const;
    // The sanitizer runs a grade gets: passing_jobs() for a kernel that passed, every tool with
    // --sanitize.
    std::vector<SanitizerJob> sanitizer_jobs(const course::Module& module, const Grade& g) const;
    // Starts, held, the workers passing_jobs() will want should the kernel pass (`ptx` tells
    // whether it declares shared memory). None with --sanitize or without compute-sanitizer.
    std::vector<Primed> prime_sanitizers(const course::Module& module, const wire::Request& request,
                                         const Grade& g, const std::string& ptx);
    // Sanitizer runs released as soon as they are primed, so that they run while the plain
    // runs do (a grade: the grading worker waits for them before it times, engine::Pause).
    // Destroying it cancels (kills) the runs nobody took, and waits for them.
    class EarlyRuns {
    public:
        EarlyRuns() = default;
        EarlyRuns(const EarlyRuns&) = delete;
        EarlyRuns& operator=(const EarlyRuns&) = delete;
        ~EarlyRuns();
        bool empty() const { return runs_.empty(); }
        void wait() const;  // until every run has finished
        // The run of `job`, if one was started early (waiting for it); each is taken once.
        std::optional<SanitizerRun> take(const SanitizerJob& job);
        // Kills the runs not taken and waits for them: no thread of theirs is left.
        void cancel_rest();

    private:
        friend class Grader;
        std::atomic<bool> cancel_{false};
        std::vector<std::pair<SanitizerJob, std::future<SanitizerRun>>> runs_;
    };
    // Releases every primed worker now, each run in its own thread, into `early`; `primed` must
    // outlive `early` and not move.
    void start_sanitizers(const course::Module& module, const wire::Request& request, std::vector<Primed>& primed,
                          EarlyRuns& early);
    // Runs the grade's sanitizer jobs side by side (an early run, or a primed worker, where one
    // matches); a finding turns a pass into WRONG.
    void run_sanitizers(const course::Module& module, const wire::Request& request, Grade& g,
                        std::vector<Primed>& primed, EarlyRuns& early);
    // Runs `job` on a compiled kernel under compute-sanitizer, in `primed` when given (then
    // killed when `cancel` is set).
    SanitizerRun sanitize(const course::Module& module, const wire::Request& request, const SanitizerJob& job,
                          const std::string& sanitizer, Primed* primed, const std::atomic<bool>* cancel = nullptr);
    // Compiles the module's reference solution (solution/kernel.cu; a part's solution/<part>.cu)
    // for an exercise without a vendor, like `learner`, and puts its cubin and launches in `wr`.
    Status compile_reference(const course::Module& module, const compile::Request& learner, wire::Request& wr);
    // Puts a compiled kernel in `wr` as what the kernel is checked and timed against (its cubin,
    // its launches and scratch per case).
    Status use_as_reference(const compile::Output& out, wire::Request& wr);
    // For a vs_variant gate: `wr` with the learner's own file, built with the gate's -D values,
    // as the reference the timing compares with; or, when the variant does not compile, `g`
    // says so (COMPILE_ERROR) and the result is empty.
    std::optional<wire::Request> variant_request(const course::PassTarget& pass, const compile::Request& learner,
                                                 const wire::Request& wr, Grade& g);
    // The module's speed gate on a kernel that passed: decided on the spread of its timing,
    // re-timed (the timed case alone, checked again) at most twice while the spread straddles
    // the target; below it the verdict becomes TOO_SLOW.
    // `learner` is the graded file's compile request (a vs_variant gate builds it again). Every
    // target of the module's "pass" in turn; the first one missed makes the grade TOO_SLOW.
    void gate_speed(const course::Module& module, const compile::Request& learner, const wire::Request& request,
                    Grade& g);
    // One target: its spread over the grade's timing (or, for vs_variant, timings against the
    // variant), re-timed while it straddles the target; nullopt when a re-run changed the grade
    // (then `g` says how) or the target could not be checked (a note says why).
    std::optional<SpeedGate> decide_gate(const course::Module& module, const compile::Request& learner,
                                         const wire::Request& wr, Grade& g, const course::PassTarget& target);
    // One more grading worker on the timed case alone: its timing, or nullopt when it gave none
    // (then `g` says why: a verdict that is no longer PASSED, or a note).
    std::optional<wire::Timing> retime(const course::Module& module, const wire::Request& request, Grade& g);
    // Profiles one plain launch of a case under Nsight Compute.
    NcuProfile profile(const course::Module& module, const wire::Request& request, size_t case_index);
    const course::Course& course_;
    Options options_;
    uint64_t seed_;
    std::optional<DeviceStatus> device_;
    std::optional<SpeedOfLight> light_;
};

}  // namespace kc::engine
