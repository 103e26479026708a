#include "gpu/timer.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "gpu/check.h"

namespace kc::gpu {

Result<Timer> Timer::create(size_t l2_bytes, cudaStream_t stream) {
    Timer t;
    t.stream_ = stream;
    t.flush_bytes_ = std::max<size_t>(2 * l2_bytes, 8u << 20);
    KC_CUDA(cudaEventCreate(&t.start_));
    KC_CUDA(cudaEventCreate(&t.stop_));
    KC_CUDA(cudaMalloc(&t.flush_, t.flush_bytes_));
    return t;
}

Timer::Timer(Timer&& o) noexcept
    : stream_(o.stream_),
      start_(std::exchange(o.start_, nullptr)),
      stop_(std::exchange(o.stop_, nullptr)),
      flush_(std::exchange(o.flush_, nullptr)),
      flush_bytes_(o.flush_bytes_),
      flush_value_(o.flush_value_) {}

Timer::~Timer() {
    if (start_) cudaEventDestroy(start_);
    if (stop_) cudaEventDestroy(stop_);
    if (flush_) cudaFree(flush_);
}

Result<std::vector<Samples>> Timer::run(const std::vector<Timed>& candidates, int warmup, const StopRule& rule,
                                        bool flush, TimingFailure* failure, std::string* stopped) {
    std::vector<std::vector<double>> ms(candidates.size());
    const auto t0 = std::chrono::steady_clock::now();
    for (int round = 0;; ++round) {
        if (round >= warmup) {
            const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            std::string why = grade::stop_reason(rule, ms, elapsed);
            if (!why.empty()) {
                if (stopped) *stopped = why;
                break;
            }
        }
        for (size_t c = 0; c < candidates.size(); ++c) {
            // Evict the inputs from L2: write a buffer twice its size.
            if (flush) KC_CUDA(cudaMemsetAsync(flush_, (flush_value_++) & 0xff, flush_bytes_, stream_));
            KC_CUDA(cudaEventRecord(start_, stream_));
            cudaError_t e = candidates[c](stream_);
            if (e == cudaSuccess) e = cudaEventRecord(stop_, stream_);
            if (e == cudaSuccess) e = cudaEventSynchronize(stop_);
            if (e != cudaSuccess) {
                if (failure) *failure = TimingFailure{c, e};
                return to_error(CudaFailure{e, "timed launch", "timer.cpp"});
            }
            float t = 0;
            KC_CUDA(cudaEventElapsedTime(&t, start_, stop_));
            if (round >= warmup) ms[c].push_back(t);
        }
    }
    std::vector<Samples> out;
    for (auto& m : ms) out.push_back(grade::summarize(std::move(m)));
    return out;
}

}  // namespace kc::gpu
