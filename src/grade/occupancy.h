// The theoretical occupancy of a launch, worked out on the CPU as the CUDA occupancy API
// (cuda_occupancy.h) and Nsight Compute's Occupancy section do: how many blocks fit on one SM
// by warps, registers, shared memory and the block cap, and which of them binds.
#pragma once

#include <cstddef>
#include <limits>
#include <string>

namespace kc::grade {

// Per SM, from cudaDeviceProp. The defaults are sm_80/sm_90's, except shared memory, which the
// caller fills in (0 bytes fit no block that uses any).
struct SmLimits {
    int max_threads_per_sm = 2048;
    int max_blocks_per_sm = 32;
    int regs_per_sm = 65536;
    int max_regs_per_thread = 255;
    size_t shared_per_sm = 0;              // the largest shared-memory carveout (sharedMemPerMultiprocessor)
    size_t reserved_shared_per_block = 0;  // reservedSharedMemPerBlock (1 KiB on sm_80+)
    int warp_size = 32;
    int reg_alloc_unit = 256;              // registers are allocated per warp in units of this
    int warp_alloc_granularity = 4;        // register file sub-partitions: warps fill them evenly
    size_t shared_alloc_unit = 128;
};

struct KernelUse {
    int registers_per_thread = 0;
    size_t static_shared = 0;
    size_t dynamic_shared = 0;
    int threads_per_block = 0;
};

// A resource that sets no limit (no registers, no shared memory), as cudaOccResult reports it.
inline constexpr int kNoLimit = std::numeric_limits<int>::max();

struct Occupancy {
    int blocks_per_sm = 0, warps_per_sm = 0, max_warps_per_sm = 0;
    double percent = 0;  // warps_per_sm / max_warps_per_sm * 100
    // The block limit of each resource, uncapped by the others (as ncu's "Block Limit ..." rows).
    int by_warps = 0, by_registers = 0, by_shared = 0, by_blocks = 0;
    std::string limiter;  // "warps", "registers", "shared memory" or "blocks per SM"; ties in that order
    // What one block is given: registers (whole warps, rounded up) and shared memory (static +
    // dynamic + the driver's reserve, rounded up).
    int registers_per_block = 0;
    size_t shared_per_block = 0;
};

Occupancy theoretical_occupancy(const SmLimits& sm, const KernelUse& k);

// One line for a learner: "100% (8 blocks of 256 threads, 64 of 64 warps per SM; limited by
// warps)", and for a limiter other than warps a clause on what would raise it.
std::string describe(const Occupancy& o, const KernelUse& k);

}  // namespace kc::grade
