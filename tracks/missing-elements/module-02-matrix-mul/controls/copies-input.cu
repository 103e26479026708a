// Control for missing-elements/02 - expected verdict: WRONG.
//
// What it demonstrates: a kernel that returns its input. C(i, j) = A(i, j mod k): a copy of A,
// repeated across C where C is wider than A. Every element is written, in bounds, with values
// of a plausible size, and for m = n = k = 1 it is even right wherever B happens to be close
// to 1. The comparison with the float64 truth catches it everywhere else.

#include "kernelcoach.h"

extern "C" __global__ void matmul(const float* __restrict__ a, const float* __restrict__ b,
                                  float* __restrict__ c, int m, int n, int k)
{
    const int col = blockIdx.x * blockDim.x + threadIdx.x;
    const int row = blockIdx.y * blockDim.y + threadIdx.y;
    if (row < m && col < n) {
        c[row * n + col] = a[row * k + col % k];  // BUG: B is never used
    }
}

constexpr Launch launch(Problem p) {
    constexpr unsigned t = 16;
    return Launch{.grid = {unsigned((p.n + t - 1) / t), unsigned((p.m + t - 1) / t)},
                  .block = {t, t}};
}
