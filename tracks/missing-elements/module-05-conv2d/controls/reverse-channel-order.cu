// Control for missing-elements/05 - expected verdict: PASSED.
//
// What it demonstrates: a sum taken in another order is still correct. This kernel is the
// solution with the channel loop running backwards, C-1 down to 0: the same C*R*S terms,
// added in a different order, so each output is rounded differently - it differs from the
// solution's in the last bits, and from cuDNN's, which uses yet another order. All of them are
// within the bound, which comes from the error analysis of an fp32 sum of C*R*S products
// (about sqrt(C*R*S) roundings of the size of the terms), not from agreement with one
// particular kernel. A grader that demanded bit-for-bit equality with cuDNN would reject this
// correct kernel.

#include "kernelcoach.h"

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

    float acc = 0.0f;
    for (int ch = c - 1; ch >= 0; --ch) {  // the last channel first
        for (int i = 0; i < r; ++i) {
            const int row = p * stride - pad + i;
            if (row < 0 || row >= h) continue;
            for (int j = 0; j < s; ++j) {
                const int col = q * stride - pad + j;
                if (col < 0 || col >= w) continue;
                acc += input[((b * c + ch) * h + row) * w + col] * filter[((kk * c + ch) * r + i) * s + j];
            }
        }
    }
    output[idx] = acc;
}

constexpr Launch launch(Problem p) {
    constexpr unsigned threads = 256;
    const long long outputs =
        p.n * p.k * out_extent(p.h, p.r, p.pad, p.stride) * out_extent(p.w, p.s, p.pad, p.stride);
    return Launch{.grid = {unsigned((outputs + threads - 1) / threads)}, .block = {threads}};
}
