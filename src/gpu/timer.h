// Cold-cache timing with CUDA events: L2 flushed before every timed run, warm-up first,
// candidates interleaved so clock and thermal drift hit them alike. Runs too short to time
// alone are timed in batches: a CUDA graph of many launches over rotating buffer sets.
#pragma once

#include <cuda_runtime_api.h>

#include <functional>
#include <string>
#include <vector>

#include "grade/stats.h"
#include "util/result.h"

namespace kc::gpu {

class Utility;
using grade::BatchRule;
using grade::Samples;
using grade::StopRule;

// Something to time: enqueues one run on the stream, on buffer set `set` (0 .. sets - 1), and
// returns the launch's error code. It may be captured into a CUDA graph, so it must only
// enqueue work (no waits, no allocations) after the warm-up runs.
using Timed = std::function<cudaError_t(cudaStream_t, size_t set)>;

// A failure while timing: which candidate and the CUDA error (a learner kernel may crash here),
// or what the check after a sample found wrong.
struct TimingFailure {
    size_t candidate = 0;
    cudaError_t code = cudaSuccess;
    std::string wrong;
};

// Work around the first candidate's samples, outside the events: `before` readies the outputs
// of the buffer sets the sample will write (refills them with the sentinel), `after` checks
// what it wrote and returns an Error whose message says what is wrong. Both get how many sets
// the sample writes (sets 0 .. n - 1). Either may be empty.
struct SampleHooks {
    std::function<Status(size_t sets)> before;
    std::function<Status(size_t sets)> after;
};

// How the runs were timed.
struct TimingMethod {
    int launches = 1;          // launches per sample (1: one launch between two events)
    size_t sets = 1;           // buffer sets the launches rotate over
    std::vector<bool> graph;   // per candidate: batched as a CUDA graph (else a plain loop)
    double single_ms = 0;      // the quickest deciding candidate's single warm-up run (decides batching)
    std::string stopped;       // why sampling stopped ("converged", "time cap", ...)
};

class Timer {
public:
    // `l2_bytes`: the device's L2 size; the flush reads twice that. `util` runs the flush and
    // must outlive the timer.
    static Result<Timer> create(size_t l2_bytes, cudaStream_t stream, const Utility& util);
    Timer(Timer&&) noexcept;
    Timer(const Timer&) = delete;
    ~Timer();

    // Runs `warmup` untimed rounds of single launches, then timed rounds of every candidate in
    // turn until `rule` says stop. When the quickest single run is shorter than `batch` allows,
    // each sample is a batch of launches rotating over `sets` buffer sets (the sample is the
    // batch's time divided by its launches). `flush`: evict L2 before every sample (cold);
    // false: hot. On a CUDA failure, `failure` says which candidate and why.
    // `hooks` (may be null) run around every sample of the first candidate, warm-up included.
    Result<std::vector<Samples>> run(const std::vector<Timed>& candidates, int warmup, const StopRule& rule,
                                     const BatchRule& batch, size_t sets, bool flush, TimingFailure* failure,
                                     TimingMethod* method, const SampleHooks* hooks = nullptr);

    size_t flush_bytes() const { return flush_bytes_; }

private:
    Timer() = default;
    cudaError_t flush();
    // One sample of candidate `c`: `launches` runs (a graph when `graph` is set) between events.
    cudaError_t sample(const Timed& c, cudaGraphExec_t graph, int launches, size_t sets, bool flush, float* ms);
    cudaStream_t stream_ = nullptr;
    const Utility* util_ = nullptr;
    cudaEvent_t start_ = nullptr, stop_ = nullptr;
    void* flush_ = nullptr;
    size_t flush_bytes_ = 0;
};

}  // namespace kc::gpu
