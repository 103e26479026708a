// Theoretical occupancy (grade/occupancy.h), checked against what Nsight Compute 2025.3 reported
// on the H100 and against the rules of the CUDA occupancy API (cuda_occupancy.h).
#include <gtest/gtest.h>

#include "grade/occupancy.h"

namespace kc::grade {
namespace {

// sm_90 (H100): 2048 threads, 32 blocks, 64 Ki registers, 228 KiB shared per SM, 1 KiB reserved per block.
SmLimits h100() {
    SmLimits sm;
    sm.shared_per_sm = 228 * 1024;
    sm.reserved_shared_per_block = 1024;
    return sm;
}

TEST(Occupancy, MatchesNsightComputeOnTheH100) {
    // vector_add: 16 registers/thread, 256 threads, no shared memory. ncu: Block Limit Registers 16,
    // Warps 8, SM 32, 64 theoretical warps, 100%.
    auto o = theoretical_occupancy(h100(), {16, 0, 0, 256});
    EXPECT_EQ(o.by_registers, 16);
    EXPECT_EQ(o.by_warps, 8);
    EXPECT_EQ(o.by_blocks, 32);
    // ncu said 32 here: it divides by the 32 KiB carveout the driver chose for this launch; the
    // largest carveout fits 228 blocks of the 1 KiB reserve.
    EXPECT_EQ(o.by_shared, 228);
    EXPECT_EQ(o.blocks_per_sm, 8);
    EXPECT_EQ(o.warps_per_sm, 64);
    EXPECT_EQ(o.max_warps_per_sm, 64);
    EXPECT_DOUBLE_EQ(o.percent, 100);
    EXPECT_EQ(o.limiter, "warps");
    EXPECT_EQ(o.registers_per_block, 512 * 8);
    EXPECT_EQ(o.shared_per_block, 1024u);
    EXPECT_EQ(describe(o, {16, 0, 0, 256}), "100% (8 blocks of 256 threads, 64 of 64 warps per SM; limited by warps)");
}

TEST(Occupancy, RegisterLimited) {
    // 128 x 32 = 4096 registers a warp; a quarter of the file (16 Ki) holds 4 warps: 16 warps, 2 blocks.
    KernelUse k{128, 0, 0, 256};
    auto o = theoretical_occupancy(h100(), k);
    EXPECT_EQ(o.by_registers, 2);
    EXPECT_EQ(o.blocks_per_sm, 2);
    EXPECT_EQ(o.warps_per_sm, 16);
    EXPECT_DOUBLE_EQ(o.percent, 25);
    EXPECT_EQ(o.limiter, "registers");
    EXPECT_EQ(describe(o, k),
              "25% (2 blocks of 256 threads, 16 of 64 warps per SM; limited by registers: 128/thread allow 2 blocks; "
              "fewer registers per thread would fit more)");
}

TEST(Occupancy, RegistersAreAllocatedPerWarpInUnitsAndPerSubPartition) {
    // 17 x 32 = 544 registers round up to 768 a warp; 16 Ki / 768 = 21 warps in each of 4 parts,
    // 84 warps, 21 blocks of 4 warps (30 without the rounding).
    EXPECT_EQ(theoretical_occupancy(h100(), {17, 0, 0, 128}).by_registers, 21);
    // 40 x 32 = 1280 a warp: 12 warps a part, 48 in all (51 if the file were one pool).
    auto o = theoretical_occupancy(h100(), {40, 0, 0, 32});
    EXPECT_EQ(o.by_registers, 48);
    EXPECT_EQ(o.blocks_per_sm, 32);
    EXPECT_EQ(o.limiter, "blocks per SM");
    EXPECT_DOUBLE_EQ(o.percent, 50);
    EXPECT_EQ(describe(o, {40, 0, 0, 32}),
              "50% (32 blocks of 32 threads, 32 of 64 warps per SM; limited by blocks per SM: an SM holds at most "
              "32 blocks; bigger blocks would fit more warps)");
}

TEST(Occupancy, SharedMemoryLimited) {
    // 48 KiB + the 1 KiB reserve = 49 KiB a block; 228 / 49 = 4 blocks.
    KernelUse k{32, 48 * 1024, 0, 256};
    auto o = theoretical_occupancy(h100(), k);
    EXPECT_EQ(o.shared_per_block, 49u * 1024);
    EXPECT_EQ(o.by_shared, 4);
    EXPECT_EQ(o.by_registers, 8);
    EXPECT_EQ(o.blocks_per_sm, 4);
    EXPECT_DOUBLE_EQ(o.percent, 50);
    EXPECT_EQ(o.limiter, "shared memory");
    EXPECT_EQ(describe(o, k),
              "50% (4 blocks of 256 threads, 32 of 64 warps per SM; limited by shared memory: 48 KiB "
              "(49 KiB as allocated)/block allow 4 blocks; less shared memory per block would fit more)");
    // Dynamic shared memory counts the same, and the sum is allocated in 128-byte units.
    auto d = theoretical_occupancy(h100(), {32, 24 * 1024, 24 * 1024 - 100, 256});
    EXPECT_EQ(d.shared_per_block, 49u * 1024);
    EXPECT_EQ(d.by_shared, 4);
}

TEST(Occupancy, TiesGoToWarpsFirst) {
    // 32 registers x 1024 threads: warps allow 2, registers allow 2: "warps".
    auto o = theoretical_occupancy(h100(), {32, 0, 0, 1024});
    EXPECT_EQ(o.by_warps, 2);
    EXPECT_EQ(o.by_registers, 2);
    EXPECT_EQ(o.limiter, "warps");
}

TEST(Occupancy, WarpLimitedBelowFull) {
    KernelUse k{16, 0, 0, 768};  // 24 warps a block: 2 fit, 48 of 64
    auto o = theoretical_occupancy(h100(), k);
    EXPECT_EQ(o.blocks_per_sm, 2);
    EXPECT_DOUBLE_EQ(o.percent, 75);
    EXPECT_EQ(describe(o, k),
              "75% (2 blocks of 768 threads, 48 of 64 warps per SM; limited by warps: blocks of 24 warps leave 16 of "
              "64 warp slots empty; a warp count per block that divides 64 would fill them)");
    // A partial warp takes a whole warp slot.
    EXPECT_EQ(theoretical_occupancy(h100(), {16, 0, 0, 100}).by_warps, 16);
}

TEST(Occupancy, EdgeCasesDoNotDivideByZero) {
    auto none = theoretical_occupancy(h100(), {16, 0, 0, 0});
    EXPECT_EQ(none.blocks_per_sm, 0);
    EXPECT_EQ(none.warps_per_sm, 0);
    EXPECT_DOUBLE_EQ(none.percent, 0);
    EXPECT_EQ(none.limiter, "warps");
    EXPECT_EQ(describe(none, {16, 0, 0, 0}), "0% (a block of 0 threads runs nothing)");

    // No registers and no shared memory: neither limits anything.
    SmLimits bare;
    auto unlimited = theoretical_occupancy(bare, {0, 0, 0, 256});
    EXPECT_EQ(unlimited.by_registers, kNoLimit);
    EXPECT_EQ(unlimited.by_shared, kNoLimit);
    EXPECT_EQ(unlimited.blocks_per_sm, 8);
    EXPECT_DOUBLE_EQ(unlimited.percent, 100);

    // Nothing in the SM's description: zero warps per SM, no division.
    SmLimits empty{};
    empty.max_threads_per_sm = 0;
    empty.warp_size = 0;
    auto z = theoretical_occupancy(empty, {16, 0, 0, 256});
    EXPECT_EQ(z.blocks_per_sm, 0);
    EXPECT_DOUBLE_EQ(z.percent, 0);
}

TEST(Occupancy, BlocksThatCannotFitGiveZero) {
    // More registers than a thread may have.
    KernelUse k{300, 0, 0, 256};
    auto o = theoretical_occupancy(h100(), k);
    EXPECT_EQ(o.by_registers, 0);
    EXPECT_EQ(o.blocks_per_sm, 0);
    EXPECT_EQ(o.limiter, "registers");
    EXPECT_EQ(describe(o, k),
              "0% (0 blocks of 256 threads, 0 of 64 warps per SM; limited by registers: 300/thread allow no block; "
              "fewer registers per thread would fit more)");
    // 255 registers x 1024 threads need 256 Ki registers: the launch would fail.
    EXPECT_EQ(theoretical_occupancy(h100(), {255, 0, 0, 1024}).by_registers, 0);
    // 255 x 256 threads: 8192 a warp, 2 warps a part, 8 warps: one block.
    EXPECT_EQ(theoretical_occupancy(h100(), {255, 0, 0, 256}).by_registers, 1);
    // More shared memory than the SM has.
    EXPECT_EQ(theoretical_occupancy(h100(), {16, 228 * 1024, 0, 256}).by_shared, 0);
}

}  // namespace
}  // namespace kc::grade
