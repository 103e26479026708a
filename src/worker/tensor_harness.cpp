// One GPU harness for every exercise whose kernel reads float tensors and writes one float
// tensor (exercises/tensor.h): seeded inputs, float64 truth computed on the host while the
// GPU works, guard zones, read-only inputs, a NaN-sentinel run and a finite-garbage run, the
// vendor against the same truth, and cold-cache timing whose own output is checked too.
#include <fmt/format.h>

#include <chrono>
#include <future>
#include <memory>
#include <optional>

#include "exercises/tensor.h"
#include "gpu/check.h"
#include "gpu/library.h"
#include "util/parallel.h"
#include "worker/harness.h"
#include "worker/vendor.h"

namespace kc::worker {

namespace {

using exercises::Sizes;
using exercises::TensorExercise;
using exercises::TimedTransform;
using wire::CaseRequest;
using wire::CaseResult;

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

// The kernel's arguments: the input pointers, the output pointer, then the scalars. The
// values live here so that the void* array stays valid while launches use it.
class Args {
public:
    Args(const std::vector<const float*>& in, float* out, const std::vector<exercises::Scalar>& scalars)
        : in_(in), out_(out), scalars_(scalars) {
        for (auto& p : in_) ptrs_.push_back(&p);
        ptrs_.push_back(&out_);
        for (auto& s : scalars_) ptrs_.push_back(s.is_float ? static_cast<void*>(&s.f) : static_cast<void*>(&s.i));
    }
    Args(const Args&) = delete;
    void** get() { return ptrs_.data(); }

private:
    std::vector<const float*> in_;
    float* out_;
    std::vector<exercises::Scalar> scalars_;
    std::vector<void*> ptrs_;
};

Result<gpu::DeviceBuffer> device_buffer(const std::string& name, size_t floats) {
    return gpu::DeviceBuffer::create(name, std::max<size_t>(1, floats) * sizeof(float));
}

// Batched timing rotates over at most this many buffer sets (tiny problems stay in L2 anyway).
constexpr size_t kMaxSets = 4096;

// Copies set 0 (the first `stride` floats of p) into sets 1 .. sets - 1, doubling each time.
Status replicate(float* p, size_t stride, size_t sets, cudaStream_t stream) {
    for (size_t have = 1; have < sets; have *= 2) {
        const size_t copy = std::min(have, sets - have);
        KC_CUDA(cudaMemcpyAsync(p + have * stride, p, copy * stride * sizeof(float), cudaMemcpyDeviceToDevice, stream));
    }
    KC_CUDA(cudaStreamSynchronize(stream));
    return Ok{};
}

std::string describe_method(const gpu::TimingMethod& m, const grade::StopRule& rule, const grade::BatchRule& batch,
                            bool hot, int samples, size_t footprint) {
    std::string how = hot ? "hot L2 (--hot: nothing flushed)" : "L2 flushed (read twice its size) before every sample";
    std::string what = "one launch between two CUDA events";
    if (m.launches > 1) {
        size_t graphs = 0;
        for (bool g : m.graph) graphs += g;
        what = fmt::format(
            "batches of {} launches between two CUDA events ({}), rotating over {} buffer sets ({:.1f} MiB in all), "
            "because one run (of yours or the vendor's) took {:.1f} us, under the {:g} us below which the gap "
            "between launches would count",
            m.launches,
            graphs == m.graph.size() ? "a CUDA graph"
                                     : fmt::format("a CUDA graph for {} of {} candidates, a plain loop for the rest",
                                                   graphs, m.graph.size()),
            m.sets, static_cast<double>(footprint) * static_cast<double>(m.sets) / 1048576.0, m.single_ms * 1e3,
            batch.below_ms * 1e3);
    }
    return fmt::format(
        "{}; {}; 3 warm-up runs, then samples until the relative standard error of the mean is at most {:g}% "
        "(at least {}, at most {} samples or {:g} s): {} after {} samples; kernel, vendor and copy interleaved; "
        "your output refilled with the sentinel before every sample and checked after it",
        what, how, rule.target_rse * 100, rule.min_samples, rule.max_samples, rule.max_seconds, m.stopped, samples);
}

class TensorHarness final : public Harness {
public:
    explicit TensorHarness(const TensorExercise& ex) : ex_(ex) {}

    Result<CaseResult> run_case(Env& env, cudaKernel_t kernel, const CaseRequest& c, size_t index,
                                Crash& crash) override {
        const Sizes& sz = c.sizes;
        if (exercises::checked_elements(ex_, sz) == 0)
            return make_error(fmt::format("case {}: its sizes do not fit the kernel's int arguments", c.name));
        const auto in_specs = ex_.inputs(sz);
        const auto out_spec = ex_.output(sz);
        const size_t n = out_spec.elements;
        const auto shape = ex_.shape(sz);

        CaseResult r;
        r.name = c.name;
        r.launch = c.launch;
        Phases ph(r);

        // Host inputs, then the float64 truth on the host's cores while the GPU works.
        auto inputs = host_inputs(env, c, index);
        if (!inputs) return inputs.error();
        const auto& in = *inputs;
        auto got = got_.get(n);
        auto truth = truth_->get(n), bound = bound_->get(n);
        if (got.empty() || truth.empty() || bound.empty()) return make_error("out of host memory for case " + c.name);
        ph.mark("inputs");
        std::vector<std::span<const float>> cin(in.begin(), in.end());
        // A future of std::async waits in its destructor: whatever happens below, the truth
        // thread finishes before the buffers it writes can go.
        auto truth_done = std::async(std::launch::async, [&] { ex_.truth(sz, cin, truth, bound); });

        // Device buffers with guard zones; pristine copies prove the inputs stay unchanged.
        std::vector<gpu::DeviceBuffer> din, din0;
        for (size_t i = 0; i < in_specs.size(); ++i) {
            auto b = device_buffer(in_specs[i].name, in_specs[i].elements);
            if (!b) return b.error();
            auto b0 = device_buffer(in_specs[i].name + " (copy)", in_specs[i].elements);
            if (!b0) return b0.error();
            din.push_back(std::move(*b));
            din0.push_back(std::move(*b0));
        }
        auto dout = device_buffer(out_spec.name, n);
        if (!dout) return dout.error();
        for (auto& b : din)
            if (auto s = b.arm_guards(); !s) return s.error();
        if (auto s = dout->arm_guards(); !s) return s.error();
        for (size_t i = 0; i < in.size(); ++i) {
            const size_t bytes = in[i].size() * sizeof(float);
            if (!bytes) continue;
            if (auto s = din[i].upload(in[i].data(), bytes); !s) return s.error();
            KC_CUDA(cudaMemcpyAsync(din0[i].data(), din[i].data(), bytes, cudaMemcpyDeviceToDevice, env.stream));
        }
        const size_t out_bytes = n * sizeof(float);
        if (auto s = env.util->fill_u32(dout->data(), out_bytes, grade::kSentinelBits, env.stream); !s) return s.error();
        ph.mark("device-setup");

        std::vector<const float*> pin;
        for (auto& b : din) pin.push_back(b.as<float>());
        Args args(pin, dout->as<float>(), ex_.scalars(sz));
        launch_and_wait(kernel, c.launch, args.get(), env.stream, crash);
        if (crash.happened) {
            r.verdict = "CRASHED";
            r.message = crash.message;
            return r;
        }
        ph.mark("kernel");

        std::vector<const gpu::DeviceBuffer*> guarded = {&*dout};
        for (auto& b : din) guarded.push_back(&b);
        auto guard = check_guards(guarded, sizeof(float));
        if (!guard) return guard.error();
        r.guard = *guard;
        for (size_t i = 0; i < din.size() && r.modified_input.empty(); ++i) {
            auto changed = env.util->count_differences(din[i].data(), din0[i].data(), in[i].size() * sizeof(float),
                                                       env.stream);
            if (!changed) return changed.error();
            if (*changed) r.modified_input = din[i].name();
        }
        ph.mark("guards-inputs");

        if (auto s = dout->download(got.data(), out_bytes); !s) return s.error();
        ph.mark("download");
        truth_done.get();
        ph.mark("truth-wait");
        const CaseContext context{ex_, sz, exercises::case_seed(env.seed, index), c.launch};
        auto check = check_output(got, truth, bound, shape, &context);
        if (!check) return check.error();
        r.check = std::move(*check);
        ph.mark("compare");

        // A second run on the same inputs, the output pre-filled with finite values instead of
        // NaN: a kernel that skips elements which "look written" keeps them, and one whose
        // result changes from run to run (a race, an uninitialised read) shows a difference.
        std::string second_run;
        if (r.check->comparison.passed() && !r.guard && r.modified_input.empty()) {
            auto first = device_buffer("out (first run)", n);
            if (!first) return first.error();
            KC_CUDA(cudaMemcpyAsync(first->data(), dout->data(), out_bytes, cudaMemcpyDeviceToDevice, env.stream));
            if (auto s = env.util->fill_garbage(dout->data(), out_bytes, static_cast<uint32_t>(env.seed), env.stream); !s)
                return s.error();
            launch_and_wait(kernel, c.launch, args.get(), env.stream, crash);
            if (crash.happened) {
                r.verdict = "CRASHED";
                r.message = "on the second run: " + crash.message;
                return r;
            }
            auto differ = env.util->count_differences(dout->data(), first->data(), out_bytes, env.stream);
            if (!differ) return differ.error();
            if (*differ) {
                if (auto s = dout->download(got.data(), out_bytes); !s) return s.error();
                auto again = check_output(got, truth, bound, shape, &context);
                if (!again) return again.error();
                if (!again->comparison.passed()) {
                    second_run = fmt::format(
                        "the second run gave a different, wrong result ({} of {} elements differ from the "
                        "first run): with the output pre-filled with finite values instead of NaN, elements "
                        "the kernel does not write keep them, and a race or an uninitialised read changes "
                        "from run to run",
                        *differ, n);
                    r.check = std::move(*again);
                } else {
                    r.nondeterministic = *differ;  // within the bound both times: rounding, not a bug
                }
            }
        }
        ph.mark("second-run");

        // The vendor on the same inputs, against the same truth: proof that the bound is fair.
        if (auto s = env.util->fill_u32(dout->data(), out_bytes, grade::kSentinelBits, env.stream); !s) return s.error();
        if (auto s = env.vendor->run(pin, dout->as<float>(), sz); !s) return s.error();
        KC_CUDA(cudaStreamSynchronize(env.stream));
        if (auto s = dout->download(got.data(), out_bytes); !s) return s.error();
        auto vendor = check_output(got, truth, bound, shape);
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
        if (c.timed) {  // timing derives fresh inputs from these, and its truth from this truth
            timed_in_ = std::move(din);
            std::swap(truth_, timed_truth_);
            std::swap(bound_, timed_bound_);
            if (!truth_) truth_ = std::make_unique<HostBuffer<double>>();
            if (!bound_) bound_ = std::make_unique<HostBuffer<double>>();
        }
        return r;
    }

    Status launch_only(Env& env, cudaKernel_t kernel, const CaseRequest& c, size_t index,
                       std::vector<wire::Buffer>& buffers, Crash& crash) override {
        const Sizes& sz = c.sizes;
        auto inputs = host_inputs(env, c, index);
        if (!inputs) return inputs.error();
        const auto& in = *inputs;
        const auto in_specs = ex_.inputs(sz);
        struct Free {
            std::vector<void*> p;
            ~Free() {
                for (void* q : p) cudaFree(q);
            }
        } owned;
        // Exactly the tensor's bytes: compute-sanitizer knows each allocation's size, so an
        // access even one byte past the end is outside every buffer.
        auto allocate = [&](const std::string& name, size_t floats) -> Result<void*> {
            void* d = nullptr;
            const size_t bytes = std::max<size_t>(1, floats) * sizeof(float);
            KC_CUDA(cudaMalloc(&d, bytes));
            owned.p.push_back(d);
            buffers.push_back({name, reinterpret_cast<uint64_t>(d), bytes});
            return d;
        };
        std::vector<const float*> pin;
        for (size_t i = 0; i < in.size(); ++i) {
            auto d = allocate(in_specs[i].name, in[i].size());
            if (!d) return d.error();
            KC_CUDA(cudaMemcpy(*d, in[i].data(), in[i].size() * sizeof(float), cudaMemcpyHostToDevice));
            pin.push_back(static_cast<const float*>(*d));
        }
        const auto out_spec = ex_.output(sz);
        auto out = allocate(out_spec.name, out_spec.elements);
        if (!out) return out.error();
        KC_CUDA(cudaDeviceSynchronize());  // the copies from pageable memory have landed (see upload())
        Args args(pin, static_cast<float*>(*out), ex_.scalars(sz));
        launch_and_wait(kernel, c.launch, args.get(), env.stream, crash);
        return Ok{};
    }

    Result<wire::Timing> time_case(Env& env, cudaKernel_t kernel, const CaseRequest& c, size_t /*index*/,
                                       Crash& crash) override {
        const Sizes& sz = c.sizes;
        const auto in_specs = ex_.inputs(sz);
        const size_t n = ex_.output(sz).elements;
        if (timed_in_.size() != in_specs.size() || !timed_truth_)
            return make_error("timing needs the timed case to have run first");
        // Buffer sets to rotate over when runs are batched: together at least twice the L2,
        // so a batch's launch finds none of its data cached by the launches before it.
        size_t footprint = n * sizeof(float);
        for (const auto& spec : in_specs) footprint += spec.elements * sizeof(float);
        const size_t l2 = env.device.l2_bytes;
        const size_t sets = env.hot || footprint >= 2 * l2
                                ? 1
                                : std::min<size_t>(kMaxSets, (2 * l2 + footprint - 1) / std::max<size_t>(1, footprint));
        // Floats from one set's start to the next's: 256 bytes apart when there are several.
        auto stride = [sets](size_t floats) {
            return sets == 1 ? floats : std::max<size_t>(64, (floats + 63) / 64 * 64);
        };

        // Fresh inputs at other addresses, derived exactly from the checked ones (halved, or rows
        // reversed), so the timed kernel can reuse nothing from the checked run and its output
        // can still be checked against the checked run's truth. Set 0 is derived; the other
        // sets are copies of it.
        const TimedTransform t = ex_.timed_transform(sz);
        std::vector<gpu::DeviceBuffer> din;
        for (size_t i = 0; i < in_specs.size(); ++i) {
            const size_t count = in_specs[i].elements;
            auto b = device_buffer(in_specs[i].name, stride(count) * sets);
            if (!b) return b.error();
            const float* src = timed_in_[i].as<float>();
            const auto how = exercises::input_transform(t, i, count, n);
            Status s = Ok{};
            if (how == exercises::InputTransform::kHalve)
                s = env.util->scale(src, b->as<float>(), count, 0.5f, env.stream);
            else if (how == exercises::InputTransform::kReverseRows)
                s = env.util->reverse_rows(src, b->as<float>(), count / t.row_length, t.row_length, env.stream);
            else if (count)
                s = [&]() -> Status {
                    KC_CUDA(cudaMemcpyAsync(b->data(), src, count * sizeof(float), cudaMemcpyDeviceToDevice, env.stream));
                    return Ok{};
                }();
            if (!s) return s.error();
            if (auto r = replicate(b->as<float>(), stride(count), sets, env.stream); !r) return r.error();
            din.push_back(std::move(*b));
        }
        timed_in_.clear();
        const size_t out_stride = stride(n);
        auto dout = device_buffer(ex_.output(sz).name, out_stride * sets);
        if (!dout) return dout.error();
        auto dvendor = device_buffer("vendor", out_stride * sets);
        if (!dvendor) return dvendor.error();
        if (auto s = env.util->fill_u32(dout->data(), out_stride * sets * sizeof(float), grade::kSentinelBits, env.stream);
            !s)
            return s.error();
        // The speed of light for memory: a copy that moves the same bytes (read + write).
        const size_t copy_floats = std::max<size_t>(1, static_cast<size_t>(ex_.spec().bytes(sz) / 2) / sizeof(float));
        auto csrc = device_buffer("copy-src", stride(copy_floats) * sets);
        if (!csrc) return csrc.error();
        auto cdst = device_buffer("copy-dst", stride(copy_floats) * sets);
        if (!cdst) return cdst.error();
        if (auto s = env.util->fill_u32(csrc->data(), stride(copy_floats) * sets * sizeof(float), 0x3c3c3c3cu,
                                        env.stream);
            !s)
            return s.error();

        // Each set's kernel arguments (their addresses must stay put while graphs use them).
        std::vector<std::vector<const float*>> pin(sets);
        std::vector<std::unique_ptr<Args>> args;
        for (size_t k = 0; k < sets; ++k) {
            for (size_t i = 0; i < din.size(); ++i)
                pin[k].push_back(din[i].as<float>() + k * stride(in_specs[i].elements));
            args.push_back(std::make_unique<Args>(pin[k], dout->as<float>() + k * out_stride, ex_.scalars(sz)));
        }
        float* pvendor = dvendor->as<float>();
        std::optional<Error> vendor_error;
        const Launch l = c.launch;
        std::vector<gpu::Timed> candidates = {
            [&](cudaStream_t s, size_t k) { return gpu::launch(kernel, l, args[k]->get(), s); },
            [&](cudaStream_t, size_t k) {
                auto st = env.vendor->run(pin[k], pvendor + k * out_stride, sz);
                if (st) return cudaSuccess;
                vendor_error = st.error();
                return cudaErrorUnknown;
            },
            [&](cudaStream_t s, size_t k) {
                const size_t at = k * stride(copy_floats);
                return cudaMemcpyAsync(cdst->as<float>() + at, csrc->as<float>() + at, copy_floats * sizeof(float),
                                       cudaMemcpyDeviceToDevice, s);
            },
        };
        wire::Timing tm;
        tm.case_name = c.name;
        const auto shape = ex_.shape(sz);

        // What every timed run must write: the checked truth, transformed like the inputs.
        auto truth = truth_->get(n), bound = bound_->get(n);
        auto got = got_.get(out_stride * sets);
        if (truth.empty() || bound.empty() || got.empty()) return make_error("out of host memory for timing");
        exercises::transform_truth(t, n, timed_truth_->get(n), timed_bound_->get(n), truth, bound);
        const size_t set_bytes = out_stride * sizeof(float);
        // Checks sets 0 .. count - 1 of the learner's output on the host: the first wrong set and
        // its check, or set 0's check when every set is right.
        auto check_sets = [&](size_t count) -> Result<std::pair<size_t, wire::Check>> {
            if (auto st = dout->download(got.data(), set_bytes * count); !st) return st.error();
            std::optional<wire::Check> first;
            for (size_t k = 0; k < count; ++k) {
                auto check = check_output(got.subspan(k * out_stride, n), truth, bound, shape);
                if (!check) return check.error();
                if (!check->comparison.passed()) return std::pair(k, std::move(*check));
                if (k == 0) first = std::move(*check);
            }
            return std::pair(size_t{0}, std::move(*first));
        };
        auto wrong_text = [&](const std::string& when, const wire::Check& check, size_t set) {
            return fmt::format(
                "the output of {} is wrong ({} of {} elements{}), though the checked run was right: the timed runs "
                "use fresh inputs at other addresses and every run's output is checked, so a kernel that reuses an "
                "earlier result or skips work when run again fails here",
                when, check.comparison.mismatches, check.comparison.count,
                sets > 1 ? fmt::format(", in buffer set {} of {}", set + 1, sets) : "");
        };

        // A first run on set 0, checked against that truth; it becomes the reference that every
        // sample's output is compared with, bit for bit, on the device.
        launch_and_wait(kernel, l, args[0]->get(), env.stream, crash);
        if (crash.happened) {
            crash.message = "while timing: " + crash.message;
            return tm;
        }
        auto first = check_sets(1);
        if (!first) return first.error();
        if (!first->second.comparison.passed()) {
            tm.wrong = wrong_text("the first timed run", first->second, 0);
            tm.check = std::move(first->second);
            return tm;
        }
        auto dref = device_buffer("reference", out_stride * sets);
        if (!dref) return dref.error();
        KC_CUDA(cudaMemcpyAsync(dref->data(), dout->data(), set_bytes, cudaMemcpyDeviceToDevice, env.stream));
        if (auto st = replicate(dref->as<float>(), out_stride, sets, env.stream); !st) return st.error();

        // Around every sample: the outputs it writes start as the sentinel, and afterwards they
        // must equal the reference. Bits that differ go to the truth (a kernel whose atomics add
        // in another order may still be right); past a few such checks, only the bitwise
        // comparison's count is kept, and the output after the last sample is checked below.
        constexpr int kHostChecks = 3;
        int host_checks = 0, sample_index = 0;
        std::optional<wire::Check> wrong_check;
        gpu::SampleHooks hooks;
        hooks.before = [&](size_t count) {
            return env.util->fill_u32(dout->data(), set_bytes * count, grade::kSentinelBits, env.stream);
        };
        hooks.after = [&](size_t count) -> Status {
            ++sample_index;
            auto differ = env.util->count_differences(dout->data(), dref->data(), set_bytes * count, env.stream);
            if (!differ) return differ.error();
            if (*differ == 0 || host_checks >= kHostChecks) return Ok{};
            ++host_checks;
            auto checked = check_sets(count);
            if (!checked) return checked.error();
            if (checked->second.comparison.passed()) return Ok{};
            wrong_check = std::move(checked->second);
            return make_error(wrong_text(fmt::format("timed run {}", sample_index), *wrong_check, checked->first));
        };

        gpu::TimingFailure fail;
        gpu::TimingMethod method;
        const grade::StopRule rule;
        grade::BatchRule batch;
        batch.deciders = 2;  // the kernel and the vendor; the copy follows them
        auto samples = env.timer->run(candidates, 3, rule, batch, sets, !env.hot, &fail, &method, &hooks);
        if (!samples) {
            if (!fail.wrong.empty()) {
                tm.wrong = fail.wrong;
                tm.check = std::move(wrong_check);
                return tm;
            }
            if (fail.candidate == 0 && fail.code != cudaSuccess) {
                crash.happened = true;
                crash.context_lost = gpu::is_sticky(fail.code);
                crash.message = "while timing: " + explain_cuda_error(fail.code);
                return tm;
            }
            if (vendor_error) return *vendor_error;
            return samples.error();
        }
        const auto& s = *samples;
        tm.kernel_ms = s[0].median;
        tm.kernel_p10 = s[0].p10;
        tm.kernel_p90 = s[0].p90;
        tm.vendor_ms = s[1].median;
        tm.vendor_p10 = s[1].p10;
        tm.vendor_p90 = s[1].p90;
        tm.copy_ms = s[2].median;
        tm.samples = static_cast<int>(s[0].ms.size());
        tm.kernel_rse = s[0].rse;
        tm.vendor_rse = s[1].rse;
        tm.launches = method.launches;
        tm.buffer_sets = method.launches > 1 ? method.sets : 1;
        if (method.launches > 1) {
            const char* names[] = {"kernel", "vendor", "copy"};
            for (size_t c = 0; c < method.graph.size() && c < 3; ++c)
                if (!method.graph[c]) tm.looped += std::string(tm.looped.empty() ? "" : ", ") + names[c];
        }
        // The ratio round by round (each round times both, one after the other): its spread.
        std::vector<double> ratio;
        for (size_t i = 0; i < s[0].ms.size() && i < s[1].ms.size(); ++i)
            if (s[0].ms[i] > 0) ratio.push_back(s[1].ms[i] / s[0].ms[i]);
        const auto r = grade::summarize(ratio);
        tm.ratio_p10 = r.p10;
        tm.ratio_p90 = r.p90;
        tm.method = describe_method(method, rule, batch, env.hot, tm.samples, footprint);
        tm.vendor_detail = env.vendor->detail();

        // The last sample's output, every set it wrote, against the truth.
        auto last = check_sets(method.launches > 1 ? sets : 1);
        if (!last) return last.error();
        if (!last->second.comparison.passed()) tm.wrong = wrong_text("the last timed run", last->second, last->first);
        tm.check = std::move(last->second);
        return tm;
    }

private:
    // The case's inputs in host memory reused from case to case, drawn from the case's seed.
    Result<std::vector<std::span<float>>> host_inputs(const Env& env, const CaseRequest& c, size_t index) {
        const auto specs = ex_.inputs(c.sizes);
        host_in_.resize(std::max(host_in_.size(), specs.size()));
        std::vector<std::span<float>> in;
        for (size_t i = 0; i < specs.size(); ++i) {
            if (!host_in_[i]) host_in_[i] = std::make_unique<HostBuffer<float>>();
            in.push_back(host_in_[i]->get(std::max<size_t>(1, specs[i].elements)).first(specs[i].elements));
            if (specs[i].elements && in.back().empty()) return make_error("out of host memory for case " + c.name);
        }
        ex_.make_inputs(exercises::case_seed(env.seed, index), c.sizes, in);
        return in;
    }

    const TensorExercise& ex_;
    // Host memory reused across cases and timing (see HostBuffer).
    std::vector<std::unique_ptr<HostBuffer<float>>> host_in_;
    HostBuffer<float> got_;
    std::unique_ptr<HostBuffer<double>> truth_ = std::make_unique<HostBuffer<double>>();
    std::unique_ptr<HostBuffer<double>> bound_ = std::make_unique<HostBuffer<double>>();
    // The timed case's device inputs and truth, kept for timing.
    std::vector<gpu::DeviceBuffer> timed_in_;
    std::unique_ptr<HostBuffer<double>> timed_truth_, timed_bound_;
};

}  // namespace

std::unique_ptr<Harness> make_tensor_harness(const exercises::TensorExercise& ex) {
    return std::make_unique<TensorHarness>(ex);
}

}  // namespace kc::worker
