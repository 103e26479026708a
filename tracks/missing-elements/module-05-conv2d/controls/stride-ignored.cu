// Control for missing-elements/05 - expected verdict: WRONG.
//
// What it demonstrates: the stride forgotten in the index, but not in the output size. P and Q
// are computed with the stride, so the output has the right shape and every element is
// written, but the window of output (p, q) starts at row p - pad and column q - pad, as if the
// stride were 1. Output (0, 0) is right; every other window is in the wrong place. All the
// stride-1 cases pass - which is why the module has cases with stride 2 and 3, and why a test
// suite of only "same"-padding 3x3 layers would never notice.

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
    for (int ch = 0; ch < c; ++ch) {
        for (int i = 0; i < r; ++i) {
            const int row = p - pad + i;  // BUG: should be p * stride - pad + i
            if (row < 0 || row >= h) continue;
            for (int j = 0; j < s; ++j) {
                const int col = q - pad + j;  // BUG: should be q * stride - pad + j
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
