// Control for optimization/03, part transpose - expected verdict: PASSED.
//
// What it demonstrates: the other cure for bank conflicts, a swizzle instead of padding. The
// tile stays 32 x 32 words (no wasted column), but element (i, j) is stored at column j ^ i of
// row i. A warp storing row i (j = 0..31) writes columns j ^ i: the 32 values 0..31 in another
// order, 32 banks. A warp reading column j of the tile (i = 0..31) reads word 32 i + (j ^ i), in
// bank j ^ i: again 32 different banks. XOR with i is a permutation of 0..31 for every i, which
// is all either access needs. Libraries use this (CUTLASS and cuDNN swizzle their shared-memory
// layouts) because padding breaks the alignment that vector and tensor-core loads need.
#include "kernelcoach.h"

constexpr int kTile = 32;
constexpr int kBlockRows = 8;
constexpr int kPerThread = kTile / kBlockRows;
static_assert(kTile == 32, "the XOR swizzle below permutes 32 columns");

extern "C" __global__ void transpose(const float* __restrict__ in, float* __restrict__ out, int rows, int cols)
{
    __shared__ float tile[kTile][kTile];  // (32, 32): element (i, j) at tile[i][j ^ i]

    const int x = threadIdx.x, y = threadIdx.y;
    const int r0 = blockIdx.y * kTile, c0 = blockIdx.x * kTile;

#pragma unroll
    for (int k = 0; k < kPerThread; ++k) {
        const int i = y + k * kBlockRows;
        if (r0 + i < rows && c0 + x < cols) tile[i][x ^ i] = in[(r0 + i) * cols + c0 + x];
    }
    __syncthreads();  // every element of the tile is stored before any thread reads another's

    // out(c0 + i, r0 + x) = element (x, i) of the tile, stored at tile[x][i ^ x].
#pragma unroll
    for (int k = 0; k < kPerThread; ++k) {
        const int i = y + k * kBlockRows;
        if (c0 + i < cols && r0 + x < rows) out[(c0 + i) * rows + r0 + x] = tile[x][i ^ x];
    }
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.cols + kTile - 1) / kTile), unsigned((p.rows + kTile - 1) / kTile)},
                  .block = {unsigned(kTile), unsigned(kBlockRows)}};
}
