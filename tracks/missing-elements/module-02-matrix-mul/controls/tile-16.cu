// Control for missing-elements/02 - expected verdict: PASSED.
//
// What it demonstrates: the textbook shared-memory matmul, with another tile size than the
// module's kernel and one output per thread. A 16 x 16 block computes a 16 x 16 tile of C; at
// each step along k it copies a 16 x 16 tile of A and one of B into shared memory (one element
// per thread, zero outside the matrices), waits, accumulates 16 products, waits again. Each
// value loaded from global memory is used 16 times, so global traffic drops 16x against the
// naive kernel; but every FMA still needs 2 shared-memory loads, which caps it far below the
// register-tiled kernel (README.md, "Register tiling"). Any tile size is correct if the
// masks and both barriers are right: this control proves the tests accept it.

#include "kernelcoach.h"

constexpr int T = 16;  // tile side: a T x T block of threads computes a T x T tile of C

extern "C" __global__ void matmul(const float* __restrict__ a, const float* __restrict__ b,
                                  float* __restrict__ c, int m, int n, int k)
{
    __shared__ float As[T][T];  // (T, T): rows of A for this block, columns k0..k0+T-1
    __shared__ float Bs[T][T];  // (T, T): rows k0..k0+T-1 of B, columns of this block

    const int tx = threadIdx.x, ty = threadIdx.y;
    const int row = blockIdx.y * T + ty;
    const int col = blockIdx.x * T + tx;

    float sum = 0.0f;
    for (int k0 = 0; k0 < k; k0 += T) {
        // Thread (tx, ty) loads A(row, k0 + tx) and B(k0 + ty, col), or 0 outside.
        As[ty][tx] = (row < m && k0 + tx < k) ? a[row * k + k0 + tx] : 0.0f;
        Bs[ty][tx] = (k0 + ty < k && col < n) ? b[(k0 + ty) * n + col] : 0.0f;
        __syncthreads();  // the tiles are complete before anyone reads them
        for (int kk = 0; kk < T; ++kk) {
            sum += As[ty][kk] * Bs[kk][tx];
        }
        __syncthreads();  // everyone is done reading before the next step overwrites them
    }
    if (row < m && col < n) {
        c[row * n + col] = sum;
    }
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.n + T - 1) / T), unsigned((p.m + T - 1) / T)},
                  .block = {unsigned(T), unsigned(T)}};
}
