// Control for missing-elements/02 - expected verdict: PASSED.
//
// What it demonstrates: the simplest correct matrix multiply. One thread per element of C, a
// 2D grid of 16 x 16 blocks, and a plain loop over k that reads A and B straight from global
// memory: no shared memory, no barriers, no tiles. It is correct for every shape (the only
// mask is on the output), so it must pass - and it is slow: each thread loads 2k floats for
// 2k flops, 4 bytes per flop, where the H100 delivers about 0.05 bytes per flop from HBM
// (3.35 TB/s / 67 TFLOP/s). The caches save it from being hopeless; tiling (the module's
// kernel) is what makes it fast. README.md has the numbers.

#include "kernelcoach.h"

extern "C" __global__ void matmul(const float* __restrict__ a, const float* __restrict__ b,
                                  float* __restrict__ c, int m, int n, int k)
{
    const int col = blockIdx.x * blockDim.x + threadIdx.x;  // consecutive threads, consecutive
    const int row = blockIdx.y * blockDim.y + threadIdx.y;  // columns: B and C are coalesced
    if (row < m && col < n) {
        float sum = 0.0f;
        for (int kk = 0; kk < k; ++kk) {
            sum += a[row * k + kk] * b[kk * n + col];  // a: one address per row (broadcast)
        }
        c[row * n + col] = sum;
    }
}

constexpr Launch launch(Problem p) {
    constexpr unsigned t = 16;  // 16 x 16 = 256 threads
    return Launch{.grid = {unsigned((p.n + t - 1) / t), unsigned((p.m + t - 1) / t)},
                  .block = {t, t}};
}
