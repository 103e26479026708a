// Control for missing-elements/02 - expected verdict: WRONG.
//
// What it demonstrates: a layout mistake. B is k x n, row-major: B(kk, j) is b[kk * n + j].
// This kernel reads b[j * k + kk], as if B were stored n x k (that is, as if it were B
// transposed): it computes A * B' for the wrong B'. Every index stays inside b, every element
// of C is written, and the values have the right size; only the comparison with the truth
// catches it. For k = 1 the two layouts coincide (B is one row, and b[j * 1 + 0] is b[j]), so
// the cases `one` and `k-one` pass; every other case catches it, the square ones too (a square
// B read the wrong way round is B transposed, a different matrix).

#include "kernelcoach.h"

extern "C" __global__ void matmul(const float* __restrict__ a, const float* __restrict__ b,
                                  float* __restrict__ c, int m, int n, int k)
{
    const int col = blockIdx.x * blockDim.x + threadIdx.x;
    const int row = blockIdx.y * blockDim.y + threadIdx.y;
    if (row < m && col < n) {
        float sum = 0.0f;
        for (int kk = 0; kk < k; ++kk) {
            sum += a[row * k + kk] * b[col * k + kk];  // BUG: should be b[kk * n + col]
        }
        c[row * n + col] = sum;
    }
}

constexpr Launch launch(Problem p) {
    constexpr unsigned t = 16;
    return Launch{.grid = {unsigned((p.n + t - 1) / t), unsigned((p.m + t - 1) / t)},
                  .block = {t, t}};
}
