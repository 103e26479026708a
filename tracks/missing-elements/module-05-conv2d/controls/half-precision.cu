// Control for missing-elements/05 - expected verdict: WRONG.
//
// What it demonstrates: the right convolution computed in half precision. Input and filter
// values are rounded to fp16 (11 significant bits where fp32 keeps 24) and every multiply-add
// is done in fp16, so each of the C*R*S roundings of the sum is 2^13 = 8192 times coarser than
// in fp32. Even case "one", a single product, is off by up to 2^-11 relative - thousands of
// times the bound for one fp32 rounding - and in the long sums (576 terms) the error grows
// with every term; where the terms are large, fp16's range (at most 65504) overflows to
// infinity. Half precision is a real speed trick (and tensor cores use it), but it is a
// different answer, and the grader must say so.

#include "kernelcoach.h"
#include <cuda_fp16.h>

constexpr long long out_extent(long long in, long long f, long long pad, long long stride) {
    return (in + 2 * pad - f) / stride + 1;
}

extern "C" __global__ void conv2d(const float* __restrict__ input, const float* __restrict__ filter,
                                  float* __restrict__ output,
                                  int n, int c, int h, int w, int k, int r, int s, int pad, int stride)
{
    const int P = int(out_extent(h, r, pad, stride));
    const int Q = int(out_extent(w, s, pad, stride));
    const int idx = blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= n * k * P * Q) return;
    const int q = idx % Q;
    const int p = (idx / Q) % P;
    const int kk = (idx / (Q * P)) % k;
    const int b = idx / (Q * P * k);

    __half acc = __float2half(0.0f);  // BUG: an fp16 accumulator...
    for (int ch = 0; ch < c; ++ch) {
        for (int i = 0; i < r; ++i) {
            const int row = p * stride - pad + i;
            if (row < 0 || row >= h) continue;
            for (int j = 0; j < s; ++j) {
                const int col = q * stride - pad + j;
                if (col < 0 || col >= w) continue;
                // BUG: ...fed with fp16 inputs, by fp16 multiply-adds.
                const __half x = __float2half(input[((b * c + ch) * h + row) * w + col]);
                const __half f = __float2half(filter[((kk * c + ch) * r + i) * s + j]);
                acc = __hfma(x, f, acc);
            }
        }
    }
    output[idx] = __half2float(acc);
}

constexpr Launch launch(Problem p) {
    constexpr unsigned threads = 256;
    const long long outputs =
        p.n * p.k * out_extent(p.h, p.r, p.pad, p.stride) * out_extent(p.w, p.s, p.pad, p.stride);
    return Launch{.grid = {unsigned((outputs + threads - 1) / threads)}, .block = {threads}};
}
