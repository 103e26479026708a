// Worked example, step 1 of 7: naive. One thread per element of C, and threadIdx.x walks the
// ROWS of C. Correct on every size; the slowest step of the ladder.
// Run: kernelcoach bench optimization/01 --examples      (every step, as one table)
//
// Thread (x, y) of the grid computes C(row = x, col = y) as a loop of k fused multiply-adds,
// reading row `row` of A and column `col` of B straight from global memory:
//
//     for kk: sum += A(row, kk) * B(kk, col)        8 bytes loaded for 2 flops
//
// Why it is slow. The 32 threads of a warp have consecutive threadIdx.x, so here they hold 32
// consecutive ROWS and one column. At every step kk the warp reads
//   A(row0 .. row0 + 31, kk)   32 floats 4k bytes apart: 32 different 32-byte sectors for
//                              128 useful bytes (1/8 of what moves is used), and
//   B(kk, col)                 one float for the whole warp (a broadcast);
// and at the end it stores 32 floats into 32 different rows of C. The L1 cache rescues part
// of it (a sector of A holds the next 7 values of that row too, if it survives that long), but
// the loads cannot keep 32 lanes fed: napkin, each FMA needs a sector-sized transaction
// through L1 for every 4 lanes, so the FMA units idle most of the time. Without the caches
// the 4096^3 product would read 2 * 4 * 4096^3 = 550 GB; at the H200's 4.8 TB/s that is
// 115 ms before counting the wasted 7/8 of every sector. Expected: a few percent of cuBLAS.
//
// The next step (02-coalesced.cu) swaps x and y, and nothing else.
#include "kernelcoach.h"

constexpr unsigned TILE = 32;  // a 32 x 32 block of threads: 1024 threads, 32 warps

extern "C" __global__ void matmul(const float* __restrict__ a, const float* __restrict__ b,
                                  float* __restrict__ c, int m, int n, int k)
{
    const int row = blockIdx.x * TILE + threadIdx.x;  // x walks the rows: uncoalesced
    const int col = blockIdx.y * TILE + threadIdx.y;
    if (row >= m || col >= n) return;  // the grid is rounded up: the last blocks stick out

    float sum = 0.0f;
    for (int kk = 0; kk < k; ++kk)
        sum += a[row * k + kk] * b[kk * n + col];
    c[row * n + col] = sum;
}

// grid.x counts blocks of rows (m), grid.y blocks of columns (n), both rounded up.
// 4096^2: 128 x 128 blocks; 4099 x 3: 129 x 1.
constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.m + TILE - 1) / TILE), unsigned((p.n + TILE - 1) / TILE)},
                  .block = {TILE, TILE}};
}
