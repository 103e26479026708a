// vector-add on the GPU: out[i] = a[i] + b[i], checked against float64 truth and cuBLAS.
#include <fmt/format.h>

#include <chrono>
#include <climits>
#include <cstring>
#include <optional>

#include "exercises/vector_add.h"
#include "gpu/check.h"
#include "gpu/library.h"
#include "util/parallel.h"
#include "worker/harness.h"

namespace kc::worker {

namespace {

using protocol::CaseRequest;
using protocol::CaseResult;

// Records where a case's time goes, for --json and for us.
class Phases {
public:
    explicit Phases(CaseResult& r) : r_(r) {}
    void mark(const char* name) {
        auto now = std::chrono::steady_clock::now();
        r_.phases.emplace_back(name, std::chrono::duration<double>(now - t_).count());
        t_ = now;
    }

private:
    CaseResult& r_;
    std::chrono::steady_clock::time_point t_ = std::chrono::steady_clock::now();
};

class VectorAdd final : public Harness {
public:
    Result<CaseResult> run_case(Env& env, cudaKernel_t kernel, const CaseRequest& c, size_t index,
                                Crash& crash) override {
        const long long n64 = c.sizes.at("n");
        if (n64 > INT_MAX) return make_error(fmt::format("case {}: n = {} does not fit the kernel's int", c.name, n64));
        const int n = static_cast<int>(n64);
        const size_t bytes = static_cast<size_t>(n) * sizeof(float);

        CaseResult r;
        Phases ph(r);
        auto a = a_.get(n), b = b_.get(n), got = scratch_.get(n);
        if (a.empty() || b.empty() || got.empty()) return make_error("out of host memory for case " + c.name);
        ph.mark("host-alloc");
        exercises::vector_add_inputs(exercises::case_seed(env.seed, index), a, b);
        ph.mark("inputs");

        auto da = gpu::DeviceBuffer::create("a", bytes);
        if (!da) return da.error();
        auto db = gpu::DeviceBuffer::create("b", bytes);
        if (!db) return db.error();
        auto dout = gpu::DeviceBuffer::create("out", bytes);
        if (!dout) return dout.error();
        // Pristine copies of the inputs, to prove afterwards that the kernel did not change them.
        auto da0 = gpu::DeviceBuffer::create("a (copy)", bytes);
        if (!da0) return da0.error();
        auto db0 = gpu::DeviceBuffer::create("b (copy)", bytes);
        if (!db0) return db0.error();
        for (auto* buf : {&*da, &*db, &*dout})
            if (auto s = buf->arm_guards(); !s) return s.error();
        if (auto s = da->upload(a.data(), bytes); !s) return s.error();
        if (auto s = db->upload(b.data(), bytes); !s) return s.error();
        KC_CUDA(cudaMemcpyAsync(da0->data(), da->data(), bytes, cudaMemcpyDeviceToDevice, env.stream));
        KC_CUDA(cudaMemcpyAsync(db0->data(), db->data(), bytes, cudaMemcpyDeviceToDevice, env.stream));
        if (auto s = env.util->fill_u32(dout->data(), bytes, grade::kSentinelBits, env.stream); !s) return s.error();
        ph.mark("device-setup");

        r.name = c.name;
        r.launch = c.launch;
        const float* pa = da->as<float>();
        const float* pb = db->as<float>();
        float* pout = dout->as<float>();
        int pn = n;
        void* args[] = {&pa, &pb, &pout, &pn};
        launch_and_wait(kernel, c.launch, args, env.stream, crash);
        if (crash.happened) {
            r.verdict = "CRASHED";
            r.message = crash.message;
            return r;
        }
        ph.mark("kernel");

        auto guard = check_guards({&*dout, &*da, &*db}, sizeof(float));
        if (!guard) return guard.error();
        r.guard = *guard;

        // Inputs are read-only: compare them, on the device, with their pristine copies.
        for (auto [buf, copy] : {std::pair{&*da, &*da0}, {&*db, &*db0}}) {
            auto changed = env.util->count_differences(buf->data(), copy->data(), bytes, env.stream);
            if (!changed) return changed.error();
            if (*changed && r.modified_input.empty()) r.modified_input = buf->name();
        }
        ph.mark("guards-inputs");

        auto truth = truth_.get(n), bound = bound_.get(n);
        if (truth.empty() || bound.empty()) return make_error("out of host memory for case " + c.name);
        exercises::vector_add_truth(a, b, truth, bound);
        ph.mark("truth");
        if (auto s = dout->download(got.data(), bytes); !s) return s.error();
        ph.mark("download");
        auto check = check_output(got, truth, bound, {n64});
        if (!check) return check.error();
        r.check = std::move(*check);
        ph.mark("compare");

        // A second run on the same inputs, the output pre-filled with finite values instead of
        // NaN: a kernel that skips elements which "look written" keeps them, and one whose
        // result changes from run to run (a race, an uninitialised read) shows a difference.
        std::string second_run;
        if (r.check->comparison.passed() && !r.guard && r.modified_input.empty()) {
            auto first = gpu::DeviceBuffer::create("out (first run)", bytes);
            if (!first) return first.error();
            KC_CUDA(cudaMemcpyAsync(first->data(), dout->data(), bytes, cudaMemcpyDeviceToDevice, env.stream));
            if (auto s = env.util->fill_garbage(dout->data(), bytes, static_cast<uint32_t>(env.seed), env.stream); !s)
                return s.error();
            launch_and_wait(kernel, c.launch, args, env.stream, crash);
            if (crash.happened) {
                r.verdict = "CRASHED";
                r.message = "on the second run: " + crash.message;
                return r;
            }
            auto differ = env.util->count_differences(dout->data(), first->data(), bytes, env.stream);
            if (!differ) return differ.error();
            if (*differ) {
                if (auto s = dout->download(got.data(), bytes); !s) return s.error();
                auto again = check_output(got, truth, bound, {n64});
                if (!again) return again.error();
                if (!again->comparison.passed()) {
                    second_run = fmt::format(
                        "the second run gave a different, wrong result ({} of {} elements differ from the "
                        "first run): with the output pre-filled with finite values instead of NaN, elements "
                        "the kernel does not write keep them, and a race or an uninitialised read changes "
                        "from run to run",
                        *differ, n);
                    r.check = std::move(*again);
                }
            }
        }
        ph.mark("second-run");

        // The vendor on the same inputs, against the same truth: proof the bound is fair.
        if (auto s = env.util->fill_u32(dout->data(), bytes, grade::kSentinelBits, env.stream); !s) return s.error();
        cudaError_t e = env.cublas->vector_add(pa, pb, pout, n);
        if (e == cudaSuccess) e = cudaStreamSynchronize(env.stream);
        if (e != cudaSuccess) return make_error(fmt::format("cuBLAS failed: {}", cudaGetErrorString(e)));
        if (auto s = dout->download(got.data(), bytes); !s) return s.error();
        auto vendor = check_output(got, truth, bound, {n64});
        if (!vendor) return vendor.error();
        r.vendor = std::move(*vendor);
        ph.mark("vendor");

        if (r.guard) {
            r.verdict = "WRONG";
            r.message = describe_guard(*r.guard);
        } else if (!r.modified_input.empty()) {
            r.verdict = "WRONG";
            r.message = fmt::format("your kernel modified input `{}`; inputs are read-only", r.modified_input);
        } else if (!second_run.empty()) {
            r.verdict = "WRONG";
            r.message = second_run;
        } else if (!r.check->comparison.passed()) {
            r.verdict = "WRONG";  // the check explains it; no message of its own
        } else {
            r.verdict = "PASSED";
        }
        if (c.timed) {  // keep the inputs on the device: timing derives fresh ones from them
            timed_a_.emplace(std::move(*da));
            timed_b_.emplace(std::move(*db));
        }
        return r;
    }

    Result<protocol::Timing> time_case(Env& env, cudaKernel_t kernel, const CaseRequest& c,
                                       size_t /*index: inputs derive from the checked ones*/, Crash& crash) override {
        const int n = static_cast<int>(c.sizes.at("n"));
        const size_t bytes = static_cast<size_t>(n) * sizeof(float);
        // Fresh inputs at other addresses than the checked run's: the checked inputs halved
        // (exact in fp32), so the timed kernel cannot reuse anything from the checked run.
        if (!timed_a_ || !timed_b_) return make_error("timing needs the timed case to have run first");
        auto da = gpu::DeviceBuffer::create("a", bytes);
        if (!da) return da.error();
        auto db = gpu::DeviceBuffer::create("b", bytes);
        if (!db) return db.error();
        auto dout = gpu::DeviceBuffer::create("out", bytes);
        if (!dout) return dout.error();
        auto dvendor = gpu::DeviceBuffer::create("vendor", bytes);
        if (!dvendor) return dvendor.error();
        if (auto s = env.util->scale(timed_a_->as<float>(), da->as<float>(), n, 0.5f, env.stream); !s) return s.error();
        if (auto s = env.util->scale(timed_b_->as<float>(), db->as<float>(), n, 0.5f, env.stream); !s) return s.error();
        timed_a_.reset();
        timed_b_.reset();
        // The speed of light: a copy that moves the same bytes (read + write = 12 n).
        const size_t copy_bytes = 6 * static_cast<size_t>(n);
        auto csrc = gpu::DeviceBuffer::create("copy-src", copy_bytes);
        if (!csrc) return csrc.error();
        auto cdst = gpu::DeviceBuffer::create("copy-dst", copy_bytes);
        if (!cdst) return cdst.error();
        if (auto s = env.util->fill_u32(csrc->data(), copy_bytes, 0x3c3c3c3cu, env.stream); !s) return s.error();

        const float* pa = da->as<float>();
        const float* pb = db->as<float>();
        float* pout = dout->as<float>();
        float* pvendor = dvendor->as<float>();
        int pn = n;
        void* args[] = {&pa, &pb, &pout, &pn};
        const Launch l = c.launch;
        std::vector<gpu::Timed> candidates = {
            [&](cudaStream_t s) { return gpu::launch(kernel, l, args, s); },
            [&](cudaStream_t) { return env.cublas->vector_add(pa, pb, pvendor, n); },
            [&](cudaStream_t s) {
                return cudaMemcpyAsync(cdst->data(), csrc->data(), copy_bytes, cudaMemcpyDeviceToDevice, s);
            },
        };
        gpu::TimingFailure fail;
        auto samples = env.timer->run(candidates, 3, 50, &fail);
        if (!samples) {
            if (fail.candidate == 0 && fail.code != cudaSuccess) {
                crash.happened = true;
                crash.context_lost = gpu::is_sticky(fail.code);
                crash.message = "while timing: " + explain_cuda_error(fail.code);
                return protocol::Timing{};
            }
            return samples.error();
        }
        const auto& s = *samples;
        protocol::Timing t;
        t.case_name = c.name;
        t.kernel_ms = s[0].median;
        t.kernel_p10 = s[0].p10;
        t.kernel_p90 = s[0].p90;
        t.vendor_ms = s[1].median;
        t.vendor_p10 = s[1].p10;
        t.vendor_p90 = s[1].p90;
        t.copy_ms = s[2].median;
        t.samples = static_cast<int>(s[0].ms.size());
        t.method = "CUDA events, L2 flushed before every run, 3 warm-up + 50 timed, interleaved";
        return t;
    }

private:
    // Host memory reused across cases and timing (see HostBuffer).
    HostBuffer<float> a_, b_, scratch_;
    HostBuffer<double> truth_, bound_;
    std::optional<gpu::DeviceBuffer> timed_a_, timed_b_;  // the timed case's inputs
};

}  // namespace

std::unique_ptr<Harness> make_vector_add_harness() { return std::make_unique<VectorAdd>(); }

}  // namespace kc::worker
