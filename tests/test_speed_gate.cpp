// Speed gates (grade/speed_gate.h): the decision on the spread of a timing, the pooling of
// re-timings, and the words that say what limits a kernel that is too slow.
#include <gtest/gtest.h>

#include <fstream>

#include "compile/toolkit.h"
#include "course/course.h"
#include "engine/grader.h"
#include "grade/speed_gate.h"
#include "report/render.h"
#include "support/cli.h"

namespace kc::grade {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// ---- the decision -----------------------------------------------------------------------------

TEST(SpeedGate, AClearlyFastKernelPassesOnItsFirstTiming) {
    const auto d = decide_gate({0.92, 0.98, 1.03, 200}, 0.5, 1);
    EXPECT_EQ(d.call, GateCall::Pass);
    EXPECT_FALSE(d.by_median);
}

TEST(SpeedGate, AClearlySlowKernelIsTooSlowOnItsFirstTiming) {
    const auto d = decide_gate({0.010, 0.011, 0.012, 40}, 0.5, 1);
    EXPECT_EQ(d.call, GateCall::TooSlow);
    EXPECT_FALSE(d.by_median);
}

TEST(SpeedGate, TheSlowEndExactlyAtTheTargetPasses) {
    // "at least 0.6x": a p10 of exactly 0.6 clears it.
    EXPECT_EQ(decide_gate({0.6, 0.7, 0.8, 50}, 0.6, 1).call, GateCall::Pass);
    // Just below it, with the rest above: the noise straddles the target.
    EXPECT_EQ(decide_gate({0.5999, 0.7, 0.8, 50}, 0.6, 1).call, GateCall::Undecided);
}

TEST(SpeedGate, TheFastEndExactlyAtTheTargetIsNotTooSlow) {
    // One round in ten reached the target: not every round missed it, so time again.
    EXPECT_EQ(decide_gate({0.4, 0.5, 0.6, 50}, 0.6, 1).call, GateCall::Undecided);
    EXPECT_EQ(decide_gate({0.4, 0.5, 0.5999, 50}, 0.6, 1).call, GateCall::TooSlow);
}

TEST(SpeedGate, NoiseStraddlingTheTargetTimesAgainThenTheMedianDecides) {
    const Spread above{0.55, 0.62, 0.70, 100};  // median above the target of 0.6
    const Spread below{0.52, 0.58, 0.66, 100};  // median below it
    for (int timings = 1; timings < kGateTimings; ++timings) {
        EXPECT_EQ(decide_gate(above, 0.6, timings).call, GateCall::Undecided) << timings;
        EXPECT_EQ(decide_gate(below, 0.6, timings).call, GateCall::Undecided) << timings;
    }
    const auto pass = decide_gate(above, 0.6, kGateTimings);
    EXPECT_EQ(pass.call, GateCall::Pass);
    EXPECT_TRUE(pass.by_median);
    const auto slow = decide_gate(below, 0.6, kGateTimings);
    EXPECT_EQ(slow.call, GateCall::TooSlow);
    EXPECT_TRUE(slow.by_median);
    // The median exactly at the target passes, like the slow end.
    EXPECT_EQ(decide_gate({0.5, 0.6, 0.7, 100}, 0.6, kGateTimings).call, GateCall::Pass);
}

TEST(SpeedGate, TheMedianRuleOnlyDecidesWhatTheSpreadLeavesOpen) {
    // After the last timing a clear spread still decides by its ends, not by the median.
    const auto d = decide_gate({0.1, 0.2, 0.3, 100}, 0.6, kGateTimings);
    EXPECT_EQ(d.call, GateCall::TooSlow);
    EXPECT_FALSE(d.by_median);
    // With a single timing allowed, a straddling spread is decided at once.
    EXPECT_EQ(decide_gate({0.5, 0.65, 0.7, 100}, 0.6, 1, 1).call, GateCall::Pass);
}

TEST(SpeedGate, TheThresholdIsInTheSpreadsUnit) {
    EXPECT_DOUBLE_EQ(gate_threshold(GateKind::VsVendor, 0.6), 0.6);
    EXPECT_DOUBLE_EQ(gate_threshold(GateKind::OfLight, 0.8), 80.0);
    // 78% of light against {"of_light": 0.8}: too slow, in percent.
    EXPECT_EQ(decide_gate({76, 78, 79.9, 100}, gate_threshold(GateKind::OfLight, 0.8), 1).call, GateCall::TooSlow);
}

// ---- spreads from one timing, and pooled --------------------------------------------------------

TEST(SpeedGate, TheRatioSpreadIsThePerRoundPercentiles) {
    const auto s = ratio_spread(0.91, 0.97, 1.02, 120);
    EXPECT_DOUBLE_EQ(s.slow, 0.91);
    EXPECT_DOUBLE_EQ(s.median, 0.97);
    EXPECT_DOUBLE_EQ(s.fast, 1.02);
    EXPECT_EQ(s.samples, 120);
    // The ratio of the medians can fall outside the per-round percentiles: the ends widen to it.
    const auto odd = ratio_spread(0.98, 0.97, 0.99, 10);
    EXPECT_DOUBLE_EQ(odd.slow, 0.97);
    EXPECT_DOUBLE_EQ(odd.fast, 0.99);
    // No per-round spread (p90 of 0): the median alone.
    const auto bare = ratio_spread(0, 0.8, 0, 10);
    EXPECT_DOUBLE_EQ(bare.slow, 0.8);
    EXPECT_DOUBLE_EQ(bare.fast, 0.8);
}

TEST(SpeedGate, TheLightSpreadTakesTheSlowEndFromTheKernelsP90Time) {
    // 80% of light at a median of 1 ms; p10 0.8 ms is faster, p90 1.25 ms slower.
    const auto s = light_spread(80, 1.0, 0.8, 1.25, 30);
    EXPECT_DOUBLE_EQ(s.slow, 64.0);    // 80 * 1 / 1.25
    EXPECT_DOUBLE_EQ(s.median, 80.0);
    EXPECT_DOUBLE_EQ(s.fast, 100.0);   // 80 * 1 / 0.8
    EXPECT_EQ(s.samples, 30);
    const auto bare = light_spread(50, 1.0, 0, 0, 3);
    EXPECT_DOUBLE_EQ(bare.slow, 50.0);
    EXPECT_DOUBLE_EQ(bare.fast, 50.0);
}

TEST(SpeedGate, PoolingAveragesEachPercentileWeightedByRounds) {
    const auto one = pool({{0.5, 0.6, 0.7, 100}});
    EXPECT_DOUBLE_EQ(one.slow, 0.5);
    EXPECT_DOUBLE_EQ(one.fast, 0.7);
    EXPECT_EQ(one.samples, 100);
    // A timing of 300 rounds weighs three times one of 100.
    const auto p = pool({{0.4, 0.5, 0.6, 100}, {0.8, 0.9, 1.0, 300}});
    EXPECT_DOUBLE_EQ(p.slow, 0.7);
    EXPECT_DOUBLE_EQ(p.median, 0.8);
    EXPECT_DOUBLE_EQ(p.fast, 0.9);
    EXPECT_EQ(p.samples, 400);
    // Without sample counts every timing weighs the same.
    const auto eq = pool({{0.4, 0.5, 0.6, 0}, {0.8, 0.9, 1.0, 0}});
    EXPECT_DOUBLE_EQ(eq.median, 0.7);
    EXPECT_EQ(pool({}).samples, 0);
}

TEST(SpeedGate, OneDisturbedTimingIsOutweighedWhenPooled) {
    // The first timing was hit by a clock drop and straddles 0.6; two clean re-timings do not.
    std::vector<Spread> timings = {{0.45, 0.58, 0.75, 100}};
    EXPECT_EQ(decide_gate(pool(timings), 0.6, 1).call, GateCall::Undecided);
    timings.push_back({0.66, 0.70, 0.74, 100});
    timings.push_back({0.67, 0.71, 0.75, 100});
    const auto d = decide_gate(pool(timings), 0.6, 3);
    EXPECT_EQ(d.call, GateCall::Pass);  // pooled p10 (0.45 + 0.66 + 0.67) / 3 = 0.593 < 0.6 ...
    EXPECT_TRUE(d.by_median);           // ... so the median (0.663) decides
}

// ---- words ------------------------------------------------------------------------------------

TEST(SpeedGate, TargetAndSpreadTexts) {
    EXPECT_EQ(target_text(GateKind::VsVendor, 0.5), "at least 0.50x the vendor's speed");
    EXPECT_EQ(target_text(GateKind::VsSolution, 0.9), "at least 0.90x the reference solution's speed");
    EXPECT_STREQ(gate_name(GateKind::VsSolution), "vs_solution");
    EXPECT_EQ(target_text(GateKind::OfLight, 0.8), "at least 80% of the speed of light");
    EXPECT_EQ(target_text(GateKind::OfLight, 0.825), "at least 82.5% of the speed of light");
    EXPECT_EQ(spread_text(GateKind::VsVendor, {0.20, 0.21, 0.22, 412}, 2),
              "0.21x the vendor's speed (p10 0.20x, median 0.21x, p90 0.22x; 2 timings, 412 rounds)");
    EXPECT_EQ(spread_text(GateKind::OfLight, {61.04, 63.5, 64.0, 1}, 1),
              "63.5% of the speed of light (p10 61.0%, median 63.5%, p90 64.0%; 1 timing, 1 round)");
}

// sm_90 (H100/H200): 2048 threads, 32 blocks, 64 Ki registers, 228 KiB shared per SM.
SmLimits h100() {
    SmLimits sm;
    sm.shared_per_sm = 228 * 1024;
    sm.reserved_shared_per_block = 1024;
    return sm;
}

// A memory-bound vector add of 2^26 elements on 132 SMs, at 25% of a 3000 GB/s copy.
SlowKernel vector_add(int threads_per_block, long long blocks, int registers = 16) {
    SlowKernel k;
    k.compute_bound = false;
    k.percent_of_light = 25;
    k.rate = 750;
    k.light_name = "a 1024 MiB device-to-device copy (3000 GB/s)";
    k.min_bytes = 12.0 * 67108864;
    k.blocks = blocks;
    k.threads_per_block = threads_per_block;
    k.sm_count = 132;
    k.registers = registers;
    k.use = {registers, 0, 0, threads_per_block};
    k.occupancy = theoretical_occupancy(h100(), k.use);
    return k;
}

TEST(SpeedGate, TheFirstReasonIsTheRegimeWithTheBytesACopyMoves) {
    const auto r = slow_reasons(vector_add(256, 262144));
    ASSERT_FALSE(r.empty());
    EXPECT_EQ(r[0], "it moves the minimum 805 MB at 750 GB/s, 25.0% of a 1024 MiB device-to-device copy (3000 GB/s): in its "
                    "time the memory could move 4.0x those bytes, so it moves more than it must (accesses that "
                    "neighbouring threads do not share, bytes read twice) or keeps too few loads in flight");
}

TEST(SpeedGate, ARightLookingLaunchPointsAtTheAccessPattern) {
    const auto r = slow_reasons(vector_add(256, 262144));
    ASSERT_EQ(r.size(), 2u);
    EXPECT_TRUE(has(r[1], "the launch and the resources look right")) << r[1];
    EXPECT_TRUE(has(r[1], "coalesced")) << r[1];
}

TEST(SpeedGate, OneThreadPerBlockIsTheIdleLanes) {
    const auto r = slow_reasons(vector_add(1, 67108864));
    ASSERT_EQ(r.size(), 2u) << r.back();
    EXPECT_EQ(r[1], "blocks of 1 thread use 1 of a warp's 32 lanes, so 31 of every 32 lanes sit idle: make a block "
                    "a multiple of 32 threads (128 or 256 is a good start)");
    // A block that is not a multiple of 32 wastes the rest of its last warp.
    const auto odd = slow_reasons(vector_add(100, 671089));
    ASSERT_GE(odd.size(), 2u);
    EXPECT_EQ(odd[1], "blocks of 100 threads leave 28 lanes of their last warp idle: a multiple of 32 threads fills "
                      "every warp");
}

TEST(SpeedGate, AGridSmallerThanTheGpuIsNamed) {
    const auto r = slow_reasons(vector_add(256, 16));
    ASSERT_EQ(r.size(), 2u);
    EXPECT_TRUE(has(r[1], "the grid has 16 blocks for 132 SMs, so 116 SMs get no work")) << r[1];
    // 200 blocks cover every SM, but 8 blocks of 256 threads fit on each: 200 of 1056 at once.
    const auto wave = slow_reasons(vector_add(256, 200));
    ASSERT_EQ(wave.size(), 2u);
    EXPECT_TRUE(has(wave[1], "the grid's 200 blocks of 256 threads are 19% of the 1056 blocks the GPU holds at once "
                             "(132 SMs x 8)"))
        << wave[1];
    // A full wave says nothing about the grid.
    EXPECT_FALSE(has(slow_reasons(vector_add(256, 1056))[1], "grid")) << slow_reasons(vector_add(256, 1056))[1];
}

TEST(SpeedGate, LowOccupancyNamesItsLimiter) {
    // 128 registers/thread: 2 blocks of 256 threads per SM, 16 of 64 warps.
    const auto r = slow_reasons(vector_add(256, 262144, 128));
    ASSERT_EQ(r.size(), 2u);
    EXPECT_TRUE(has(r[1], "occupancy 25%")) << r[1];
    EXPECT_TRUE(has(r[1], "limited by registers")) << r[1];
}

TEST(SpeedGate, LocalMemoryIsNamed) {
    auto k = vector_add(256, 262144, 40);
    k.local_bytes = 48;
    const auto r = slow_reasons(k);
    ASSERT_EQ(r.size(), 2u);
    EXPECT_TRUE(has(r[1], "48 B of local memory per thread (40 registers/thread)")) << r[1];
}

TEST(SpeedGate, AComputeBoundKernelIsToldInFlops) {
    SlowKernel k;
    k.compute_bound = true;
    k.percent_of_light = 12.5;
    k.rate = 6.25;
    k.light_name = "the fp32 cuBLAS GEMM (50.0 TFLOP/s, TF32 off)";
    k.blocks = 16384;
    k.threads_per_block = 256;
    k.sm_count = 132;
    k.use = {32, 8192, 0, 256};
    k.occupancy = theoretical_occupancy(h100(), k.use);
    const auto r = slow_reasons(k);
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0], "it computes at 6.25 TFLOP/s, 12.5% of the fp32 cuBLAS GEMM (50.0 TFLOP/s, TF32 off): the "
                    "arithmetic units wait most of the time");
    EXPECT_TRUE(has(r[1], "shared memory and registers")) << r[1];
}

TEST(SpeedGate, TheTooSlowSummarySaysTheSpreadTheTargetAndTheReasons) {
    EXPECT_EQ(too_slow_summary(GateKind::VsVendor, 0.5, {0.011, 0.012, 0.013, 40}, 1, {"first", "second"}),
              "too slow: 0.012x the vendor's speed (p10 0.011x, median 0.012x, p90 0.013x; 1 timing, 40 rounds); the "
              "module asks for at least 0.50x the vendor's speed. What limits it: first; second");
    EXPECT_EQ(too_slow_summary(GateKind::OfLight, 0.8, {70, 72, 74, 90}, 3, {}),
              "too slow: 72.0% of the speed of light (p10 70.0%, median 72.0%, p90 74.0%; 3 timings, 90 rounds); "
              "the module asks for at least 80% of the speed of light");
}

TEST(SpeedGate, InfoShowsAModulesGate) {
    test::TempDir dir;
    test::copy_course(test::fixture_course(), dir.path());
    auto text = test::run_cli({"--course", dir.path().string(), "info", "fixtures/09"});
    EXPECT_EQ(text.exit_code, 0) << text.err;
    EXPECT_TRUE(has(text.out, "  to pass, also: at least 0.50x the vendor's speed, on the timed case\n")) << text.out;
    auto j = test::run_cli({"--course", dir.path().string(), "--json", "info", "fixtures/09"});
    EXPECT_EQ(j.json().at("pass"), json({{"vs_vendor", 0.5}}));
    EXPECT_FALSE(test::run_cli({"--course", dir.path().string(), "--json", "info", "fixtures/01"}).json().contains("pass"));
}

// ---- the grader's hook, with a script for a worker (no GPU) -------------------------------------
//
// The fixture module fixtures/09 (vector add, timed case 'large', "pass": {"vs_vendor": 0.5}) is
// compiled for real; its workers are a shell script that answers the probe, refuses to
// calibrate, and answers the n-th grading request with the events of grade-n.jsonl, keeping
// the request as request-n.json (and then hangs, when there is a file sleep-n).

class GateGrader : public ::testing::Test {
protected:
    void SetUp() override {
        test::copy_course(test::fixture_course(), dir.path());
        wire::Device d;
        d.name = "Fake GPU";
        d.sm = compile::supported_archs().front();
        d.sm_count = 132;
        d.uuid = "GPU-fake";
        d.peak_gbps = 4800;
        d.peak_fp32_tflops = 60;
        d.max_threads_per_sm = 2048;
        d.max_blocks_per_sm = 32;
        d.regs_per_sm = 65536;
        d.shared_per_sm = 228 * 1024;
        device = d;
        json probe = d;
        probe["event"] = "device";
        test::write_text(dir.path() / "probe.jsonl", probe.dump() + "\n");
        const fs::path w = dir.path() / "worker.sh";
        const std::string at = dir.path().string();
        test::write_text(w, "#!/bin/sh\nreq=$(cat)\ncase \"$req\" in\n"
                            "  *'\"op\":\"probe\"'*) cat '" + at + "/probe.jsonl' >&3; exit 0;;\n"
                            "  *'\"op\":\"calibrate\"'*) echo '{\"event\":\"error\",\"kind\":\"internal\","
                            "\"message\":\"not in this test\"}' >&3; exit 0;;\nesac\n"
                            "n=$(( $(ls '" + at + "' | grep -c '^request-') + 1 ))\n"
                            "printf '%s' \"$req\" > '" + at + "/request-'$n.json\n"
                            "cat '" + at + "/grade-'$n.jsonl >&3\n"
                            "[ -f '" + at + "/sleep-'$n ] && sleep 30\n"
                            "exit 0\n");
        fs::permissions(w, fs::perms::owner_all);
        options.fresh_probe = true;
        options.memcheck = false;
        options.racecheck = false;
        options.worker_exe = w;
    }

    // The events of one grading worker: every named case passed, then one timing.
    void answer(int n, const std::vector<std::string>& cases, std::optional<wire::Timing> t,
                const std::string& wrong_case = "") {
        json dev = device;
        dev["event"] = "device";
        std::string lines = dev.dump() + "\n";
        lines += json{{"event", "kernel"}, {"registers", 16}, {"max_threads", 1024}, {"static_shared", 0},
                      {"local_bytes", 0}}.dump() + "\n";
        for (const auto& name : cases) {
            wire::CaseResult c;
            c.name = name;
            c.verdict = name == wrong_case ? "WRONG" : "PASSED";
            if (name == wrong_case) c.message = "the last element was never written";
            c.launch.grid = {131072, 1, 1};
            c.launch.block = {256, 1, 1};
            json j = c;
            j["event"] = "case";
            lines += j.dump() + "\n";
        }
        if (t) {
            json j = *t;
            j["event"] = "timing";
            lines += j.dump() + "\n";
        }
        lines += "{\"event\":\"done\"}\n";
        test::write_text(dir.path() / ("grade-" + std::to_string(n) + ".jsonl"), lines);
    }

    // A timing of the 'large' case (2^25 elements, 403 MB): the kernel at `ms`, the vendor at
    // 0.1 ms, the per-round ratio between p10 and p90.
    static wire::Timing timing(double ms, double ratio_p10, double ratio_p90, int samples = 100) {
        wire::Timing t;
        t.case_name = "large";
        t.kernel_ms = t.kernel_p10 = t.kernel_p90 = ms;
        t.vendor_ms = t.vendor_p10 = t.vendor_p90 = 0.1;
        t.copy_ms = 0.1;
        t.samples = samples;
        t.ratio_p10 = ratio_p10;
        t.ratio_p90 = ratio_p90;
        t.method = "single launches";
        return t;
    }

    engine::Grade grade() {
        auto loaded = course::load_course(dir.path());
        EXPECT_TRUE(loaded) << loaded.error().message;
        course = std::move(*loaded);
        auto m = course.resolve("fixtures/09");
        EXPECT_TRUE(m) << m.error().message;
        module = *m;
        engine::Grader grader(course, options);
        auto g = grader.grade(*module, module->kernel_path());
        EXPECT_TRUE(g) << g.error().message;
        return g ? *g : engine::Grade{};
    }

    int requests() const {
        int n = 0;
        for (const auto& e : fs::directory_iterator(dir.path()))
            n += e.path().filename().string().rfind("request-", 0) == 0;
        return n;
    }

    test::TempDir dir;
    wire::Device device;
    engine::Options options;
    course::Course course;
    const course::Module* module = nullptr;
    const std::vector<std::string> all = {"one", "odd", "large"};
};

TEST_F(GateGrader, AClearlyFastKernelPassesWithOneTiming) {
    answer(1, all, timing(0.1, 0.95, 1.05));
    const auto g = grade();
    EXPECT_EQ(g.verdict, Verdict::Passed) << g.summary;
    EXPECT_TRUE(g.clears(module->manifest));
    ASSERT_EQ(g.gates.size(), 1u);
    EXPECT_EQ(g.gates.back().decision.call, GateCall::Pass);
    EXPECT_EQ(g.gates.back().each.size(), 1u);
    EXPECT_EQ(requests(), 1);
    EXPECT_TRUE(has(g.summary, "all 3 cases match float64 truth; fast enough: 1.00x the vendor's speed (p10 0.95x, "
                               "median 1.00x, p90 1.05x; 1 timing, 100 rounds), for at least 0.50x the vendor's speed"))
        << g.summary;
}

TEST_F(GateGrader, AClearlySlowKernelIsTooSlowAndToldWhy) {
    answer(1, all, timing(6.0, 0.0160, 0.0175, 40));
    const auto g = grade();
    EXPECT_EQ(g.verdict, Verdict::TooSlow) << g.summary;
    EXPECT_EQ(requests(), 1);
    ASSERT_EQ(g.gates.size(), 1u);
    EXPECT_FALSE(g.gates.back().decision.by_median);
    EXPECT_EQ(g.summary.rfind("too slow: 0.017x the vendor's speed (p10 0.016x, median 0.017x, p90 0.018x; 1 timing, "
                              "40 rounds); the module asks for at least 0.50x the vendor's speed. What limits it: it "
                              "moves the minimum 403 MB at 67 GB/s, 1.4% of the DRAM peak (4800 GB/s)",
                              0),
              0u)
        << g.summary;
    ASSERT_FALSE(g.gates.back().reasons.empty());
    EXPECT_EQ(g.gates.back().reasons.size(), 2u);  // the fixture kernel's launch looks right: the access pattern
    EXPECT_TRUE(has(g.summary, "coalesced")) << g.summary;
    EXPECT_TRUE(has(g.notes.empty() ? "" : g.notes.front(), "speed of light could not be measured"));
}

TEST_F(GateGrader, TooSlowIsAFailureShownInTextAndJson) {
    answer(1, all, timing(6.0, 0.0160, 0.0175, 40));
    const auto g = grade();
    ASSERT_EQ(g.verdict, Verdict::TooSlow) << g.summary;
    EXPECT_TRUE(is_failure(g.verdict));  // exit code 1; progress records a failed attempt
    const std::string text = report::grade_text(g, *module, report::Style{});
    EXPECT_TRUE(has(text, "  speed gate: at least 0.50x the vendor's speed; measured 0.017x the vendor's speed (p10 "
                          "0.016x, median 0.017x, p90 0.018x; 1 timing, 40 rounds): too slow\n  what limits it:\n    - "
                          "it moves the minimum 403 MB"))
        << text;
    EXPECT_TRUE(has(text, "TOO_SLOW  too slow: 0.017x")) << text;
    const json j = report::grade_json(g);
    EXPECT_EQ(j.at("verdict"), "TOO_SLOW");
    EXPECT_EQ(j.at("summary"), g.summary);
    const json& gate = j.at("gate");
    EXPECT_EQ(gate.at("kind"), "vs_vendor");
    EXPECT_DOUBLE_EQ(gate.at("target").get<double>(), 0.5);
    EXPECT_FALSE(gate.at("passed").get<bool>());
    EXPECT_FALSE(gate.at("by_median").get<bool>());
    EXPECT_DOUBLE_EQ(gate.at("spread").at("p10").get<double>(), 0.016);
    EXPECT_EQ(gate.at("spread").at("samples"), 40);
    EXPECT_EQ(gate.at("timings").size(), 1u);
    EXPECT_EQ(gate.at("reasons").size(), 2u);
    // A kernel that passes its gate says so, in green words.
    answer(2, all, timing(0.1, 0.95, 1.05));
    const auto fast = grade();
    ASSERT_EQ(fast.verdict, Verdict::Passed) << fast.summary;
    EXPECT_TRUE(has(report::grade_text(fast, *module, report::Style{}), "p90 1.05x; 1 timing, 100 rounds): fast enough\n"));
    EXPECT_TRUE(report::grade_json(fast).at("gate").at("passed").get<bool>());
}

TEST_F(GateGrader, NoiseAcrossTheTargetIsTimedAgainOnTheTimedCaseAloneThenTheMedianDecides) {
    answer(1, all, timing(0.2, 0.40, 0.60));  // median 0.5x: straddles 0.5
    answer(2, {"large"}, timing(0.21, 0.40, 0.58));
    answer(3, {"large"}, timing(0.22, 0.38, 0.56));
    const auto g = grade();
    EXPECT_EQ(requests(), 3);
    for (int n : {2, 3}) {
        const json req = json::parse(test::read_text(dir.path() / ("request-" + std::to_string(n) + ".json")));
        EXPECT_EQ(req.at("op"), "grade");
        ASSERT_EQ(req.at("cases").size(), 1u) << req.dump();
        EXPECT_EQ(req.at("cases")[0].at("name"), "large");
        EXPECT_TRUE(req.at("cases")[0].at("timed").get<bool>());
    }
    ASSERT_EQ(g.gates.size(), 1u);
    EXPECT_EQ(g.gates.back().each.size(), 3u);
    EXPECT_TRUE(g.gates.back().decision.by_median);
    // Pooled median (0.5 + 0.476 + 0.455) / 3 = 0.477 < 0.5.
    EXPECT_EQ(g.verdict, Verdict::TooSlow) << g.summary;
    EXPECT_TRUE(has(g.summary, "(p10 0.39x, median 0.48x, p90 0.58x; 3 timings, 300 rounds)")) << g.summary;
}

TEST_F(GateGrader, ARetimingThatClearsTheTargetStopsEarly) {
    answer(1, all, timing(0.19, 0.45, 0.60));
    answer(2, {"large"}, timing(0.1, 0.90, 1.00, 300));  // pooled p10 (45 + 270) / 400 = 0.79
    const auto g = grade();
    EXPECT_EQ(requests(), 2);
    EXPECT_EQ(g.verdict, Verdict::Passed) << g.summary;
    ASSERT_EQ(g.gates.size(), 1u);
    EXPECT_FALSE(g.gates.back().decision.by_median);
    EXPECT_TRUE(has(g.summary, "2 timings, 400 rounds")) << g.summary;
}

TEST_F(GateGrader, ARetimingThatIsWrongMakesTheGradeWrong) {
    answer(1, all, timing(0.2, 0.40, 0.60));
    answer(2, {"large"}, std::nullopt, "large");
    const auto g = grade();
    EXPECT_EQ(g.verdict, Verdict::Wrong) << g.summary;
    EXPECT_TRUE(g.gates.empty());
    EXPECT_TRUE(has(g.summary, "a re-timing for the speed gate: case 'large' (n=33554432): the last element was never "
                               "written"))
        << g.summary;
}

TEST_F(GateGrader, ARetimingWithoutATimingLeavesTheMedianToDecideAndSaysWhy) {
    answer(1, all, timing(0.19, 0.45, 0.60));  // median 0.53x: straddles 0.5
    answer(2, {"large"}, std::nullopt);
    std::string lines = test::read_text(dir.path() / "grade-2.jsonl");
    lines.insert(lines.rfind("{\"event\":\"done\"}"), "{\"event\":\"error\",\"kind\":\"internal\",\"message\":"
                                                       "\"cuBLAS failed\"}\n");
    test::write_text(dir.path() / "grade-2.jsonl", lines);
    const auto g = grade();
    EXPECT_EQ(requests(), 2);
    EXPECT_EQ(g.verdict, Verdict::Passed) << g.summary;
    ASSERT_EQ(g.gates.size(), 1u);
    EXPECT_EQ(g.gates.back().each.size(), 1u);
    EXPECT_TRUE(g.gates.back().decision.by_median);
    bool noted = false;
    for (const auto& n : g.notes) noted = noted || n == "a re-timing for the speed gate gave no timing: cuBLAS failed";
    EXPECT_TRUE(noted);
}

TEST_F(GateGrader, ARetimingThatHangsIsTimedOut) {
    options.timeout_s = 2;
    answer(1, all, timing(0.2, 0.40, 0.60));
    answer(2, {"large"}, std::nullopt);
    test::write_text(dir.path() / "sleep-2", "");
    test::write_text(dir.path() / "grade-2.jsonl", "");  // nothing said before it hangs
    const auto g = grade();
    EXPECT_EQ(g.verdict, Verdict::TimedOut) << g.summary;
    EXPECT_TRUE(has(g.summary, "a re-timing for the speed gate: the kernel did not finish within 2 s")) << g.summary;
    EXPECT_TRUE(g.gates.empty());
}

TEST_F(GateGrader, ARetimingThatCrashesIsCrashed) {
    answer(1, all, timing(0.2, 0.40, 0.60));
    test::write_text(dir.path() / "grade-2.jsonl", "{\"event\":\"error\",\"kind\":\"crashed\",\"message\":"
                                                    "\"an illegal memory access was encountered\"}\n");
    const auto g = grade();
    EXPECT_EQ(g.verdict, Verdict::Crashed) << g.summary;
    EXPECT_EQ(g.summary, "a re-timing for the speed gate: an illegal memory access was encountered");
}

TEST_F(GateGrader, AWrongKernelIsWrongWhateverItsSpeed) {
    answer(1, all, std::nullopt, "one");
    const auto g = grade();
    EXPECT_EQ(g.verdict, Verdict::Wrong) << g.summary;
    EXPECT_TRUE(g.gates.empty());
    EXPECT_EQ(requests(), 1);
}

TEST_F(GateGrader, WithoutTimingTheGateIsNotCheckedAndSaysSo) {
    options.timing = false;
    answer(1, all, std::nullopt);
    const auto g = grade();
    EXPECT_EQ(g.verdict, Verdict::Passed) << g.summary;
    EXPECT_TRUE(g.gates.empty());
    EXPECT_FALSE(g.clears(module->manifest));  // right, but not passed: progress does not record a pass
    bool noted = false;
    for (const auto& n : g.notes) noted = noted || has(n, "this module asks for at least 0.50x the vendor's speed; "
                                                         "not timed, so that was not checked");
    EXPECT_TRUE(noted);
}


// ---- vs_variant: the kernel against itself built with other -D values --------------------------
//
// The fixture's module.json asks for 4x its own 16-block build; its kernel.cu reads BLOCKS. The
// grade's own timing is against the vendor; the gate's timings are against the variant, each a
// worker of its own (request 2 onwards) told to time against the variant's cubin.

class VariantGate : public GateGrader {
protected:
    void SetUp() override {
        GateGrader::SetUp();
        const fs::path m = dir.path() / "tracks/fixtures/module-09-speed-gate";
        std::string manifest = test::read_text(m / "module.json");
        const std::string from = R"("pass": {"vs_vendor": 0.5})";
        manifest.replace(manifest.find(from), from.size(), R"("pass": {"vs_variant": {"defines": {"BLOCKS": 16}, "at_least": 4}})");
        test::write_text(m / "module.json", manifest);
        test::write_text(m / "kernel.cu", kernel(""));
    }
    // The fixture's kernel, grid-strided over BLOCKS blocks; `extra` goes after the macro's default.
    static std::string kernel(const std::string& extra) {
        return "#include \"kernelcoach.h\"\n" + extra +
               "#ifndef BLOCKS\n#define BLOCKS 528\n#endif\n"
               "extern \"C\" __global__ void vector_add(const float* a, const float* b, float* out, int n) {\n"
               "    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)\n"
               "        out[i] = a[i] + b[i];\n}\n"
               "constexpr Launch launch(Problem p) { return Launch{.grid = {BLOCKS}, .block = {256}}; }\n";
    }
    // The kernel at 0.1 ms against a variant at 1 ms: 10x, round by round between 9x and 11x.
    static wire::Timing ten_times() {
        wire::Timing t = timing(0.1, 9.0, 11.0);
        t.vendor_ms = t.vendor_p10 = t.vendor_p90 = 1.0;
        return t;
    }
    json request(int n) const { return json::parse(test::read_text(dir.path() / ("request-" + std::to_string(n) + ".json"))); }
};

TEST_F(VariantGate, TimesTheKernelAgainstItsOwnVariant) {
    answer(1, all, timing(0.1, 0.95, 1.05));  // against the vendor: shown, not gated
    answer(2, {"large"}, ten_times());        // against the 16-block build
    const auto g = grade();
    EXPECT_EQ(g.verdict, Verdict::Passed) << g.summary;
    ASSERT_EQ(requests(), 2);
    const json first = request(1), second = request(2);
    EXPECT_FALSE(first.value("versus_reference", false));
    EXPECT_TRUE(second.at("versus_reference").get<bool>());
    const std::string variant = second.at("reference_cubin");
    EXPECT_FALSE(variant.empty());
    EXPECT_NE(variant, second.at("cubin_path").get<std::string>());  // another build of the same file
    EXPECT_EQ(second.at("cases").size(), 1u);
    EXPECT_EQ(second.at("cases")[0].at("reference_launches")[0].at("grid")[0], 16);  // BLOCKS=16's launch
    ASSERT_EQ(g.gates.size(), 1u);
    EXPECT_EQ(g.gates.back().kind, grade::GateKind::VsVariant);
    EXPECT_EQ(g.gates.back().variant, "BLOCKS=16");
    EXPECT_TRUE(has(g.summary, "fast enough: 10.00x the speed of your own kernel built with BLOCKS=16 (p10 9.00x, "
                               "median 10.00x, p90 11.00x; 1 timing, 100 rounds), for at least 4.00x the speed of "
                               "your own kernel built with BLOCKS=16"))
        << g.summary;
}

TEST_F(VariantGate, AKernelThatIgnoresTheMacroIsTooSlow) {
    answer(1, all, timing(0.1, 0.95, 1.05));
    answer(2, {"large"}, timing(0.1, 0.95, 1.05));  // the same kernel: 1x
    const auto g = grade();
    EXPECT_EQ(g.verdict, Verdict::TooSlow) << g.summary;
    EXPECT_EQ(g.summary.rfind("too slow: 1.00x the speed of your own kernel built with BLOCKS=16", 0), 0u) << g.summary;
    EXPECT_TRUE(has(g.summary, "the module asks for at least 4.00x the speed of your own kernel built with BLOCKS=16"))
        << g.summary;
    EXPECT_TRUE(has(g.summary, "What limits it: built with BLOCKS=16 your kernel runs as fast as it does as it is"))
        << g.summary;
}

TEST(SpeedGate, AVariantGateSaysWhatItsRatioMeans) {
    EXPECT_EQ(variant_reason({0.98, 1.0, 1.02, 100}, "BLOCKS=16"),
              "built with BLOCKS=16 your kernel runs as fast as it does as it is: the technique the gate measures is "
              "not there yet, or the file does not use BLOCKS where it matters (the variant overrides the `#ifndef` "
              "default)");
    EXPECT_TRUE(has(variant_reason({0.98, 1.0, 1.02, 100}, "STAGES=1, SWIZZLE=off"), "does not use STAGES and SWIZZLE"));
    EXPECT_EQ(variant_reason({0.5, 0.6, 0.7, 100}, "STAGES=1").rfind("built with STAGES=1 your kernel runs faster", 0), 0u);
    EXPECT_EQ(variant_reason({1.8, 2.0, 2.2, 100}, "STAGES=1"), "");  // faster, just not by enough
}

TEST_F(VariantGate, AVariantThatDoesNotCompileIsACompileError) {
    test::write_text(dir.path() / "tracks/fixtures/module-09-speed-gate/kernel.cu",
                     kernel("#ifdef BLOCKS\n#error \"not built for a fixed BLOCKS\"\n#endif\n"));
    answer(1, all, timing(0.1, 0.95, 1.05));
    const auto g = grade();
    EXPECT_EQ(g.verdict, Verdict::CompileError) << g.summary;
    EXPECT_EQ(requests(), 1);
    EXPECT_TRUE(has(g.summary, "this module's speed gate times your kernel against itself built with BLOCKS=16, and "
                               "built that way it"))
        << g.summary;
    EXPECT_FALSE(g.diagnostics.empty());
}

TEST_F(VariantGate, AWrongVariantMakesTheGradeWrong) {
    answer(1, all, timing(0.1, 0.95, 1.05));
    answer(2, {"large"}, ten_times());
    // The variant's output, as the worker checks it against the truth: one element never written.
    std::string lines = test::read_text(dir.path() / "grade-2.jsonl");
    const std::string c = R"("verdict":"PASSED")";
    wire::Check vendor;
    vendor.tensor = "out";
    vendor.comparison.count = 33554432;
    vendor.comparison.mismatches = 1;
    lines.insert(lines.find(c), "\"vendor\":" + json(vendor).dump() + ",");
    test::write_text(dir.path() / "grade-2.jsonl", lines);
    const auto g = grade();
    EXPECT_EQ(g.verdict, Verdict::Wrong) << g.summary;
    EXPECT_EQ(g.summary, "a timing against your kernel built with BLOCKS=16: built that way your kernel is wrong: case "
                         "'large' (n=33554432): 1 of 33554432 elements are wrong");
}

// ---- several targets: every one must be cleared -------------------------------------------------

class TwoGates : public VariantGate {
protected:
    void SetUp() override {
        VariantGate::SetUp();
        const fs::path m = dir.path() / "tracks/fixtures/module-09-speed-gate/module.json";
        std::string manifest = test::read_text(m);
        const std::string from = R"("pass": {"vs_variant")";
        manifest.replace(manifest.find(from), from.size(), R"("pass": {"vs_vendor": 0.5, "vs_variant")");
        test::write_text(m, manifest);
    }
};

TEST_F(TwoGates, BothClearedPassSayingBoth) {
    answer(1, all, timing(0.1, 0.95, 1.05));  // 1x the vendor
    answer(2, {"large"}, ten_times());        // 10x the variant
    const auto g = grade();
    EXPECT_EQ(g.verdict, Verdict::Passed) << g.summary;
    ASSERT_EQ(g.gates.size(), 2u);
    EXPECT_EQ(g.gates[0].kind, grade::GateKind::VsVendor);
    EXPECT_EQ(g.gates[1].kind, grade::GateKind::VsVariant);
    EXPECT_TRUE(has(g.summary, "for at least 0.50x the vendor's speed; fast enough: 10.00x the speed of your own kernel"))
        << g.summary;
    const std::string text = report::gate_text(g, report::Style{});
    EXPECT_TRUE(has(text, "speed gate: at least 0.50x the vendor's speed;")) << text;
    EXPECT_TRUE(has(text, "speed gate: at least 4.00x the speed of your own kernel built with BLOCKS=16;")) << text;
}

TEST_F(TwoGates, TheFirstMissedDecidesAndTheRestAreNotTimed) {
    answer(1, all, timing(6.0, 0.0160, 0.0175, 40));  // far below 0.5x the vendor
    const auto g = grade();
    EXPECT_EQ(g.verdict, Verdict::TooSlow) << g.summary;
    EXPECT_EQ(requests(), 1);  // the variant is neither built into a request nor timed
    ASSERT_EQ(g.gates.size(), 1u);
    EXPECT_EQ(g.summary.rfind("too slow: 0.017x the vendor's speed", 0), 0u) << g.summary;
}

TEST_F(TwoGates, ClearingTheVendorIsNotEnough) {
    answer(1, all, timing(0.1, 0.95, 1.05));
    answer(2, {"large"}, timing(0.1, 0.95, 1.05));  // 1x its own variant
    const auto g = grade();
    EXPECT_EQ(g.verdict, Verdict::TooSlow) << g.summary;
    ASSERT_EQ(g.gates.size(), 2u);
    EXPECT_EQ(g.gates[0].decision.call, GateCall::Pass);
    EXPECT_EQ(g.gates[1].decision.call, GateCall::TooSlow);
    EXPECT_EQ(g.summary.rfind("too slow: 1.00x the speed of your own kernel built with BLOCKS=16", 0), 0u) << g.summary;
}

}  // namespace
}  // namespace kc::grade
