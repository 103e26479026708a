// Control for optimization/03, part transpose - expected verdict: WRONG (found by compute-sanitizer racecheck).
//
// What it demonstrates: the barrier between a tile's stores and its loads. This is worked
// example 04 without its __syncthreads(). Thread (x, y) stores rows y, y + 8, y + 16, y + 24 of
// the tile and then reads column y (and y + 8, ...), tile[0..31][y]: elements that 32 other
// threads, in all 8 warps of the block, stored. Without the barrier nothing says they have: a
// read-after-write race between warps.
//
// Plain runs may still give the right answer, since the 8 warps of a block start together and
// issue their loads at about the same time. kernelcoach runs kernels that use shared memory
// under compute-sanitizer's racecheck, which reports the hazard whatever the timing. Racecheck
// runs on a small case (here 4096 x 8: every tile is 32 x 8 elements, but each column read
// still reads the rows of all 8 warps).
#include "kernelcoach.h"

constexpr int kTile = 32;
constexpr int kBlockRows = 8;
constexpr int kPerThread = kTile / kBlockRows;

extern "C" __global__ void transpose(const float* __restrict__ in, float* __restrict__ out, int rows, int cols)
{
    __shared__ float tile[kTile][kTile + 1];

    const int x = threadIdx.x, y = threadIdx.y;
    const int r0 = blockIdx.y * kTile, c0 = blockIdx.x * kTile;

#pragma unroll
    for (int k = 0; k < kPerThread; ++k) {
        const int i = y + k * kBlockRows;
        if (r0 + i < rows && c0 + x < cols) tile[i][x] = in[(r0 + i) * cols + c0 + x];
    }
    // BUG: no __syncthreads() here: the reads below may run before other warps' stores.

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
