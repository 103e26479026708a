// optimization/03, part transpose - the reference solution: out(c, r) = in(r, c).
//
//     kernelcoach run optimization/03/transpose     # grades your transpose.cu, not this file
//     kernelcoach bench optimization/03/transpose --file tracks/optimization/module-03-shared-memory/solution/transpose.cu
//
// A block moves one TILE x TILE tile through shared memory with TILE x BLOCK_ROWS threads, each
// thread TILE / BLOCK_ROWS elements:
//   1. load rows i = y, y + BLOCK_ROWS, ... of the tile: thread (x, y) reads in(r0 + i, c0 + x)
//      into tile[i][x]. A warp reads 128 consecutive bytes of a row of in: coalesced;
//   2. __syncthreads(): the tile is complete;
//   3. store rows c0 + i of out: out(c0 + i, r0 + x) = tile[x][i]. A warp writes 128
//      consecutive bytes of a row of out: coalesced. It reads a column of the tile, and the
//      tile's rows are TILE + 1 words long, so the column's 32 words are in 32 different banks.
//
// Napkin math for the timed case, 8192 x 8192 floats:
//   bytes  = 256 MiB read + 256 MiB written = 537 MB (no flops)
//   H200   : ~4.25 TB/s measured for a copy (4.8 TB/s data sheet)
//   floor  = 537 MB / 4.25 TB/s = 126 us; the gate (80% of the copy) allows 158 us
//   tiles  = (8192 / 64)^2 = 16384 blocks of 512 threads, 4 resident per SM (2048 threads):
//            16384 / (132 x 4) = 31 waves, so the last partial wave costs little
//   in flight: 8 loads x 4 B x 2048 threads = 64 KiB per SM issued before each barrier;
//            Little's law asks for ~16 KB per SM: the reads are half of the 4.25 TB/s,
//            2.1 TB/s x ~1 us of latency / 132 SMs
//   shared = 64 x 65 x 4 = 16.6 KiB per block, 66.6 KiB for 4 blocks of the SM's 228 KiB
//
// TILE and BLOCK_ROWS are macros so that `kernelcoach tune` can rebuild the kernel with other
// values (copy this file over your transpose.cu first: tune works on your file):
// tune: TILE=32,64 BLOCK_ROWS=4,8,16
#include "kernelcoach.h"

// The tile's side, in floats: a multiple of 32, so that a warp's 32 threads cover 128
// consecutive bytes of a row.
#ifndef TILE
#define TILE 64
#endif
// Rows of threads per block: the block is TILE x BLOCK_ROWS threads, TILE / BLOCK_ROWS
// elements each.
#ifndef BLOCK_ROWS
#define BLOCK_ROWS 8
#endif

constexpr int kTile = TILE;
constexpr int kBlockRows = BLOCK_ROWS;
constexpr int kPerThread = kTile / kBlockRows;
static_assert(kTile % 32 == 0, "whole warps across a row of the tile");
static_assert(kTile % kBlockRows == 0, "the rows of threads divide the tile");
static_assert(kTile * kBlockRows <= 1024, "at most 1024 threads per block");
static_assert(kTile * (kTile + 1) * 4 <= 48 * 1024, "the tile fits in static shared memory (48 KiB)");
// Blocks per SM when the SM is full of threads: 2048 / 512 = 4 on sm_90. In __launch_bounds__
// it caps the registers at 65536 / 2048 = 32 per thread, so that registers never keep a block
// off the SM (the kernel needs about 30).
constexpr int kBlocksPerSm = kc::device.max_threads_per_sm / (kTile * kBlockRows);
static_assert(kBlocksPerSm >= 1, "one block must fit on an SM");

extern "C" __global__ void __launch_bounds__(kTile * kBlockRows, kBlocksPerSm)
transpose(const float* __restrict__ in, float* __restrict__ out, int rows, int cols)
{
    // (TILE, TILE + 1): tile[i][j] = in(r0 + i, c0 + j); the last column is padding. Word
    // (TILE + 1) i + j is in bank (i + j) % 32 (TILE + 1 = 1 mod 32), so a warp reading a column,
    // 32 consecutive i, touches 32 different banks.
    __shared__ float tile[kTile][kTile + 1];

    const int x = threadIdx.x, y = threadIdx.y;
    const int r0 = blockIdx.y * kTile, c0 = blockIdx.x * kTile;  // the tile's corner in in

    // 1. Load: all kPerThread loads are issued before the first is needed (the loop is
    //    unrolled, the loads independent). Elements outside in are not loaded; step 3 never
    //    reads their slots. Indices: r * cols + c < rows * cols < 2^31 for every case.
    const bool col_ok = c0 + x < cols;
#pragma unroll
    for (int k = 0; k < kPerThread; ++k) {
        const int i = y + k * kBlockRows;
        if (col_ok && r0 + i < rows) tile[i][x] = in[(r0 + i) * cols + c0 + x];
    }
    __syncthreads();  // every element of the tile is stored before any thread reads another's

    // 3. Store: out(c0 + i, r0 + x) exists when c0 + i < cols (a row of out) and r0 + x < rows
    //    (a column of out): exactly the elements step 1 loaded, transposed.
    const bool row_ok = r0 + x < rows;
#pragma unroll
    for (int k = 0; k < kPerThread; ++k) {
        const int i = y + k * kBlockRows;
        if (row_ok && c0 + i < cols) out[(c0 + i) * rows + r0 + x] = tile[x][i];
    }
}

constexpr Launch launch(Problem p) {
    // One block per tile: x across the columns of in, y down its rows (grid.y <= 65535, so rows
    // up to 65535 x TILE).
    return Launch{.grid = {unsigned((p.cols + kTile - 1) / kTile), unsigned((p.rows + kTile - 1) / kTile)},
                  .block = {unsigned(kTile), unsigned(kBlockRows)}};
}
