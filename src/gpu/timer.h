// Cold-cache timing with CUDA events: L2 flushed before every timed launch, warm-up first,
// candidates interleaved so clock and thermal drift hit them alike.
#pragma once

#include <cuda_runtime_api.h>

#include <functional>
#include <string>
#include <vector>

#include "grade/stats.h"
#include "util/result.h"

namespace kc::gpu {

using grade::Samples;
using grade::StopRule;

// Something to time: enqueues one run on the stream and returns the launch's error code.
using Timed = std::function<cudaError_t(cudaStream_t)>;

// A failure while timing: which candidate and the CUDA error (a learner kernel may crash here).
struct TimingFailure {
    size_t candidate = 0;
    cudaError_t code = cudaSuccess;
};

class Timer {
public:
    // `l2_bytes`: the device's L2 size; the flush writes twice that.
    static Result<Timer> create(size_t l2_bytes, cudaStream_t stream);
    Timer(Timer&&) noexcept;
    Timer(const Timer&) = delete;
    ~Timer();

    // Runs `warmup` untimed rounds, then timed rounds of every candidate in turn until `rule`
    // says stop (`stopped` gets why). `flush`: evict L2 before every run (cold); false: hot.
    // On a CUDA failure, `failure` says which candidate and why, and the Error is returned.
    Result<std::vector<Samples>> run(const std::vector<Timed>& candidates, int warmup, const StopRule& rule,
                                     bool flush, TimingFailure* failure, std::string* stopped = nullptr);

private:
    Timer() = default;
    cudaStream_t stream_ = nullptr;
    cudaEvent_t start_ = nullptr, stop_ = nullptr;
    void* flush_ = nullptr;
    size_t flush_bytes_ = 0;
    int flush_value_ = 0;
};

}  // namespace kc::gpu
