// optimization/01 - tiling: make this matrix multiply fast. C = A * B in fp32, row-major.
//
// This file is CORRECT and SLOW: one thread per element of C, each reading a whole row of A
// and a whole column of B from global memory. It gets TOO_SLOW, not WRONG: the module passes
// only when your kernel is correct on every case AND at least 0.60x as fast as cuBLAS SGEMM
// (TF32 off) on the timed 4096 x 4096 x 4096 case, on your GPU. Expect this one near 0.1x.
//
//     kernelcoach run optimization/01       # the verdict: correctness, then speed
//     kernelcoach bench optimization/01     # against cuBLAS: time, TFLOP/s, registers, ...
//     kernelcoach tune optimization/01      # every combination of the tunables below, ranked
//     kernelcoach bench optimization/01 --examples   # the worked examples, naive to fast
//
// README.md explains the ladder from here to the gate, with the napkin math of each step:
// coalescing, shared-memory tiles, register tiles, float4 loads, warp tiles. examples/ holds
// each step as a complete kernel; hints.md says what limits the kernel at each step and what
// to try next, one hint at a time. Rewrite as much of this file as you like: only the kernel's
// name and arguments and launch() are fixed (tracks/README.md, "The learner-kernel contract").
//
// Fixed by the module:
//     matmul(a, b, c, m, n, k)
//     a   A, m x k floats, row-major: element (i, kk) is a[i * k + kk]
//     b   B, k x n floats, row-major: element (kk, j) is b[kk * n + j]
//     c   C, m x n floats, row-major: element (i, j)  is c[i * n + j]
//     m, n, k   any sizes from 1 up (1 x 1 x 1, 127 x 129 x 131, 4099 x 3 x 257, ...). Rows
//               start 16-byte aligned only when their length is a multiple of 4: a float4
//               load needs that, so keep a path that loads one float at a time.
//
// Napkin math for the timed case: 2 * 4096^3 = 137 GFLOP. cuBLAS does about 51 TFLOP/s on an
// H100 or H200 (2.7 ms); 0.60x of that is about 31 TFLOP/s (4.5 ms).

#include "kernelcoach.h"

// Tunables: `kernelcoach tune optimization/01` builds this file once per combination of the
// values on the `// tune:` line (with -DBLOCK_X=16 ...), checks and times each, and ranks them.
// Add your own: an `#ifndef NAME` default and a `// tune: NAME=a,b` line (tracks/README.md,
// section 4).
// tune: BLOCK_X=16,32,64 BLOCK_Y=4,8,16
#ifndef BLOCK_X
#define BLOCK_X 32  // threads per block along the columns of C (threadIdx.x)
#endif
#ifndef BLOCK_Y
#define BLOCK_Y 8   // threads per block along the rows of C (threadIdx.y)
#endif

static_assert(BLOCK_X * BLOCK_Y <= 1024, "at most 1024 threads per block");

extern "C" __global__ void matmul(const float* __restrict__ a, const float* __restrict__ b,
                                  float* __restrict__ c, int m, int n, int k)
{
    // threadIdx.x walks the columns of C: the 32 lanes of a warp read 32 consecutive floats
    // of a row of B (coalesced) and the same float of A (a broadcast). With BLOCK_X = 16 a warp
    // spans two rows of C: still coalesced, in two pieces.
    const int col = blockIdx.x * BLOCK_X + threadIdx.x;
    const int row = blockIdx.y * BLOCK_Y + threadIdx.y;
    if (row >= m || col >= n) return;  // the grid is rounded up: the last blocks stick out

    // Every FMA loads its own two operands from global memory (through L1 and L2): 8 bytes for
    // 2 flops, and every value of A and B is loaded again by every thread that needs it. Step
    // 3 of the README's ladder loads each value once per block, into shared memory.
    float sum = 0.0f;
    for (int kk = 0; kk < k; ++kk)
        sum += a[row * k + kk] * b[kk * n + col];
    c[row * n + col] = sum;
}

// One thread per element of C: x counts columns (n), y counts rows (m), both rounded up.
constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.n + BLOCK_X - 1) / BLOCK_X),
                           unsigned((p.m + BLOCK_Y - 1) / BLOCK_Y)},
                  .block = {unsigned(BLOCK_X), unsigned(BLOCK_Y)}};
}
