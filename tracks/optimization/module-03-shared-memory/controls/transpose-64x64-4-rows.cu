// Control for optimization/03, part transpose - expected verdict: PASSED.
//
// What it demonstrates: a bigger tile, as correct and as fast. 64 x 64 tiles, 64 x 16 = 1024
// threads per block, each moving 4 elements (rows y, y + 16, y + 32, y + 48 of the tile). Two
// warps cover a 64-float row, 256 consecutive bytes; the tile is padded to 65 words a row, so a
// warp reading 32 consecutive rows of a column touches banks (x + i) % 32: all different.
// Shared memory: 64 x 65 x 4 = 16.6 KiB per block, 2 blocks per SM on an H200 (2048 threads).
#include "kernelcoach.h"

constexpr int kTile = 64;
constexpr int kBlockRows = 16;
constexpr int kPerThread = kTile / kBlockRows;  // 4
static_assert(kTile * kBlockRows <= 1024, "at most 1024 threads per block");

extern "C" __global__ void __launch_bounds__(kTile * kBlockRows)
transpose(const float* __restrict__ in, float* __restrict__ out, int rows, int cols)
{
    __shared__ float tile[kTile][kTile + 1];  // (64, 65): padded

    const int x = threadIdx.x, y = threadIdx.y;
    const int r0 = blockIdx.y * kTile, c0 = blockIdx.x * kTile;

#pragma unroll
    for (int k = 0; k < kPerThread; ++k) {
        const int i = y + k * kBlockRows;
        if (r0 + i < rows && c0 + x < cols) tile[i][x] = in[(r0 + i) * cols + c0 + x];
    }
    __syncthreads();  // every element of the tile is stored before any thread reads another's

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
