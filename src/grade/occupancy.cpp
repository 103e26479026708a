#include "grade/occupancy.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace kc::grade {

namespace {

long long round_up(long long x, long long unit) { return unit > 0 ? (x + unit - 1) / unit * unit : x; }

int clamp_int(long long v) { return static_cast<int>(std::min<long long>(v, kNoLimit)); }

// "100", "37.5"
std::string percent_text(double p) {
    return std::abs(p - std::round(p)) < 0.05 ? fmt::format("{:.0f}", p) : fmt::format("{:.1f}", p);
}

// "512 B", "48 KiB", "48.5 KiB"
std::string bytes_text(size_t b) {
    if (b < 1024) return fmt::format("{} B", b);
    if (b % 1024 == 0) return fmt::format("{} KiB", b / 1024);
    return fmt::format("{:.1f} KiB", static_cast<double>(b) / 1024);
}

std::string blocks_text(int n) {
    if (n == 0) return "no block";
    return fmt::format("{} block{}", n, n == 1 ? "" : "s");
}

}  // namespace

Occupancy theoretical_occupancy(const SmLimits& sm, const KernelUse& k) {
    Occupancy o;
    const int warp = std::max(sm.warp_size, 1);
    const int warps_per_block = k.threads_per_block > 0 ? (k.threads_per_block + warp - 1) / warp : 0;
    o.max_warps_per_sm = sm.max_threads_per_sm / warp;
    o.by_blocks = sm.max_blocks_per_sm;
    // A block of no threads is no launch: nothing fits, and nothing below divides by zero.
    o.by_warps = warps_per_block > 0 ? o.max_warps_per_sm / warps_per_block : 0;

    // Registers go to whole warps, rounded up to the allocation unit, and each of the SM's
    // sub-partitions holds its own quarter of the register file: a warp cannot straddle two, so
    // the warps that fit are counted per sub-partition (cuda_occupancy.h, RegsLimit).
    if (k.registers_per_thread <= 0 || warps_per_block == 0) {
        o.by_registers = kNoLimit;
    } else if (k.registers_per_thread > sm.max_regs_per_thread) {
        o.by_registers = 0;
    } else {
        const int parts = std::max(sm.warp_alloc_granularity, 1);
        const long long per_warp = round_up(static_cast<long long>(k.registers_per_thread) * warp, sm.reg_alloc_unit);
        o.registers_per_block = clamp_int(per_warp * warps_per_block);
        // The hardware checks a block against the per-block register limit (the same 64 Ki as
        // per SM on sm_50+) as if it were spread over every sub-partition.
        if (per_warp * round_up(warps_per_block, parts) > sm.regs_per_sm) {
            o.by_registers = 0;
        } else {
            const long long warps_per_part = (sm.regs_per_sm / parts) / per_warp;
            o.by_registers = clamp_int(warps_per_part * parts / warps_per_block);
        }
    }

    // Shared memory: the driver's reserve comes with every block, and the sum is allocated in
    // units; the limit is against the largest carveout, which the driver picks when it needs it.
    const size_t shared = k.static_shared + k.dynamic_shared + sm.reserved_shared_per_block;
    o.shared_per_block = static_cast<size_t>(round_up(static_cast<long long>(shared),
                                                      static_cast<long long>(sm.shared_alloc_unit)));
    o.by_shared = o.shared_per_block == 0 ? kNoLimit : clamp_int(static_cast<long long>(sm.shared_per_sm / o.shared_per_block));

    o.blocks_per_sm = std::max(0, std::min({o.by_warps, o.by_registers, o.by_shared, o.by_blocks}));
    if (o.blocks_per_sm == o.by_warps) o.limiter = "warps";
    else if (o.blocks_per_sm == o.by_registers) o.limiter = "registers";
    else if (o.blocks_per_sm == o.by_shared) o.limiter = "shared memory";
    else o.limiter = "blocks per SM";
    o.warps_per_sm = o.blocks_per_sm * warps_per_block;
    o.percent = o.max_warps_per_sm > 0 ? 100.0 * o.warps_per_sm / o.max_warps_per_sm : 0;
    return o;
}

std::string describe(const Occupancy& o, const KernelUse& k) {
    if (k.threads_per_block <= 0)
        return fmt::format("0% (a block of {} threads runs nothing)", k.threads_per_block);
    std::string s = fmt::format("{}% ({} of {} threads, {} of {} warps per SM; limited by {}", percent_text(o.percent),
                                o.blocks_per_sm == 0 ? "0 blocks" : blocks_text(o.blocks_per_sm), k.threads_per_block,
                                o.warps_per_sm, o.max_warps_per_sm, o.limiter);
    if (o.limiter == "registers") {
        s += fmt::format(": {}/thread allow {}; fewer registers per thread would fit more", k.registers_per_thread,
                         blocks_text(o.by_registers));
    } else if (o.limiter == "shared memory") {
        const size_t used = k.static_shared + k.dynamic_shared;
        std::string size = bytes_text(used);
        // The reserve and the rounding are why a block takes more than it declares.
        if (o.shared_per_block != used) size += fmt::format(" ({} as allocated)", bytes_text(o.shared_per_block));
        s += fmt::format(": {}/block allow {}; less shared memory per block would fit more", size,
                         blocks_text(o.by_shared));
    } else if (o.limiter == "blocks per SM") {
        s += fmt::format(": an SM holds at most {}; bigger blocks would fit more warps", blocks_text(o.by_blocks));
    } else if (o.blocks_per_sm > 0 && o.warps_per_sm < o.max_warps_per_sm) {
        const int per_block = o.warps_per_sm / o.blocks_per_sm;
        s += fmt::format(": blocks of {} warps leave {} of {} warp slots empty; a warp count per block that divides {} "
                         "would fill them",
                         per_block, o.max_warps_per_sm - o.warps_per_sm, o.max_warps_per_sm, o.max_warps_per_sm);
    }
    return s + ")";
}

}  // namespace kc::grade
