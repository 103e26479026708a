// The verdict of a grading worker's run (engine/decide.h), decided from its events and the
// manifest alone: canned runs for every way a run can end, and a fake worker process (a shell
// script speaking the event protocol on descriptor 3), with no GPU.
#include <gtest/gtest.h>

#include <filesystem>

#include "engine/decide.h"
#include "support/cli.h"

namespace kc::engine {
namespace {

using grade::Verdict;
using nlohmann::json;

course::Manifest three_cases() {
    course::Manifest m;
    m.exercise = "vector-add";
    m.cases = {{"one", {{"n", 1}}}, {"odd", {{"n", 7}}}, {"large", {{"n", 1 << 20}}, true}};
    return m;
}

RunContext context() { return {20, {"n=1", "n=7", "n=1048576"}, 12.0 * (1 << 20), 1 << 20}; }

json case_event(const std::string& name, const std::string& verdict, const std::string& message = "") {
    wire::CaseResult c;
    c.name = name;
    c.verdict = verdict;
    c.message = message;
    json j = c;
    j["event"] = "case";
    return j;
}
json passed(const std::string& name) { return case_event(name, "PASSED"); }

json device() {
    wire::Device d;
    d.name = "Fake GPU";
    d.peak_gbps = 4800;
    d.peak_fp32_tflops = 60;
    d.peak_bf16_tflops = 989;
    json j = d;
    j["event"] = "device";
    return j;
}

json timing(double kernel_ms, const std::string& wrong = "") {
    wire::Timing t;
    t.case_name = "large";
    t.kernel_ms = kernel_ms;
    t.vendor_ms = 0.01;
    t.samples = 100;
    t.wrong = wrong;
    json j = t;
    j["event"] = "timing";
    return j;
}

WorkerRun exited(std::vector<json> events) {
    WorkerRun r;
    r.events = std::move(events);
    r.exit_code = 0;
    return r;
}

RunDecision decide(const WorkerRun& run) {
    auto d = decide_run(three_cases(), run, read_events(run.events), context());
    EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().message);
    return d.ok() ? *d : RunDecision{};
}

TEST(DecideRun, EveryCasePassedAndDoneIsPassed) {
    const auto d = decide(exited({device(), passed("one"), passed("odd"), passed("large"), timing(0.01),
                                  {{"event", "done"}}}));
    EXPECT_EQ(d.verdict, Verdict::Passed);
    EXPECT_EQ(d.summary, "all 3 cases match float64 truth");
    EXPECT_EQ(d.stopped_case, "");
}

TEST(DecideRun, AHangNamesTheCaseItHungIn) {
    WorkerRun r = exited({passed("one")});
    r.timed_out = true;
    const auto d = decide(r);
    EXPECT_EQ(d.verdict, Verdict::TimedOut);
    EXPECT_EQ(d.stopped_case, "odd");
    EXPECT_EQ(d.summary, "the kernel did not finish within 20 s (case 'odd'): did a loop never end, or a barrier "
                         "never meet (a __syncthreads() that not every thread reaches)?");
}

TEST(DecideRun, AHangAfterEveryCaseIsInTheTiming) {
    WorkerRun r = exited({passed("one"), passed("odd"), passed("large")});
    r.timed_out = true;
    const auto d = decide(r);
    EXPECT_EQ(d.verdict, Verdict::TimedOut);
    EXPECT_NE(d.summary.find("(case 'timing')"), std::string::npos) << d.summary;
}

TEST(DecideRun, ACrashedCaseOutranksAnEarlierWrongOne) {
    const json wrong = case_event("one", "WRONG", "off by one");
    const json crashed = case_event("odd", "CRASHED", "an illegal memory access was encountered");
    const auto d = decide(exited({wrong, crashed}));
    EXPECT_EQ(d.verdict, Verdict::Crashed);
    EXPECT_EQ(d.summary, "case 'odd': an illegal memory access was encountered");
    EXPECT_EQ(d.stopped_case, "");  // it stopped in a case it reported
}

TEST(DecideRun, ErrorsFromTheWorker) {
    auto with_error = [](const std::string& kind) {
        return exited({{{"event", "error"}, {"kind", kind}, {"message", "what happened"}, {"detail", "more"}}});
    };
    EXPECT_EQ(decide(with_error("crashed")).verdict, Verdict::Crashed);
    const auto no_gpu = decide(with_error("no-gpu"));
    EXPECT_EQ(no_gpu.verdict, Verdict::Skipped);
    EXPECT_EQ(no_gpu.summary, "not run: what happened");
    EXPECT_EQ(decide(with_error("too-old")).verdict, Verdict::Skipped);
    // kernelcoach's own failure is an Error, never a verdict on the learner's kernel.
    const WorkerRun internal = with_error("internal");
    auto d = decide_run(three_cases(), internal, read_events(internal.events), context());
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.error().message, "what happened");
    EXPECT_EQ(d.error().detail, "more");
}

TEST(DecideRun, AWrongCaseNamesItsTensorWhenSeveralAreWritten) {
    wire::CaseResult c;
    c.name = "odd";
    c.verdict = "WRONG";
    c.check = wire::Check{};
    c.check->tensor = "v";
    c.check->comparison.count = 7;
    c.check->comparison.mismatches = 7;
    c.check->diagnosis = "every element is wrong";
    json j = c;
    j["event"] = "case";
    EXPECT_EQ(decide(exited({passed("one"), j, {{"event", "done"}}})).summary,
              "case 'odd' (n=7): 7 of 7 elements are wrong: every element is wrong");
    c.others = {wire::Check{}};
    j = c;
    j["event"] = "case";
    const auto d = decide(exited({passed("one"), j, {{"event", "done"}}}));
    EXPECT_EQ(d.verdict, Verdict::Wrong);
    EXPECT_EQ(d.summary, "case 'odd' (n=7): `v`: 7 of 7 elements are wrong: every element is wrong");
}

// An exercise that writes several tensors says once what the pattern of wrong and right ones
// means (Exercise::explain_written); the summary carries it, for dev check's "diagnosis" too.
TEST(DecideRun, AWrongCaseCarriesWhatItsWrongAndRightTensorsMean) {
    wire::CaseResult c;
    c.name = "odd";
    c.verdict = "WRONG";
    c.check = wire::Check{};
    c.check->tensor = "p";
    c.check->comparison.count = 7;
    c.check->comparison.mismatches = 7;
    c.check->diagnosis = "every element is wrong";
    c.others = {wire::Check{}, wire::Check{}};
    c.others[0].tensor = "m";
    c.others[1].tensor = "v";
    c.explanation = "`m` and `v` are right and `p` is not, so the update is wrong";
    json j = c;
    j["event"] = "case";
    EXPECT_EQ(j.at("explanation"), c.explanation);
    const auto d = decide(exited({passed("one"), j, {{"event", "done"}}}));
    EXPECT_EQ(d.verdict, Verdict::Wrong);
    EXPECT_EQ(d.summary, "case 'odd' (n=7): `p`: 7 of 7 elements are wrong: every element is wrong; `m` and `v` are "
                         "right and `p` is not, so the update is wrong");
    // None: the summary is as before, and the event has no key for it.
    c.explanation.clear();
    EXPECT_FALSE(json(c).contains("explanation"));
}

TEST(DecideRun, WrongTimedRunsAreWrong) {
    const auto d = decide(exited({passed("one"), passed("odd"), passed("large"),
                                  timing(0.3, "the timed output differs from the checked one"), {{"event", "done"}}}));
    EXPECT_EQ(d.verdict, Verdict::Wrong);
    EXPECT_EQ(d.summary, "case 'large' (n=1048576), timed runs: the timed output differs from the checked one");
}

TEST(DecideRun, AWorkerThatStopsWithoutDoneCrashed) {
    WorkerRun r = exited({passed("one")});
    r.exit_code = -1;
    r.signal = 9;
    EXPECT_EQ(decide(r).summary, "the grading worker was killed by signal 9 during case 'odd'");
    r.signal = 0;
    r.exit_code = 3;
    const auto d = decide(r);
    EXPECT_EQ(d.verdict, Verdict::Crashed);
    EXPECT_EQ(d.summary, "the grading worker stopped unexpectedly (exit code 3)");
}

TEST(DecideRun, ATimeNoGpuCanReachIsWrong) {
    // 12 MiB in a microsecond is 12 PB/s, far above the fake GPU's 4.8 TB/s.
    const auto d = decide(exited({device(), passed("one"), passed("odd"), passed("large"), timing(0.001),
                                  {{"event", "done"}}}));
    EXPECT_EQ(d.verdict, Verdict::Wrong);
    EXPECT_FALSE(d.summary.empty());
}

TEST(DecideRun, ABf16GemmIsHeldToTheTensorCorePeak) {
    // 4096^3 in bf16: 137 GFLOP, 0.14 ms at 989 TFLOP/s, 2.3 ms at the fp32 peak of 60.
    RunContext bf16 = context();
    bf16.flops = 2.0 * 4096 * 4096 * 4096;
    bf16.bytes = 3.0 * 4096 * 4096 * 2;
    bf16.math = exercises::Math::kBf16;
    const auto run = [&](double ms) {
        const auto r = exited({device(), passed("one"), passed("odd"), passed("large"), timing(ms), {{"event", "done"}}});
        auto d = decide_run(three_cases(), r, read_events(r.events), bf16);
        EXPECT_TRUE(d.ok());
        return d.ok() ? *d : RunDecision{};
    };
    EXPECT_EQ(run(0.2).verdict, Verdict::Passed);  // cuBLASLt's pace on an H100: above the bf16 floor
    const auto fast = run(0.1);
    EXPECT_EQ(fast.verdict, Verdict::Wrong);
    EXPECT_NE(fast.summary.find("bf16 tensor-core peak of 989.0 TFLOP/s"), std::string::npos) << fast.summary;
    bf16.math = exercises::Math::kFp32;  // the same time against fp32 lanes: impossible
    EXPECT_EQ(run(0.2).verdict, Verdict::Wrong);
}

// ---- a fake worker: a process, its descriptor 3, its exit -----------------------------------

class FakeWorker : public ::testing::Test {
protected:
    // Runs a shell script as the worker (it reads the request and writes `lines` to fd 3, then
    // runs `tail`), and decides its run.
    RunDecision run(const std::string& lines, const std::string& tail, double timeout = 10) {
        const auto w = dir.path() / "worker.sh";
        test::write_text(dir.path() / "events.jsonl", lines);
        test::write_text(w, "#!/bin/sh\ncat >/dev/null\ncat '" + (dir.path() / "events.jsonl").string() +
                                "' >&3\n" + tail + "\n");
        std::filesystem::permissions(w, std::filesystem::perms::owner_all);
        auto r = run_worker(w, "{}", timeout);
        EXPECT_TRUE(r.ok());
        if (!r.ok()) return {};
        auto d = decide_run(three_cases(), *r, read_events(r->events), context());
        EXPECT_TRUE(d.ok());
        return d.ok() ? *d : RunDecision{};
    }
    test::TempDir dir;
};

TEST_F(FakeWorker, PassesWhenEveryCasePassed) {
    const std::string lines = passed("one").dump() + "\n" + passed("odd").dump() + "\n" + passed("large").dump() +
                              "\n{\"event\":\"done\"}\n";
    EXPECT_EQ(run(lines, "exit 0").verdict, Verdict::Passed);
}

TEST_F(FakeWorker, AWorkerKilledMidCaseCrashedThere) {
    const auto d = run(passed("one").dump() + "\n", "kill -9 $$");
    EXPECT_EQ(d.verdict, Verdict::Crashed);
    EXPECT_EQ(d.summary, "the grading worker was killed by signal 9 during case 'odd'");
}

TEST_F(FakeWorker, AWorkerThatHangsTimesOut) {
    const auto d = run(passed("one").dump() + "\n" + passed("odd").dump() + "\n", "sleep 30", 1);
    EXPECT_EQ(d.verdict, Verdict::TimedOut);
    EXPECT_EQ(d.stopped_case, "large");
}

}  // namespace
}  // namespace kc::engine
