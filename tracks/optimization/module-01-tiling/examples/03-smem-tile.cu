// Worked example, step 3 of 7: shared-memory tiles, 32 x 32. One output per thread still, but
// the block copies each value it needs from global memory into shared memory ONCE, and its
// threads read it from there.
// Run: kernelcoach bench optimization/01 --examples
//
// What changed from 02-coalesced.cu: a 32 x 32 block computes a 32 x 32 tile of C. It walks k
// in steps of 32: copy a 32 x 32 tile of A and one of B into shared memory (one float each per
// thread, coalesced, zero outside the matrices), wait, do 32 FMAs per thread out of shared
// memory, wait, move on.
//
// Why it is faster. Every value loaded from global memory now serves the 32 threads of the
// block that need it: global traffic drops 32x, from 2 * 4 * 4096^3 = 550 GB (the cache-less
// count of step 2) to 550 / 32 = 17 GB for the 4096^3 product, most of it from L2.
//
// Why it is still slow. Each FMA still reads 2 floats, now from shared memory: As[ty][kk]
// (one word for the whole warp, a broadcast) and Bs[kk][tx] (32 consecutive words, one per
// bank). Shared memory serves one such warp-wide access per clock per SM; the FMA units do 4
// warp-wide FMAs per clock. 2 loads per FMA cap the kernel at 1 / 2 warp-FMA per clock: 1/8
// of the FMA peak, about 8 TFLOP/s on an H200 (0.16x cuBLAS) as written; the compiler merges
// four of As's reads into one 16-byte load (LDS.128), so fewer loads issue than the source
// shows. Measured on an H200: 8.78 TFLOP/s, 0.18x cuBLAS. The next step reuses each
// shared-memory load for several FMAs, in registers.
#include "kernelcoach.h"

constexpr int T = 32;  // tile side: a T x T block of threads computes a T x T tile of C

extern "C" __global__ void matmul(const float* __restrict__ a, const float* __restrict__ b,
                                  float* __restrict__ c, int m, int n, int k)
{
    __shared__ float As[T][T];  // (T, T): rows of A of this block, columns k0 .. k0 + 31
    __shared__ float Bs[T][T];  // (T, T): rows k0 .. k0 + 31 of B, columns of this block

    const int tx = threadIdx.x, ty = threadIdx.y;
    const int row = blockIdx.y * T + ty;
    const int col = blockIdx.x * T + tx;

    float sum = 0.0f;
    for (int k0 = 0; k0 < k; k0 += T) {
        // Thread (tx, ty) loads A(row, k0 + tx) and B(k0 + ty, col), or 0 outside the
        // matrices: a warp (one ty) reads 32 consecutive floats of each. Zeros add nothing to
        // the sum, so the partial last tile along k needs no other care.
        As[ty][tx] = (row < m && k0 + tx < k) ? a[row * k + k0 + tx] : 0.0f;
        Bs[ty][tx] = (k0 + ty < k && col < n) ? b[(k0 + ty) * n + col] : 0.0f;
        // Barrier 1: every thread reads values that 31 other threads stored.
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < T; ++kk)
            sum += As[ty][kk] * Bs[kk][tx];  // As: a broadcast; Bs: 32 banks, no conflict
        // Barrier 2: every thread is done reading before the next iteration overwrites.
        __syncthreads();
    }
    // Threads outside C took part in the loads (every thread must reach both barriers), but
    // store nothing.
    if (row < m && col < n) c[row * n + col] = sum;
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.n + T - 1) / T), unsigned((p.m + T - 1) / T)},
                  .block = {unsigned(T), unsigned(T)}};
}
