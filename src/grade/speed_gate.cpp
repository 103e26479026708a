#include "grade/speed_gate.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace kc::grade {

namespace {

// "80", "82.5"
std::string number_text(double v) {
    return std::abs(v - std::round(v)) < 0.05 ? fmt::format("{:.0f}", v) : fmt::format("{:.1f}", v);
}

// "805 MB", "12.6 kB", "3.2 GB" (decimal: bandwidths are in GB/s)
std::string bytes_text(double b) {
    const char* units[] = {"B", "kB", "MB", "GB", "TB"};
    int u = 0;
    while (b >= 1000 && u < 4) {
        b /= 1000;
        ++u;
    }
    return fmt::format("{} {}", b >= 100 || u == 0 ? fmt::format("{:.0f}", b) : fmt::format("{:.3g}", b), units[u]);
}

// "0.62x" ("0.012x" below 0.1x, where two decimals would hide the number), "63.5%"
std::string value_text(GateKind kind, double v) {
    if (kind == GateKind::OfLight) return fmt::format("{:.1f}%", v);
    return v > 0 && v < 0.095 ? fmt::format("{:.2g}x", v) : fmt::format("{:.2f}x", v);
}

std::string plural(long long n, const char* one, const char* many) {
    return fmt::format("{} {}", n, n == 1 ? one : many);
}

// The regime statement: how far from the speed of light, in the regime's own unit.
std::string regime_reason(const SlowKernel& k) {
    if (k.compute_bound)
        return fmt::format("it computes at {:.2f} TFLOP/s, {:.1f}% of {}: the arithmetic units wait most of the time",
                           k.rate, k.percent_of_light, k.light_name);
    std::string s = fmt::format("it moves the minimum {} at {:.0f} GB/s, {:.1f}% of {}", bytes_text(k.min_bytes),
                                k.rate, k.percent_of_light, k.light_name);
    if (k.percent_of_light > 0 && k.percent_of_light < 100)
        s += fmt::format(": in its time the memory could move {:.1f}x those bytes, so it moves more than it must "
                         "(accesses that neighbouring threads do not share, bytes read twice) or keeps too few loads "
                         "in flight",
                         100 / k.percent_of_light);
    return s;
}

// Each reason below is empty when the numbers do not show it.

// Blocks that do not fill their warps: a warp runs 32 lanes whatever the block asks for.
std::string lanes_reason(const SlowKernel& k) {
    const int tpb = k.threads_per_block;
    if (tpb <= 0 || tpb % 32 == 0) return {};
    if (tpb < 32)
        return fmt::format("blocks of {} use {} of a warp's 32 lanes, so {} of every 32 lanes sit idle: make a "
                           "block a multiple of 32 threads (128 or 256 is a good start)",
                           plural(tpb, "thread", "threads"), tpb, 32 - tpb);
    const int warps = (tpb + 31) / 32;
    return fmt::format("blocks of {} threads leave {} lanes of their last warp idle: a multiple of 32 threads "
                       "fills every warp",
                       tpb, warps * 32 - tpb);
}

// A grid too small for the GPU: SMs without a block, or fewer threads than fit at once.
std::string grid_reason(const SlowKernel& k) {
    if (k.blocks <= 0 || k.sm_count <= 0) return {};
    if (k.blocks < k.sm_count)
        return fmt::format("the grid has {} for {} SMs, so {} get no work: launch enough blocks to give every "
                           "SM several (a grid that grows with the problem size)",
                           plural(k.blocks, "block", "blocks"), k.sm_count,
                           plural(k.sm_count - k.blocks, "SM", "SMs"));
    if (!k.occupancy || k.occupancy->blocks_per_sm <= 0) return {};
    const long long wave = static_cast<long long>(k.sm_count) * k.occupancy->blocks_per_sm;
    if (k.blocks >= wave) return {};
    return fmt::format("the grid's {} of {} threads are {:.0f}% of the {} blocks the GPU holds at once "
                       "({} SMs x {}): too few threads in flight to hide memory latency; launch more blocks, or "
                       "give each thread several independent loads",
                       plural(k.blocks, "block", "blocks"), k.threads_per_block,
                       100.0 * static_cast<double>(k.blocks) / static_cast<double>(wave), wave, k.sm_count,
                       k.occupancy->blocks_per_sm);
}

std::string occupancy_reason(const SlowKernel& k) {
    // Blocks narrower than a warp are the lanes reason's; their occupancy says the same thing.
    if (!k.occupancy || k.threads_per_block < 32 || k.occupancy->percent >= 50) return {};
    return "occupancy " + describe(*k.occupancy, k.use);
}

std::string local_reason(const SlowKernel& k) {
    if (k.local_bytes == 0) return {};
    return fmt::format("{} B of local memory per thread ({} registers/thread): spilled registers or an array "
                       "indexed at run time, and every access to it goes through the caches to DRAM",
                       k.local_bytes, k.registers);
}

// Where to look when the launch and the resources look right.
const char* otherwise_reason(const SlowKernel& k) {
    if (k.compute_bound)
        return "the launch and the resources look right: reuse operands from shared memory and registers "
               "(tiles, several outputs per thread) so that each loaded value feeds many multiply-adds";
    return "the launch and the resources look right: look at the access pattern: the 32 threads of a warp "
           "should touch 32 neighbouring elements (coalesced), and each byte should be read once";
}

}  // namespace

Spread ratio_spread(double ratio_p10, double ratio_median, double ratio_p90, int samples) {
    Spread s{ratio_median, ratio_median, ratio_median, samples};
    if (ratio_p90 > 0) {
        // Percentiles of the per-round ratio and the ratio of the medians need not nest exactly.
        s.slow = std::min(ratio_p10, ratio_median);
        s.fast = std::max(ratio_p90, ratio_median);
    }
    return s;
}

Spread light_spread(double percent_at_median, double kernel_ms, double kernel_p10, double kernel_p90,
                    int samples) {
    Spread s{percent_at_median, percent_at_median, percent_at_median, samples};
    if (kernel_ms > 0 && kernel_p90 > 0) s.slow = std::min(percent_at_median, percent_at_median * kernel_ms / kernel_p90);
    if (kernel_ms > 0 && kernel_p10 > 0) s.fast = std::max(percent_at_median, percent_at_median * kernel_ms / kernel_p10);
    return s;
}

Spread pool(const std::vector<Spread>& timings) {
    Spread out;
    if (timings.empty()) return out;
    double total = 0;
    for (const auto& t : timings) total += std::max(t.samples, 0);
    const bool equal = total <= 0;  // no sample counts: every timing weighs the same
    double weights = 0;
    for (const auto& t : timings) {
        const double w = equal ? 1.0 : std::max(t.samples, 0);
        out.slow += w * t.slow;
        out.median += w * t.median;
        out.fast += w * t.fast;
        out.samples += std::max(t.samples, 0);
        weights += w;
    }
    out.slow /= weights;
    out.median /= weights;
    out.fast /= weights;
    return out;
}

GateDecision decide_gate(const Spread& s, double target, int timings, int max_timings) {
    if (s.slow >= target) return {GateCall::Pass, false};
    if (s.fast < target) return {GateCall::TooSlow, false};
    if (timings < max_timings) return {GateCall::Undecided, false};
    return {s.median >= target ? GateCall::Pass : GateCall::TooSlow, true};
}

const char* gate_name(GateKind kind) {
    switch (kind) {
        case GateKind::VsVendor: return "vs_vendor";
        case GateKind::VsSolution: return "vs_solution";
        case GateKind::VsVariant: return "vs_variant";
        case GateKind::OfLight: return "of_light";
    }
    return "?";
}

double gate_threshold(GateKind kind, double target) { return kind == GateKind::OfLight ? 100 * target : target; }

namespace {

// " the vendor's speed", " of the speed of light", " the speed of your own kernel built with
// STAGES=1": what a value of the gate's unit is of.
std::string unit_of(GateKind kind, const std::string& variant) {
    switch (kind) {
        case GateKind::VsVendor: return " the vendor's speed";
        case GateKind::VsSolution: return " the reference solution's speed";
        case GateKind::VsVariant: return " the speed of your own kernel built with " + variant;
        case GateKind::OfLight: return " of the speed of light";
    }
    return "";
}

}  // namespace

std::string target_text(GateKind kind, double target, const std::string& variant) {
    if (kind == GateKind::OfLight) return fmt::format("at least {}% of the speed of light", number_text(100 * target));
    return fmt::format("at least {:.2f}x{}", target, unit_of(kind, variant));
}

std::string spread_text(GateKind kind, const Spread& s, int timings, const std::string& variant) {
    const std::string what = unit_of(kind, variant);
    return fmt::format("{}{} (p10 {}, median {}, p90 {}; {}, {})", value_text(kind, s.median), what,
                       value_text(kind, s.slow), value_text(kind, s.median), value_text(kind, s.fast),
                       plural(timings, "timing", "timings"), plural(s.samples, "round", "rounds"));
}

std::vector<std::string> slow_reasons(const SlowKernel& k) {
    std::vector<std::string> out{regime_reason(k)};
    for (auto reason : {lanes_reason, grid_reason, occupancy_reason, local_reason})
        if (std::string r = reason(k); !r.empty()) out.push_back(std::move(r));
    if (out.size() == 1) out.emplace_back(otherwise_reason(k));
    return out;
}

std::string variant_reason(const Spread& s, const std::string& variant) {
    // "STAGES=1, BM=64" -> "STAGES and BM"
    std::vector<std::string> names;
    for (size_t at = 0; at < variant.size();) {
        const size_t comma = std::min(variant.find(", ", at), variant.size());
        const std::string one = variant.substr(at, comma - at);
        names.push_back(one.substr(0, one.find('=')));
        at = comma + 2;
    }
    std::string list;
    for (size_t i = 0; i < names.size(); ++i)
        list += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
    if (s.median >= 0.9 && s.median <= 1.1)
        return fmt::format("built with {} your kernel runs as fast as it does as it is: the technique the gate "
                           "measures is not there yet, or the file does not use {} where it matters (the "
                           "variant overrides the `#ifndef` default{})",
                           variant, list, names.size() == 1 ? "" : "s");
    if (s.median < 0.9)
        return fmt::format("built with {} your kernel runs faster than as it is: the default this file chose "
                           "is the slower one",
                           variant);
    return {};
}

std::string too_slow_summary(GateKind kind, double target, const Spread& s, int timings,
                             const std::vector<std::string>& reasons, const std::string& variant) {
    std::string out = fmt::format("too slow: {}; the module asks for {}", spread_text(kind, s, timings, variant),
                                  target_text(kind, target, variant));
    if (!reasons.empty()) {
        out += ". What limits it: ";
        for (size_t i = 0; i < reasons.size(); ++i) out += (i ? "; " : "") + reasons[i];
    }
    return out;
}

}  // namespace kc::grade
