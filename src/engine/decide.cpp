#include "engine/decide.h"

#include <fmt/format.h>

#include "engine/speed.h"
#include "grade/floor.h"

namespace kc::engine {

using grade::Verdict;

namespace {

// Why the timing is faster than the device can go, or "": bytes at the DRAM peak, flops at the
// peak of the exercise's arithmetic (fp32 lanes, or bf16 tensor cores).
std::string below_floor(const wire::Timing& t, const wire::Device& d, const RunContext& ctx) {
    const Arithmetic& a = arithmetic(ctx.math);
    return grade::below_floor(t.kernel_ms, ctx.bytes, d.peak_gbps, ctx.flops, d.*a.peak_tflops, a.peak_name);
}

}  // namespace

RunEvents read_events(const std::vector<nlohmann::json>& events) {
    RunEvents r;
    for (const auto& e : events) {
        const std::string kind = e.value("event", "");
        if (kind == "device") r.device = e.get<wire::Device>();
        else if (kind == "kernel") r.kernel = e.get<wire::KernelInfo>();
        else if (kind == "case") r.cases.push_back(e.get<wire::CaseResult>());
        else if (kind == "timing") r.timings.push_back(e.get<wire::Timing>());
        else if (kind == "error") r.error = e.get<wire::ErrorEvent>();
        else if (kind == "done") r.done = true;
    }
    return r;
}

namespace {

// "the kernel did not finish within 20 s (case 'odd'): did a loop never end, ...".
std::string timeout_message(double seconds, const std::string& case_name) {
    std::string where = case_name.empty() ? "" : fmt::format(" (case '{}')", case_name);
    return fmt::format("the kernel did not finish within {:g} s{}: did a loop never end, or a "
                       "barrier never meet (a __syncthreads() that not every thread reaches)?",
                       seconds, where);
}

std::string sizes_of(const course::Manifest& m, const RunContext& c, const std::string& name) {
    for (size_t i = 0; i < m.cases.size() && i < c.case_sizes.size(); ++i)
        if (m.cases[i].name == name) return c.case_sizes[i];
    return {};
}

const wire::CaseResult* first_with(const RunEvents& e, const char* verdict) {
    for (const auto& c : e.cases)
        if (c.verdict == verdict) return &c;
    return nullptr;
}

// "case 'odd' (n=7): 3 of 7 elements are wrong: <diagnosis>", naming the tensor when several
// are written, and then what the exercise makes of which are wrong ("; `m` and `v` are right and
// `p` is not: ...").
std::string wrong_summary(const course::Manifest& m, const RunContext& ctx, const wire::CaseResult& c) {
    std::string why = c.message;
    if (why.empty() && c.check) {
        const auto& cmp = c.check->comparison;
        const std::string which = c.others.empty() ? "" : fmt::format("`{}`: ", c.check->tensor);
        why = fmt::format("{}{} of {} elements are wrong", which, cmp.mismatches, cmp.count);
        if (!c.check->diagnosis.empty()) why += ": " + c.check->diagnosis;
        if (!c.explanation.empty()) why += "; " + c.explanation;
    }
    return fmt::format("case '{}' ({}): {}", c.name, sizes_of(m, ctx, c.name), why);
}

}  // namespace

Result<RunDecision> decide_run(const course::Manifest& m, const WorkerRun& run, const RunEvents& e,
                               const RunContext& ctx) {
    RunDecision d;
    // The case that was running when the worker stopped, if it stopped early.
    if (!e.done && e.cases.size() < m.cases.size() && !(e.cases.size() && e.cases.back().verdict == "CRASHED"))
        d.stopped_case = m.cases[e.cases.size()].name;
    const wire::Timing* timing = e.timings.empty() ? nullptr : &e.timings.back();

    if (run.timed_out) {
        d.verdict = Verdict::TimedOut;
        d.summary = timeout_message(ctx.timeout_s, d.stopped_case.empty() && m.timed_case() ? "timing" : d.stopped_case);
    } else if (const auto* c = first_with(e, "CRASHED")) {
        d.verdict = Verdict::Crashed;
        d.summary = fmt::format("case '{}': {}", c->name, c->message);
    } else if (e.error && e.error->kind == "crashed") {
        d.verdict = Verdict::Crashed;
        d.summary = e.error->message;
    } else if (e.error && (e.error->kind == "no-gpu" || e.error->kind == "too-old")) {
        d.verdict = Verdict::Skipped;
        d.summary = "not run: " + e.error->message;
    } else if (e.error) {
        return make_error(e.error->message, e.error->detail);
    } else if (const auto* c = first_with(e, "WRONG")) {
        d.verdict = Verdict::Wrong;
        d.summary = wrong_summary(m, ctx, *c);
    } else if (timing && !timing->wrong.empty()) {
        d.verdict = Verdict::Wrong;
        d.summary = fmt::format("case '{}' ({}), timed runs: {}", timing->case_name,
                                sizes_of(m, ctx, timing->case_name), timing->wrong);
    } else if (!e.done) {
        d.verdict = Verdict::Crashed;
        d.summary = run.signal ? fmt::format("the grading worker was killed by signal {} during case '{}'", run.signal,
                                             d.stopped_case)
                               : fmt::format("the grading worker stopped unexpectedly (exit code {})", run.exit_code);
    } else if (std::string low = timing && e.device ? below_floor(*timing, *e.device, ctx) : std::string();
               !low.empty()) {
        d.verdict = Verdict::Wrong;  // an impossible time is an error, never a record
        d.summary = low;
    } else {
        d.verdict = Verdict::Passed;
        d.summary = fmt::format("all {} cases match float64 truth", e.cases.size());
    }
    return d;
}

}  // namespace kc::engine
