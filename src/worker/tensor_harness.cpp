// One GPU harness for every exercise (exercises/exercise.h): seeded tensors of any role and
// type, float64 truth computed on the host while the GPU works, guard zones, read-only inputs,
// the module's launch plan, a sentinel run and a finite-garbage run, every written tensor
// checked, the vendor (or the reference solution) against the same truth, and cold-cache
// timing whose own output is checked too.
#include <fmt/format.h>

#include <chrono>
#include <future>
#include <memory>
#include <optional>

#include "exercises/exercise.h"
#include "gpu/check.h"
#include "gpu/library.h"
#include "util/parallel.h"
#include "worker/harness.h"
#include "worker/case_tensors.h"
#include "worker/plan.h"
#include "worker/tensor_ops.h"
#include "worker/timed_sets.h"
#include "worker/vendor.h"

namespace kc::worker {

namespace {

using exercises::Sizes;
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

Result<gpu::DeviceBuffer> device_buffer(const std::string& name, size_t bytes) {
    return gpu::DeviceBuffer::create(name, std::max<size_t>(1, bytes));
}

// Batched timing rotates over at most this many buffer sets (tiny problems stay in L2 anyway).
constexpr size_t kMaxSets = 4096;

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
        "(at least {}, at most {} samples or {:g} s): {} after {} samples; kernel, vendor{} and copy interleaved; "
        "your output refilled with the sentinel before every sample and checked after it",
        what, how, rule.target_rse * 100, rule.min_samples, rule.max_samples, rule.max_seconds, m.stopped, samples,
        m.graph.size() > 3 ? ", unfused pair" : "");
}

// Host memory of one case, reused from case to case (see HostBuffer): the seeded tensors' bytes,
// and truth and bound of every written tensor.
struct HostCase {
    std::vector<std::unique_ptr<HostBuffer<std::byte>>> seeded;
    std::vector<std::unique_ptr<HostBuffer<double>>> truth, bound;
};

// The case whose inputs case `index` of the request is given (a narrowed run keeps the full one's).
size_t input_index(const CaseRequest& c, size_t index) {
    return c.seed_index >= 0 ? static_cast<size_t>(c.seed_index) : index;
}

// What the debug kit recorded in the launches just made, its pointer named by the case's
// tensors; "" at once for a file without the kit.
Result<std::string> kit_event(const Env& env, const CaseTensors& t) {
    if (!env.debug_record) return std::string();
    std::vector<grade::NamedBuffer> buffers;
    const auto ptrs = t.pointers();
    for (size_t i = 0; i < ptrs.size(); ++i)
        buffers.push_back({t.specs()[i].name, reinterpret_cast<uint64_t>(ptrs[i]), t.specs()[i].bytes()});
    return take_debug_event(env, buffers);
}

// Views of `specs`' seeded tensors in `h` (sized), made from the seed.
Result<std::vector<exercises::HostTensor>> seeded_views(HostCase& h, const std::vector<exercises::TensorSpec>& specs) {
    std::vector<exercises::HostTensor> views;
    size_t k = 0;
    for (const auto& t : specs) {
        if (!t.seeded()) continue;
        if (h.seeded.size() <= k) h.seeded.push_back(std::make_unique<HostBuffer<std::byte>>());
        auto bytes = h.seeded[k++]->get(std::max<size_t>(1, t.bytes())).first(t.bytes());
        if (t.bytes() && bytes.empty()) return make_error("out of host memory for tensor " + t.name);
        views.push_back({&t, bytes});
    }
    return views;
}

// Truth and bound of `specs`' written tensors in `h`.
Result<std::vector<exercises::Expected>> expected_views(HostCase& h, const std::vector<exercises::TensorSpec>& specs) {
    std::vector<exercises::Expected> out;
    size_t k = 0;
    for (const auto& t : specs) {
        if (!t.written()) continue;
        if (h.truth.size() <= k) {
            h.truth.push_back(std::make_unique<HostBuffer<double>>());
            h.bound.push_back(std::make_unique<HostBuffer<double>>());
        }
        auto truth = h.truth[k]->get(std::max<size_t>(1, t.elements)).first(t.elements);
        auto bound = h.bound[k++]->get(std::max<size_t>(1, t.elements)).first(t.elements);
        if (t.elements && (truth.empty() || bound.empty())) return make_error("out of host memory for " + t.name);
        out.push_back({truth, bound});
    }
    return out;
}

// The medians, spreads and method of a timing's samples (kernel, vendor, copy).
// The ratio of two candidates' times round by round (each round times both, one after the
// other): its spread.
gpu::Samples round_ratios(const gpu::Samples& num, const gpu::Samples& den) {
    std::vector<double> ratio;
    for (size_t i = 0; i < den.ms.size() && i < num.ms.size(); ++i)
        if (den.ms[i] > 0) ratio.push_back(num.ms[i] / den.ms[i]);
    return grade::summarize(ratio);
}

// The timing's numbers from the candidates' samples: the kernel, the vendor, the copy and, when
// tm.unfused is set, the vendor's unfused pair.
void fill_timing(wire::Timing& tm, const std::vector<gpu::Samples>& s, const gpu::TimingMethod& method) {
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
        const char* names[] = {"kernel", "vendor", "copy", "unfused pair"};
        for (size_t c = 0; c < method.graph.size() && c < 4; ++c)
            if (!method.graph[c]) tm.looped += std::string(tm.looped.empty() ? "" : ", ") + names[c];
    }
    const auto r = round_ratios(s[1], s[0]);
    tm.ratio_p10 = r.p10;
    tm.ratio_p90 = r.p90;
    if (s.size() > 3 && tm.unfused) {  // the vendor's unfused pair, the fourth candidate
        tm.unfused->ms = s[3].median;
        tm.unfused->p10 = s[3].p10;
        tm.unfused->p90 = s[3].p90;
        const auto u = round_ratios(s[3], s[0]);
        tm.unfused->ratio_p10 = u.p10;
        tm.unfused->ratio_p90 = u.p90;
    }
}

class TensorHarness final : public Harness {
public:
    explicit TensorHarness(const exercises::Exercise& ex) : ex_(ex) {}

    Result<CaseResult> run_case(Env& env, const Kernels& kernels, const CaseRequest& c, size_t index,
                                Crash& crash) override {
        const Sizes& sz = c.sizes;
        if (!exercises::checked_elements(ex_, sz))
            return make_error(fmt::format("case {}: its sizes do not fit the kernel's int arguments", c.name));
        CaseResult r;
        r.name = c.name;
        r.launch = c.launch();
        auto specs = sized_tensors(ex_, sz, c.scratch);
        if (!specs) {
            r.verdict = "WRONG";
            r.message = specs.error().message;
            return r;
        }
        Phases ph(r);

        // Host inputs, then the float64 truth on the host's cores while the GPU works.
        const uint64_t seed = exercises::case_seed(env.seed, input_index(c, index));
        auto seeded = seeded_views(host_, *specs);
        if (!seeded) return seeded.error();
        exercises::make_case_inputs(ex_, seed, sz, c.view, *seeded);
        auto expected = expected_views(host_, *specs);
        if (!expected) return expected.error();
        ph.mark("inputs");
        // A future of std::async waits in its destructor: whatever happens below, the truth
        // thread finishes before the buffers it writes can go.
        auto truth_done = std::async(std::launch::async, [&] { ex_.truth(sz, *seeded, *expected); });

        auto tensors = CaseTensors::create(*specs, static_cast<size_t>(c.view.offset));
        if (!tensors) return tensors.error();
        for (size_t i = 0, k = 0; i < specs->size(); ++i)
            if ((*specs)[i].seeded())
                if (auto s = tensors->upload(i, (*seeded)[k++].bytes.data(), env.stream); !s) return s.error();
        if (auto s = tensors->prepare(*env.util, env.stream); !s) return s.error();
        ph.mark("device-setup");

        PlanArgs args(ex_, sz, tensors->pointers(), c.tensor_maps);
        if (!args.problem().empty()) {
            r.verdict = "WRONG";
            r.message = "not launched: " + args.problem();
            return r;
        }
        run_plan(kernels, c.launches, args, env.stream, env.kernel_names, crash);
        if (crash.happened) {
            r.verdict = "CRASHED";
            r.message = crash.message;
            return r;
        }
        ph.mark("kernel");
        auto kit = kit_event(env, *tensors);
        if (!kit) return kit.error();

        auto guard = tensors->guards();
        if (!guard) return guard.error();
        r.guard = *guard;
        auto modified = tensors->modified_input(*env.util, env.stream);
        if (!modified) return modified.error();
        r.modified_input = *modified;
        ph.mark("guards-inputs");

        truth_done.get();
        ph.mark("truth-wait");
        auto checks = check_written(*tensors, *expected, sz, seed, c.launch());
        if (!checks) return checks.error();
        set_checks(r, std::move(*checks));
        ph.mark("compare");

        std::string second_run;
        if (all_passed(r) && !r.guard && r.modified_input.empty() && kit->empty() && !env.debug) {
            auto second = run_again(env, kernels, c, *tensors, args, *expected, seed, crash);
            if (!second) return second.error();
            if (crash.happened) {
                r.verdict = "CRASHED";
                r.message = "on the second run: " + crash.message;
                return r;
            }
            if (second->wrong) {
                second_run = second->message;
                set_checks(r, std::move(second->checks));
            }
            auto kit_again = kit_event(env, *tensors);
            if (!kit_again) return kit_again.error();
            if (!kit_again->empty()) second_run = "on the second run: " + *kit_again;
            r.nondeterministic = second->differ;
        }
        r.explanation = written_explanation(r, sz);
        ph.mark("second-run");

        // The vendor on the same inputs, against the same truth: proof that the bound is fair.
        if (auto s = tensors->prepare(*env.util, env.stream); !s) return s.error();
        if (auto s = env.vendor->run(tensors->pointers(), c); !s) return s.error();
        KC_CUDA(cudaStreamSynchronize(env.stream));
        auto vendor = check_written(*tensors, *expected, sz, seed, std::nullopt);
        if (!vendor) return vendor.error();
        r.vendor = first_wrong_or_first(std::move(*vendor));
        ph.mark("vendor");

        if (!kit->empty()) {  // the learner's own check fired: it says most about the bug
            r.verdict = "WRONG";
            r.message = *kit + (r.guard ? "; and " + describe_guard(*r.guard) : std::string());
        } else if (r.guard) {
            r.verdict = "WRONG";
            r.message = describe_guard(*r.guard);
        } else if (!r.modified_input.empty()) {
            r.verdict = "WRONG";
            r.message = fmt::format("your kernel modified input `{}`; inputs are read-only", r.modified_input);
        } else if (!second_run.empty()) {
            r.verdict = "WRONG";
            r.message = second_run;
        } else if (!all_passed(r)) {
            r.verdict = "WRONG";  // the check explains it; no message of its own
        } else {
            r.verdict = "PASSED";
        }
        if (c.timed) {  // timing derives fresh inputs from these, and its truth from this truth
            timed_ = std::move(*tensors);
            timed_seed_ = seed;
            std::swap(host_, timed_host_);
        }
        return r;
    }

    Status launch_only(Env& env, const Kernels& kernels, const CaseRequest& c, size_t index,
                       std::vector<wire::Buffer>& buffers, Crash& crash) override {
        const Sizes& sz = c.sizes;
        auto specs = sized_tensors(ex_, sz, c.scratch);
        if (!specs) return specs.error();
        auto seeded = seeded_views(host_, *specs);
        if (!seeded) return seeded.error();
        const uint64_t seed = exercises::case_seed(env.seed, input_index(c, index));
        exercises::make_case_inputs(ex_, seed, sz, c.view, *seeded);
        struct Free {
            std::vector<void*> p;
            ~Free() {
                for (void* q : p) cudaFree(q);
            }
        } owned;
        // Exactly the tensor's bytes (after the view's offset): compute-sanitizer knows each
        // allocation's size, so an access even one byte past the end is outside every buffer.
        // Outputs stay unwritten (so initcheck sees reads of them); scratch tensors declared
        // zeroed are zeroed.
        std::vector<void*> ptrs;
        const auto offset = static_cast<size_t>(c.view.offset);
        for (size_t i = 0, k = 0; i < specs->size(); ++i) {
            const auto& t = (*specs)[i];
            void* base = nullptr;
            const size_t bytes = std::max<size_t>(1, t.bytes());
            KC_CUDA(cudaMalloc(&base, offset + bytes));
            owned.p.push_back(base);
            void* d = static_cast<char*>(base) + offset;
            buffers.push_back({t.name, reinterpret_cast<uint64_t>(d), bytes});
            if (t.seeded()) KC_CUDA(cudaMemcpy(d, (*seeded)[k++].bytes.data(), t.bytes(), cudaMemcpyHostToDevice));
            if (t.role == exercises::Role::kScratch && t.zeroed) KC_CUDA(cudaMemset(d, 0, bytes));
            ptrs.push_back(d);
        }
        KC_CUDA(cudaDeviceSynchronize());  // the copies from pageable memory have landed (see upload())
        PlanArgs args(ex_, sz, std::move(ptrs), c.tensor_maps);
        run_plan(kernels, c.launches, args, env.stream, env.kernel_names, crash);
        return Ok{};
    }

    Result<wire::Timing> time_case(Env& env, const Kernels& kernels, const CaseRequest& c, size_t /*index*/,
                                   Crash& crash) override {
        const Sizes& sz = c.sizes;
        if (!timed_) return make_error("timing needs the timed case to have run first");
        const auto specs = timed_->specs();
        // Buffer sets to rotate over when runs are batched: together at least twice the L2, so a
        // batch's launch finds none of its data cached by the launches before it.
        size_t footprint = 0;
        for (const auto& t : specs) footprint += t.bytes();
        const size_t l2 = env.device.l2_bytes;
        const size_t sets = env.hot || footprint >= 2 * l2
                                ? 1
                                : std::min<size_t>(kMaxSets, (2 * l2 + footprint - 1) / std::max<size_t>(1, footprint));
        // Bytes from one set's start to the next's: 256 apart when there are several.
        auto stride = [sets](size_t bytes) { return sets == 1 ? bytes : std::max<size_t>(256, (bytes + 255) / 256 * 256); };

        auto timed = TimedSets::make(specs, sets, stride);
        if (!timed) return timed.error();
        auto truth = timed_inputs(env, sz, *timed);
        if (!truth) return truth.error();
        timed_.reset();

        // The speed of light for memory: a copy that moves the same bytes (read + write).
        const size_t copy_bytes = std::max<size_t>(4, static_cast<size_t>(ex_.spec().bytes(sz) / 2) / 4 * 4);
        auto csrc = device_buffer("copy-src", stride(copy_bytes) * sets);
        if (!csrc) return csrc.error();
        auto cdst = device_buffer("copy-dst", stride(copy_bytes) * sets);
        if (!cdst) return cdst.error();
        if (auto s = env.util->fill_u32(csrc->data(), stride(copy_bytes) * sets, 0x3c3c3c3cu, env.stream); !s)
            return s.error();

        // Each set's kernel arguments and vendor pointers (their addresses stay put for graphs).
        std::vector<std::unique_ptr<PlanArgs>> args;
        std::vector<std::vector<void*>> vendor_ptrs(sets);
        for (size_t k = 0; k < sets; ++k) {
            args.push_back(std::make_unique<PlanArgs>(ex_, sz, timed->pointers(k), c.tensor_maps));
            vendor_ptrs[k] = timed->vendor_pointers(k);
        }
        std::optional<Error> vendor_error;
        std::vector<gpu::Timed> candidates = {
            [&](cudaStream_t s, size_t k) { return enqueue_plan(kernels, c.launches, *args[k], s); },
            [&](cudaStream_t, size_t k) {
                auto st = env.vendor->run(vendor_ptrs[k], c);
                if (st) return cudaSuccess;
                vendor_error = st.error();
                return cudaErrorUnknown;
            },
            [&](cudaStream_t s, size_t k) {
                const size_t at = k * stride(copy_bytes);
                return cudaMemcpyAsync(cdst->as<char>() + at, csrc->as<char>() + at, copy_bytes,
                                       cudaMemcpyDeviceToDevice, s);
            },
        };
        wire::Timing tm;
        tm.case_name = c.name;
        if (std::string pair = env.vendor->unfused(); !pair.empty()) {
            tm.unfused = wire::UnfusedTiming{.what = std::move(pair)};
            candidates.push_back([&](cudaStream_t, size_t k) {
                auto st = env.vendor->run_unfused(vendor_ptrs[k], c);
                if (st) return cudaSuccess;
                vendor_error = st.error();
                return cudaErrorUnknown;
            });
        }

        // Checks sets 0 .. count - 1 of every written tensor on the host: the first wrong one, or
        // set 0's checks when every set is right.
        auto check_sets = [&](size_t count) -> Result<std::pair<size_t, std::vector<wire::Check>>> {
            std::vector<wire::Check> first;
            for (size_t k = 0; k < count; ++k) {
                auto checks = check_timed(*timed, k, *truth, sz);
                if (!checks) return checks.error();
                for (const auto& ch : *checks)
                    if (!ch.comparison.passed()) return std::pair(k, std::move(*checks));
                if (k == 0) first = std::move(*checks);
            }
            return std::pair(size_t{0}, std::move(first));
        };
        auto wrong_text = [&](const std::string& when, const wire::Check& check, size_t set) {
            return fmt::format(
                "the output of {} is wrong ({}{} of {} elements{}), though the checked run was right: the timed runs "
                "use fresh inputs at other addresses and every run's output is checked, so a kernel that reuses an "
                "earlier result or skips work when run again fails here",
                when, check.tensor.empty() ? "" : "`" + check.tensor + "`: ", check.comparison.mismatches,
                check.comparison.count, sets > 1 ? fmt::format(", in buffer set {} of {}", set + 1, sets) : "");
        };

        // A first run on set 0, checked against that truth; it becomes the reference that every
        // sample's output is compared with, bit for bit, on the device.
        if (auto s = timed->prepare(*env.util, env.stream, 1); !s) return s.error();
        run_plan(kernels, c.launches, *args[0], env.stream, env.kernel_names, crash);
        if (crash.happened) {
            crash.message = "while timing: " + crash.message;
            return tm;
        }
        auto first = check_sets(1);
        if (!first) return first.error();
        if (auto bad = first_wrong(first->second)) {
            tm.wrong = wrong_text("the first timed run", *bad, 0);
            tm.check = std::move(*bad);
            return tm;
        }
        if (auto s = timed->keep_reference(env.stream); !s) return s.error();

        // Around every sample: the outputs it writes start as the sentinel (in-out tensors
        // restored, scratch prepared), and afterwards they must equal the reference. Bits that
        // differ go to the truth (a kernel whose atomics add in another order may still be
        // right); past a few such checks only the bitwise comparison's count is kept, and the
        // output after the last sample is checked below.
        constexpr int kHostChecks = 3;
        int host_checks = 0, sample_index = 0;
        std::optional<wire::Check> wrong_check;
        gpu::SampleHooks hooks;
        hooks.before = [&](size_t count) { return timed->prepare(*env.util, env.stream, count); };
        hooks.after = [&](size_t count) -> Status {
            ++sample_index;
            auto differ = timed->differences(*env.util, env.stream, count);
            if (!differ) return differ.error();
            if (*differ == 0 || host_checks >= kHostChecks) return Ok{};
            ++host_checks;
            auto checked = check_sets(count);
            if (!checked) return checked.error();
            auto bad = first_wrong(checked->second);
            if (!bad) return Ok{};
            wrong_check = std::move(*bad);
            return make_error(wrong_text(fmt::format("timed run {}", sample_index), *wrong_check, checked->first));
        };

        gpu::TimingFailure fail;
        gpu::TimingMethod method;
        const grade::StopRule rule;
        grade::BatchRule batch;
        batch.deciders = 2;  // the kernel and the vendor; the copy follows them
        // In-place tensors are restored, and zeroed scratch zeroed, once per sample: a batch may
        // not run the plan on a set twice, or the second run would update what the first one
        // wrote (an atomicAdd into a zeroed scratch would add the set's sums twice).
        for (const auto& t : specs)
            if (t.role == exercises::Role::kInOut || (t.role == exercises::Role::kScratch && t.zeroed))
                batch.max_launches = static_cast<int>(sets);
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
        fill_timing(tm, *samples, method);
        tm.method = describe_method(method, rule, batch, env.hot, tm.samples, footprint);
        tm.vendor_detail = env.vendor->detail();

        // The last sample's output, every set it wrote, against the truth.
        auto last = check_sets(method.launches > 1 ? sets : 1);
        if (!last) return last.error();
        if (auto bad = first_wrong(last->second)) {
            tm.wrong = wrong_text("the last timed run", *bad, last->first);
            tm.check = std::move(*bad);
        } else if (!last->second.empty()) {
            tm.check = std::move(last->second.front());
        }
        return tm;
    }

private:
    // Every written tensor of `tensors` downloaded and checked against `expected`, with the
    // exercise's diagnosis when `launch` is given (the learner's run), the pattern alone otherwise.
    Result<std::vector<wire::Check>> check_written(CaseTensors& tensors, const std::vector<exercises::Expected>& expected,
                                                   const Sizes& sz, uint64_t seed, std::optional<Launch> launch) {
        std::vector<wire::Check> checks;
        const auto& specs = tensors.specs();
        for (size_t i = 0, k = 0; i < specs.size(); ++i) {
            const auto& t = specs[i];
            if (!t.written()) continue;
            auto got = download_floats(tensors.buffer(i).data(), t);
            if (!got) return got.error();
            std::optional<CaseContext> context;
            if (launch) context.emplace(CaseContext{ex_, sz, seed, *launch, t.name});
            auto check = check_output(*got, expected[k].truth, expected[k].bound, ex_.shape(sz, t.name),
                                      context ? &*context : nullptr);
            ++k;
            if (!check) return check.error();
            check->tensor = t.name;
            checks.push_back(std::move(*check));
        }
        return checks;
    }

    // A written tensor's device bytes as floats (see to_floats).
    Result<std::span<float>> download_floats(const void* device, const exercises::TensorSpec& t) {
        auto raw = got_bytes_.get(std::max<size_t>(1, t.bytes()));
        auto got = got_.get(std::max<size_t>(1, t.elements));
        if (raw.empty() || got.empty()) return make_error("out of host memory for " + t.name);
        KC_CUDA(cudaMemcpy(raw.data(), device, t.bytes(), cudaMemcpyDeviceToHost));
        if (t.type == exercises::DType::F32) return std::span<float>(reinterpret_cast<float*>(raw.data()), t.elements);
        to_floats(t.type, raw.first(t.bytes()), got.first(t.elements));
        return got.first(t.elements);
    }

    static std::optional<wire::Check> first_wrong(std::vector<wire::Check>& checks) {
        for (auto& c : checks)
            if (!c.comparison.passed()) return std::move(c);
        return std::nullopt;
    }
    static std::optional<wire::Check> first_wrong_or_first(std::vector<wire::Check> checks) {
        if (auto bad = first_wrong(checks)) return bad;
        if (checks.empty()) return std::nullopt;
        return std::move(checks.front());
    }
    // r.check: the first wrong written tensor (or the first); r.others: the rest.
    static void set_checks(CaseResult& r, std::vector<wire::Check> checks) {
        r.check.reset();
        r.others.clear();
        size_t pick = 0;
        for (size_t i = 0; i < checks.size(); ++i)
            if (!checks[i].comparison.passed()) {
                pick = i;
                break;
            }
        for (size_t i = 0; i < checks.size(); ++i) {
            if (i == pick) r.check = std::move(checks[i]);
            else r.others.push_back(std::move(checks[i]));
        }
    }
    // What the exercise makes of which written tensors are wrong and which match ("" when all match).
    std::string written_explanation(const CaseResult& r, const Sizes& sz) const {
        std::vector<std::pair<std::string, bool>> matched;
        if (r.check) matched.emplace_back(r.check->tensor, r.check->comparison.passed());
        for (const auto& c : r.others) matched.emplace_back(c.tensor, c.comparison.passed());
        return exercises::explain_written_tensors(ex_, sz, matched);
    }
    static bool all_passed(const CaseResult& r) {
        if (r.check && !r.check->comparison.passed()) return false;
        for (const auto& c : r.others)
            if (!c.comparison.passed()) return false;
        return true;
    }

    struct SecondRun {
        bool wrong = false;
        std::string message;
        std::vector<wire::Check> checks;
        size_t differ = 0;  // elements that changed between two right runs (rounding)
    };
    // A second run on the same inputs, the outputs pre-filled with finite values instead of NaN
    // (in-out tensors restored): a kernel that skips elements which "look written" keeps them,
    // and one whose result changes from run to run (a race, an uninitialised read) differs.
    Result<SecondRun> run_again(Env& env, const Kernels& kernels, const CaseRequest& c, CaseTensors& tensors,
                                PlanArgs& args, const std::vector<exercises::Expected>& expected, uint64_t seed,
                                Crash& crash) {
        SecondRun out;
        const auto& specs = tensors.specs();
        std::vector<gpu::DeviceBuffer> first;
        for (size_t i = 0; i < specs.size(); ++i) {
            if (!specs[i].written()) continue;
            auto b = device_buffer(specs[i].name + " (first run)", specs[i].bytes());
            if (!b) return b.error();
            if (auto s = copy(b->data(), tensors.buffer(i).data(), specs[i].bytes(), env.stream); !s) return s.error();
            first.push_back(std::move(*b));
        }
        if (auto s = tensors.prepare(*env.util, env.stream, static_cast<uint32_t>(env.seed)); !s) return s.error();
        run_plan(kernels, c.launches, args, env.stream, env.kernel_names, crash);
        if (crash.happened) return out;
        size_t differ = 0, n = 0;
        for (size_t i = 0, k = 0; i < specs.size(); ++i) {
            if (!specs[i].written()) continue;
            auto d = count_differences(*env.util, tensors.buffer(i).data(), first[k++].data(), specs[i].bytes(),
                                       env.stream);
            if (!d) return d.error();
            differ += *d;
            n += specs[i].elements;
        }
        if (!differ) return out;
        auto again = check_written(tensors, expected, c.sizes, seed, c.launch());
        if (!again) return again.error();
        bool wrong = false;
        for (const auto& ch : *again) wrong = wrong || !ch.comparison.passed();
        if (!wrong) {
            out.differ = differ;  // within the bound both times: rounding, not a bug
            return out;
        }
        out.wrong = true;
        out.checks = std::move(*again);
        out.message = fmt::format(
            "the second run gave a different, wrong result ({} of {} elements differ from the first run): with "
            "the output pre-filled with finite values instead of NaN, elements the kernel does not write keep "
            "them, and a race or an uninitialised read changes from run to run",
            differ, n);
        return out;
    }

    // The timed run's tensors: `sets` copies of each, set 0 made from the checked run's inputs
    // (transformed exactly, or drawn afresh), and its truth. Returns the truth of every written
    // tensor (in host_).
    Result<std::vector<exercises::Expected>> timed_inputs(Env& env, const Sizes& sz, TimedSets& timed) {
        const TimedTransform t = ex_.timed_transform(sz);
        const auto& specs = timed.specs();
        auto expected = expected_views(host_, specs);
        if (!expected) return expected.error();
        if (t.kind == TimedTransform::kFreshInputs) {
            auto seeded = seeded_views(host_, specs);
            if (!seeded) return seeded.error();
            ex_.make_inputs(exercises::fresh_seed(timed_seed_), sz, *seeded);
            ex_.truth(sz, *seeded, *expected);
            for (size_t i = 0, k = 0; i < specs.size(); ++i)
                if (specs[i].seeded())
                    if (auto s = timed.upload_set0(i, (*seeded)[k++].bytes.data(), env.stream); !s) return s.error();
        } else {
            auto old = expected_views(timed_host_, specs);
            if (!old) return old.error();
            size_t first_written = 0;
            for (const auto& x : specs)
                if (x.written()) {
                    first_written = x.elements;
                    break;
                }
            for (size_t i = 0, input = 0; i < specs.size(); ++i) {
                if (!specs[i].seeded()) continue;
                const auto how = exercises::input_transform(t, input++, specs[i].elements, first_written);
                const float* src = static_cast<const float*>(timed_->pristine(i));
                float* dst = static_cast<float*>(timed.set0(i));
                Status s = Ok{};
                if (how == exercises::InputTransform::kHalve)
                    s = env.util->scale(src, dst, specs[i].elements, 0.5f, env.stream);
                else if (how == exercises::InputTransform::kReverseRows)
                    s = env.util->reverse_rows(src, dst, specs[i].elements / t.row_length, t.row_length, env.stream);
                else
                    s = copy(dst, src, specs[i].bytes(), env.stream);
                if (!s) return s.error();
            }
            for (size_t k = 0; k < expected->size(); ++k)
                exercises::transform_truth(t, (*old)[k].truth.size(), (*old)[k].truth, (*old)[k].bound,
                                           (*expected)[k].truth, (*expected)[k].bound);
        }
        if (auto s = timed.replicate_inputs(env.stream); !s) return s.error();
        return expected;
    }

    // Set k's written tensors checked against `truth`.
    Result<std::vector<wire::Check>> check_timed(TimedSets& timed, size_t k, const std::vector<exercises::Expected>& truth,
                                                 const Sizes& sz) {
        std::vector<wire::Check> checks;
        const auto& specs = timed.specs();
        for (size_t i = 0, w = 0; i < specs.size(); ++i) {
            if (!specs[i].written()) continue;
            auto got = download_floats(timed.at(i, k), specs[i]);
            if (!got) return got.error();
            auto check = check_output(*got, truth[w].truth, truth[w].bound, ex_.shape(sz, specs[i].name));
            ++w;
            if (!check) return check.error();
            check->tensor = specs[i].name;
            checks.push_back(std::move(*check));
        }
        return checks;
    }

    const exercises::Exercise& ex_;
    HostCase host_, timed_host_;  // host memory reused across cases; the timed case's kept for timing
    HostBuffer<std::byte> got_bytes_;
    HostBuffer<float> got_;
    std::optional<CaseTensors> timed_;  // the timed case's device tensors, kept for timing
    uint64_t timed_seed_ = 0;
};

}  // namespace

std::unique_ptr<Harness> make_tensor_harness(const exercises::Exercise& ex) {
    return std::make_unique<TensorHarness>(ex);
}

}  // namespace kc::worker
