// Control for optimization/03, part transpose - expected verdict: TOO_SLOW.
//
// What it demonstrates: bank conflicts alone can sink a kernel. This is worked example 04 (32 x 8
// threads, 4 rows each, both global sides coalesced) with the tile 32 words wide instead of 33.
// Every column read, tile[0..31][i], hits bank i 32 times: a 32-way conflict, 32 shared-memory
// passes for one warp instruction. For the timed case that is 2^26 / 32 = 2^21 conflicted warp
// reads x 32 passes / 132 SMs = 508,000 cycles per SM, about 0.27 ms at 1.9 GHz: more than
// twice the 126 us an H200 needs to copy the 512 MiB, whatever the global memory does.
#include "kernelcoach.h"

constexpr int kTile = 32;
constexpr int kBlockRows = 8;
constexpr int kPerThread = kTile / kBlockRows;

extern "C" __global__ void transpose(const float* __restrict__ in, float* __restrict__ out, int rows, int cols)
{
    __shared__ float tile[kTile][kTile];  // (32, 32): no padding, so a column is one bank

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
        if (c0 + i < cols && r0 + x < rows) out[(c0 + i) * rows + r0 + x] = tile[x][i];  // 32-way conflict
    }
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.cols + kTile - 1) / kTile), unsigned((p.rows + kTile - 1) / kTile)},
                  .block = {unsigned(kTile), unsigned(kBlockRows)}};
}
