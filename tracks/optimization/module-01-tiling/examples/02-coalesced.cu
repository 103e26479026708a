// Worked example, step 2 of 7: coalesced. Still one thread per element of C with a loop over k
// in global memory, but threadIdx.x now walks the COLUMNS of C. (The module's starter
// kernel.cu is this kernel, with its block shape as tunables.)
// Run: kernelcoach bench optimization/01 --examples
//
// What changed from 01-naive.cu: row and col swapped places, in the kernel and in launch().
// Now the 32 lanes of a warp hold ONE row and 32 consecutive columns. At every step kk the
// warp reads
//   A(row, kk)                 one float for the whole warp (a broadcast), and
//   B(kk, col0 .. col0 + 31)   128 consecutive bytes: 4 sectors, every byte used,
// and at the end it stores 128 consecutive bytes of C. Consecutive lanes touching consecutive
// addresses is what "coalesced" means: the warp's 32 accesses become the fewest possible
// memory transactions.
//
// Why it is still slow. Each FMA still needs its own 2 loads (A's is shared by the warp, B's
// is not): per warp and step, 160 bytes through L1 for 32 FMAs, 5 bytes per FMA. An SM's L1
// delivers about 128 bytes per clock while its FMA units could do 128 FMAs per clock: the
// loads cap the kernel near 128 / 5 = 25 FMAs per clock, a fifth of the peak, and the real
// figure is lower (latency, L2 misses). Expected: about 0.1x cuBLAS (~5 TFLOP/s, ~27 ms at
// 4096^3). The data each block needs is reused by its threads over and over, yet every
// thread loads it again: the next step (03-smem-tile.cu) loads each value once per block.
#include "kernelcoach.h"

constexpr unsigned TILE = 32;  // a 32 x 32 block of threads: 1024 threads, 32 warps

extern "C" __global__ void matmul(const float* __restrict__ a, const float* __restrict__ b,
                                  float* __restrict__ c, int m, int n, int k)
{
    const int col = blockIdx.x * TILE + threadIdx.x;  // x walks the columns: coalesced
    const int row = blockIdx.y * TILE + threadIdx.y;
    if (row >= m || col >= n) return;

    float sum = 0.0f;
    for (int kk = 0; kk < k; ++kk)
        sum += a[row * k + kk] * b[kk * n + col];
    c[row * n + col] = sum;
}

// grid.x counts blocks of columns (n), grid.y blocks of rows (m), both rounded up.
constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.n + TILE - 1) / TILE), unsigned((p.m + TILE - 1) / TILE)},
                  .block = {TILE, TILE}};
}
