#include "gpu/timer.h"

#include <algorithm>
#include <utility>

#include "gpu/check.h"

namespace kc::gpu {

Samples summarize(std::vector<double> ms) {
    Samples s;
    s.ms = ms;
    if (ms.empty()) return s;
    std::sort(ms.begin(), ms.end());
    auto at = [&](double q) {
        double pos = q * static_cast<double>(ms.size() - 1);
        size_t lo = static_cast<size_t>(pos);
        size_t hi = std::min(lo + 1, ms.size() - 1);
        return ms[lo] + (ms[hi] - ms[lo]) * (pos - static_cast<double>(lo));
    };
    s.median = at(0.5);
    s.p10 = at(0.1);
    s.p90 = at(0.9);
    return s;
}

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

Result<std::vector<Samples>> Timer::run(const std::vector<Timed>& candidates, int warmup, int reps,
                                        TimingFailure* failure) {
    std::vector<std::vector<double>> ms(candidates.size());
    for (int round = 0; round < warmup + reps; ++round) {
        for (size_t c = 0; c < candidates.size(); ++c) {
            // Evict the inputs from L2: write a buffer twice its size.
            KC_CUDA(cudaMemsetAsync(flush_, (flush_value_++) & 0xff, flush_bytes_, stream_));
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
    for (auto& m : ms) out.push_back(summarize(std::move(m)));
    return out;
}

}  // namespace kc::gpu
