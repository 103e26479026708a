// Control for missing-elements/02 - expected verdict: WRONG.
//
// What it demonstrates: a kernel that writes every element of C, in bounds, with the right
// 2D indexing and a coalesced store - and the wrong value. Zeros clear the NaN sentinel
// everywhere, so only the comparison with the float64 truth catches it. The bound of an
// element is a few units of fp32 rounding times sqrt(k) times the size of its terms: a
// tolerance loose enough to accept 0 would accept anything.

#include "kernelcoach.h"

extern "C" __global__ void matmul(const float* __restrict__ a, const float* __restrict__ b,
                                  float* __restrict__ c, int m, int n, int k)
{
    const int col = blockIdx.x * blockDim.x + threadIdx.x;
    const int row = blockIdx.y * blockDim.y + threadIdx.y;
    if (row < m && col < n) {
        c[row * n + col] = 0.0f;  // BUG: the dot product is never computed
    }
}

constexpr Launch launch(Problem p) {
    constexpr unsigned t = 16;
    return Launch{.grid = {unsigned((p.n + t - 1) / t), unsigned((p.m + t - 1) / t)},
                  .block = {t, t}};
}
