// Control for missing-elements/05 - expected verdict: WRONG.
//
// What it demonstrates: floor division in launch(). grid = outputs / 256 rounds DOWN, so the
// last partial block is never launched, and the last outputs of the tensor (the bottom-right
// corner of the last channel of the last image) keep the NaN sentinel: case "pointwise" has
// 2 * 4 * 7 * 5 = 280 outputs, gets one block, and outputs 256..279 are never written. The
// cases with fewer than 256 outputs ("one": 1, "stride3": 160, "non-square-filter": 200) get a
// grid of zero blocks, which is not a launch at all: kernelcoach reports it as an error in
// your launch() and the case fails. The cases whose output count is a multiple of 256 pass:
// "layer" (8 * 64 * 56 * 56 = 256 * 6272) and the timed "large" (32 * 64 * 56 * 56 =
// 256 * 25088).

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
    return Launch{.grid = {unsigned(outputs / threads)}, .block = {threads}};  // BUG: rounds down
}
