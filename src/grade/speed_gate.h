// Speed gates (module.json "pass"): whether a correct kernel is fast enough for its module,
// decided from the spread of its timing so that noise cannot flip the verdict, and, when it is
// not fast enough, what limits it, in words a learner can act on. Pure: tested on the CPU
// (tests/test_speed_gate.cpp); the grader (engine/grader.cpp) feeds it the worker's timings.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "grade/occupancy.h"

namespace kc::grade {

// What a gate compares with: the vendor's speed (vendor time / kernel time, per round), the
// module's reference solution's (an exercise without a vendor), a variant of the learner's own
// kernel (the same file built with other -D values: "1.25x your own STAGES=1 version"), or the
// speed of light of the size's regime (percent of the copy bandwidth or of the fp32 GEMM rate).
enum class GateKind { VsVendor, VsSolution, VsVariant, OfLight };
// "vs_vendor", "vs_solution", "vs_variant", "of_light": the names module.json and --json use.
const char* gate_name(GateKind kind);

// A speed measure over the timed rounds of one timing (or several, pooled), in a unit where
// higher is faster: the vendor/kernel ratio for VsVendor, the percent of light for OfLight.
//
//   slow    the 10th percentile: 9 rounds in 10 were at least this fast (the pessimistic end)
//   median  the middle round
//   fast    the 90th percentile: 1 round in 10 was at least this fast (the optimistic end)
//
// The spread is [slow, fast], the central 80% of the rounds. Noise that moves single rounds
// (clock steps, other work on the GPU, the L2 flush's variation) widens it; a kernel whose
// spread lies wholly on one side of the target is on that side whatever the noise did.
struct Spread {
    double slow = 0, median = 0, fast = 0;
    int samples = 0;  // rounds behind it
};

// VsVendor: the worker's per-round ratio percentiles (ratio_p10, ratio_p90) and the ratio of the
// medians (vendor_ms / kernel_ms). A missing spread (p90 <= 0) leaves only the median.
Spread ratio_spread(double ratio_p10, double ratio_median, double ratio_p90, int samples);

// OfLight: the percent of light at the median time and the kernel time's own percentiles. The
// percent is inversely proportional to the time, so the slow end comes from the kernel's p90
// time and the fast end from its p10: slow = percent * kernel_ms / kernel_p90.
Spread light_spread(double percent_at_median, double kernel_ms, double kernel_p10, double kernel_p90,
                    int samples);

// Several timings of one kernel as one spread: each percentile is the mean of the timings'
// percentiles, weighted by their rounds (quantile averaging). For timings of the same
// distribution it estimates that distribution's percentiles with less noise; a timing
// disturbed by a clock change moves the pooled spread only by its share of the rounds.
Spread pool(const std::vector<Spread>& timings);

enum class GateCall { Pass, TooSlow, Undecided };

// The first timing and at most two more.
inline constexpr int kGateTimings = 3;

struct GateDecision {
    GateCall call = GateCall::Undecided;
    bool by_median = false;  // the spread straddled the target after the last timing allowed
};

// The decision on `s` (pooled over `timings` timings) against `target`, in the spread's unit:
//
//   Pass       s.slow >= target: even the slow end reaches the target (exactly at it passes);
//   TooSlow    s.fast <  target: even the fast end misses it;
//   Undecided  otherwise, while timings < max_timings: time again and pool;
//   then       s.median >= target passes, else TooSlow (by_median).
GateDecision decide_gate(const Spread& s, double target, int timings, int max_timings = kGateTimings);

// The target in the spread's unit: VsVendor's 0.6 is a ratio of 0.6, OfLight's 0.8 is 80%.
double gate_threshold(GateKind kind, double target);

// "at least 0.50x the vendor's speed", "at least 80% of the speed of light", "at least 1.25x the
// speed of your own kernel built with STAGES=1" (`variant` names a VsVariant's defines).
std::string target_text(GateKind kind, double target, const std::string& variant = "");

// "0.21x the vendor's speed (p10 0.20x, median 0.21x, p90 0.22x; 2 timings, 412 rounds)"
std::string spread_text(GateKind kind, const Spread& s, int timings, const std::string& variant = "");

// What the grade knows about a kernel that is correct but too slow.
struct SlowKernel {
    // The timed case's speed, in its regime.
    bool compute_bound = false;
    double percent_of_light = 0;  // of `light`
    double rate = 0;              // the kernel's GB/s (memory-bound) or TFLOP/s (compute-bound)
    std::string light_name;       // with its rate: "a 1024 MiB device-to-device copy (3032 GB/s)"
    double min_bytes = 0;         // what the exercise must move at the least (Spec::bytes)
    // Its launch and resources.
    long long blocks = 0;         // grid x * y * z
    int threads_per_block = 0;
    int sm_count = 0;
    int registers = 0;
    size_t local_bytes = 0;       // per thread: spills or a local array
    std::optional<Occupancy> occupancy;  // theoretical, per SM
    KernelUse use;
};

// What limits the kernel, most telling first: the regime statement (how far from the speed of
// light, and for a memory-bound size how many times the minimum bytes the memory could move in its
// time), then each launch or resource problem the numbers show (idle warp lanes, idle SMs or
// too few threads in flight, low occupancy with its limiter, local memory), or, when the
// launch looks right, where to look instead.
std::vector<std::string> slow_reasons(const SlowKernel& k);

// A vs_variant gate missed: what the ratio itself says, "" when it says nothing particular. At
// about 1x (0.9 to 1.1) the variant is no slower than the kernel, so the file most likely does
// not use the macro where it matters; below that the variant is faster.
std::string variant_reason(const Spread& s, const std::string& variant);

// The summary of a TOO_SLOW grade: the measured speed with its spread, the target, and the
// reasons. "too slow: 0.21x the vendor's speed (...); the module asks for at least 0.50x the
// vendor's speed. What limits it: ...; ..."
std::string too_slow_summary(GateKind kind, double target, const Spread& s, int timings,
                             const std::vector<std::string>& reasons, const std::string& variant = "");

}  // namespace kc::grade
