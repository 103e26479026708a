// Worked example, transpose step 4: 32 x 8 threads per 32 x 32 tile, 4 rows each.
// Expected: PASSED, and over the part's gate.
// Run: kernelcoach bench optimization/03/transpose --examples
//
// Example 03 uses one thread per element and 1024 threads per block, so an SM holds 2 blocks, and
// each thread has one load in flight before it waits at the barrier. Here a block has 32 x 8 =
// 256 threads and each moves 4 elements, rows y, y + 8, y + 16, y + 24 of the tile:
//
//   - 4 independent loads per thread, issued before the barrier: 4 x 4 B x 2048 threads =
//     32 KiB in flight per SM, where Little's law asks for ~16 KB (the reads are half of the
//     copy's 4.25 TB/s: 2.1 TB/s x ~1 us / 132 SMs; README.md);
//   - 8 blocks per SM instead of 2: while some wait at their barrier, others load or store;
//   - the index arithmetic (r0, c0, bounds) is done once for 4 elements.
//
// Shared memory per block: 32 x 33 x 4 = 4.2 KiB, 34 KiB for 8 blocks: far from the limit.
#include "kernelcoach.h"

constexpr int kTile = 32;                    // the tile is kTile x kTile floats
constexpr int kBlockRows = 8;                // the block is kTile x kBlockRows threads
constexpr int kPerThread = kTile / kBlockRows;  // 4 elements per thread
static_assert(kTile % kBlockRows == 0, "the rows of threads divide the tile");

extern "C" __global__ void transpose(const float* __restrict__ in, float* __restrict__ out, int rows, int cols)
{
    __shared__ float tile[kTile][kTile + 1];  // (32, 33): padded, no bank conflicts

    const int x = threadIdx.x, y = threadIdx.y;
    const int r0 = blockIdx.y * kTile, c0 = blockIdx.x * kTile;

    // Load rows y, y + 8, y + 16, y + 24 of the tile: each a coalesced 128-byte row segment.
#pragma unroll
    for (int k = 0; k < kPerThread; ++k) {
        const int i = y + k * kBlockRows;
        if (r0 + i < rows && c0 + x < cols) tile[i][x] = in[(r0 + i) * cols + c0 + x];
    }
    __syncthreads();  // every element of the tile is stored before any thread reads another's

    // Store rows c0 + i of out, i = y, y + 8, ...: out(c0 + i, r0 + x) = tile[x][i].
#pragma unroll
    for (int k = 0; k < kPerThread; ++k) {
        const int i = y + k * kBlockRows;
        if (c0 + i < cols && r0 + x < rows) out[(c0 + i) * rows + r0 + x] = tile[x][i];
    }
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.cols + kTile - 1) / kTile), unsigned((p.rows + kTile - 1) / kTile)},
                  .block = {unsigned(kTile), unsigned(kBlockRows)}};
}
