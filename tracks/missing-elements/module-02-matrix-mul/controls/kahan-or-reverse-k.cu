// Control for missing-elements/02 - expected verdict: PASSED.
//
// What it demonstrates: an odd but correct summation. Each thread sums its k products in
// REVERSE order (kk = k - 1 down to 0) and with Kahan compensation (a second register carries
// the rounding error of every addition into the next one). The result differs from a forward
// sum, from the module's kernel and from cuBLAS in the last bits - and it is just as right,
// more accurate in fact. kernelcoach's bound comes from the error analysis of a dot product
// (c * 2^-24 * sqrt(k) * (|C| + the size of the terms)), not from one particular order, so
// every fp32 summation order passes: forward, reverse, tiled, tree, compensated.
//
// (Kahan summation only works if the compiler keeps the additions as written; NVRTC does not
// reassociate floating-point arithmetic unless asked to with fast-math options.)

#include "kernelcoach.h"

extern "C" __global__ void matmul(const float* __restrict__ a, const float* __restrict__ b,
                                  float* __restrict__ c, int m, int n, int k)
{
    const int col = blockIdx.x * blockDim.x + threadIdx.x;
    const int row = blockIdx.y * blockDim.y + threadIdx.y;
    if (row < m && col < n) {
        float sum = 0.0f;
        float comp = 0.0f;  // the low-order bits lost so far, to be added back
        for (int kk = k - 1; kk >= 0; --kk) {
            const float y = a[row * k + kk] * b[kk * n + col] - comp;
            const float t = sum + y;
            comp = (t - sum) - y;  // what the addition sum + y rounded away (negated)
            sum = t;
        }
        c[row * n + col] = sum;
    }
}

constexpr Launch launch(Problem p) {
    constexpr unsigned t = 16;
    return Launch{.grid = {unsigned((p.n + t - 1) / t), unsigned((p.m + t - 1) / t)},
                  .block = {t, t}};
}
