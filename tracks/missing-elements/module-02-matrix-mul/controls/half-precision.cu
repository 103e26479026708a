// Control for missing-elements/02 - expected verdict: WRONG.
//
// What it demonstrates: the right algorithm on half-precision inputs. Every value of A and B is
// rounded to fp16 (11 significant bits, relative error up to 2^-11) before it is multiplied;
// the sum itself is fp32. That is the error of a GEMM that stores its inputs in fp16 - a real
// speed trick, and a different answer. Each product is off by up to ~2^-10 relative, and the
// errors of k products add up like a random walk to ~2^-11 * sqrt(sum of squared terms);
// the fp32 bound is ~2^-24 * sqrt(k) times the same size, so fp16 inputs miss it by a factor
// of about 2^13 / sqrt(k): over 100x at k = 1000, still over 10x at k = 5003.

#include "kernelcoach.h"
#include <cuda_fp16.h>

extern "C" __global__ void matmul(const float* __restrict__ a, const float* __restrict__ b,
                                  float* __restrict__ c, int m, int n, int k)
{
    const int col = blockIdx.x * blockDim.x + threadIdx.x;
    const int row = blockIdx.y * blockDim.y + threadIdx.y;
    if (row < m && col < n) {
        float sum = 0.0f;
        for (int kk = 0; kk < k; ++kk) {
            // BUG: both inputs rounded to 16 bits before the (fp32) multiply-add.
            const float x = __half2float(__float2half(a[row * k + kk]));
            const float y = __half2float(__float2half(b[kk * n + col]));
            sum += x * y;
        }
        c[row * n + col] = sum;
    }
}

constexpr Launch launch(Problem p) {
    constexpr unsigned t = 16;
    return Launch{.grid = {unsigned((p.n + t - 1) / t), unsigned((p.m + t - 1) / t)},
                  .block = {t, t}};
}
