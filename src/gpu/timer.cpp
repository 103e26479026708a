#include "gpu/timer.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "gpu/check.h"
#include "gpu/utility.h"

namespace kc::gpu {

namespace {

// An instantiated graph, destroyed with its template.
struct Graph {
    cudaGraph_t g = nullptr;
    cudaGraphExec_t exec = nullptr;
    Graph() = default;
    Graph(Graph&& o) noexcept : g(std::exchange(o.g, nullptr)), exec(std::exchange(o.exec, nullptr)) {}
    ~Graph() {
        if (exec) cudaGraphExecDestroy(exec);
        if (g) cudaGraphDestroy(g);
    }
};

// Captures `launches` runs of `c` rotating over `sets` into a graph. False when the candidate
// cannot be captured (a library that waits or allocates inside): it is then timed as a loop.
bool capture(const Timed& c, int launches, size_t sets, cudaStream_t stream, Graph& out) {
    if (cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal) != cudaSuccess) {
        cudaGetLastError();
        return false;
    }
    cudaError_t e = cudaSuccess;
    for (int i = 0; i < launches && e == cudaSuccess; ++i) e = c(stream, static_cast<size_t>(i) % sets);
    cudaGraph_t g = nullptr;
    cudaError_t end = cudaStreamEndCapture(stream, &g);
    if (e != cudaSuccess || end != cudaSuccess || !g) {
        if (g) cudaGraphDestroy(g);
        cudaGetLastError();  // capture errors are not sticky: clear them
        return false;
    }
    out.g = g;
    if (cudaGraphInstantiate(&out.exec, g, 0) != cudaSuccess) {
        cudaGetLastError();
        return false;
    }
    return true;
}

}  // namespace

Result<Timer> Timer::create(size_t l2_bytes, cudaStream_t stream, const Utility& util) {
    Timer t;
    t.stream_ = stream;
    t.util_ = &util;
    t.flush_bytes_ = std::max<size_t>(2 * l2_bytes, 8u << 20) / 16 * 16;
    KC_CUDA(cudaEventCreate(&t.start_));
    KC_CUDA(cudaEventCreate(&t.stop_));
    KC_CUDA(cudaMalloc(&t.flush_, t.flush_bytes_));
    KC_CUDA(cudaMemset(t.flush_, 0x5a, t.flush_bytes_));
    KC_CUDA(cudaDeviceSynchronize());
    return t;
}

Timer::Timer(Timer&& o) noexcept
    : stream_(o.stream_),
      util_(o.util_),
      start_(std::exchange(o.start_, nullptr)),
      stop_(std::exchange(o.stop_, nullptr)),
      flush_(std::exchange(o.flush_, nullptr)),
      flush_bytes_(o.flush_bytes_) {}

Timer::~Timer() {
    if (start_) cudaEventDestroy(start_);
    if (stop_) cudaEventDestroy(stop_);
    if (flush_) cudaFree(flush_);
}

// Evicts everything from L2 by reading a buffer twice its size. A read leaves L2 full of clean
// lines, which the timed run evicts for free; a write (memset) would leave dirty lines whose
// write-back the timed run would pay for (about 10% more DRAM traffic on a kernel that streams
// 512 MiB, measured against Nsight Compute, which flushes cleanly).
cudaError_t Timer::flush() { return util_->read_all(flush_, flush_bytes_, stream_); }

cudaError_t Timer::sample(const Timed& c, cudaGraphExec_t graph, int launches, size_t sets, bool flush_first,
                          float* ms) {
    cudaError_t e = flush_first ? flush() : cudaSuccess;
    if (e == cudaSuccess) e = cudaEventRecord(start_, stream_);
    if (e != cudaSuccess) return e;
    if (graph) {
        e = cudaGraphLaunch(graph, stream_);
    } else {
        for (int i = 0; i < launches && e == cudaSuccess; ++i) e = c(stream_, static_cast<size_t>(i) % sets);
    }
    if (e == cudaSuccess) e = cudaEventRecord(stop_, stream_);
    if (e == cudaSuccess) e = cudaEventSynchronize(stop_);
    if (e == cudaSuccess) e = cudaEventElapsedTime(ms, start_, stop_);
    return e;
}

Result<std::vector<Samples>> Timer::run(const std::vector<Timed>& candidates, int warmup, const StopRule& rule,
                                        const BatchRule& batch, size_t sets, bool flush, TimingFailure* failure,
                                        TimingMethod* method, const SampleHooks* hooks) {
    sets = std::max<size_t>(1, sets);
    TimingMethod m;
    m.sets = sets;
    m.graph.assign(candidates.size(), false);
    auto failed = [&](size_t c, cudaError_t e) -> Error {
        if (failure) *failure = TimingFailure{c, e, {}};
        return to_error(CudaFailure{e, "timed launch", "timer.cpp"});
    };
    // One sample of candidate c, with the first candidate's hooks around it.
    auto one = [&](size_t c, cudaGraphExec_t graph, int launches, size_t rotate, float* t) -> Status {
        const bool hooked = c == 0 && hooks;
        const size_t written = launches > 1 ? rotate : 1;
        if (hooked && hooks->before)
            if (auto st = hooks->before(written); !st) return st.error();
        if (cudaError_t e = sample(candidates[c], graph, launches, rotate, flush, t); e != cudaSuccess)
            return failed(c, e);
        if (hooked && hooks->after)
            if (auto st = hooks->after(written); !st) {
                if (failure) *failure = TimingFailure{0, cudaSuccess, st.error().message};
                return st.error();
            }
        return Ok{};
    };

    // Warm-up: single launches; their times decide whether to batch.
    std::vector<std::vector<double>> single(candidates.size());
    for (int round = 0; round < std::max(1, warmup); ++round)
        for (size_t c = 0; c < candidates.size(); ++c) {
            float t = 0;
            if (auto st = one(c, nullptr, 1, 1, &t); !st) return st.error();
            single[c].push_back(t);
        }
    m.single_ms = 1e300;
    for (size_t c = 0; c < single.size() && c < std::max<size_t>(1, batch.deciders); ++c)
        m.single_ms = std::min(m.single_ms, grade::summarize(single[c]).median);
    m.launches = std::max(1, grade::batch_launches(batch, m.single_ms, sets));

    std::vector<Graph> graphs(candidates.size());
    if (m.launches > 1) {
        for (size_t c = 0; c < candidates.size(); ++c) {
            m.graph[c] = capture(candidates[c], m.launches, sets, stream_, graphs[c]);
            // One untimed run of the batch: the graph's first launch uploads it.
            float t = 0;
            if (auto st = one(c, graphs[c].exec, m.launches, sets, &t); !st) return st.error();
        }
    }

    std::vector<std::vector<double>> ms(candidates.size());
    const auto t0 = std::chrono::steady_clock::now();
    for (;;) {
        const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        m.stopped = grade::stop_reason(rule, ms, elapsed);
        if (!m.stopped.empty()) break;
        for (size_t c = 0; c < candidates.size(); ++c) {
            float t = 0;
            if (auto st = one(c, graphs[c].exec, m.launches, sets, &t); !st) return st.error();
            ms[c].push_back(static_cast<double>(t) / m.launches);
        }
    }
    if (method) *method = m;
    std::vector<Samples> out;
    for (auto& v : ms) out.push_back(grade::summarize(std::move(v)));
    return out;
}

}  // namespace kc::gpu
