// Control for missing-elements/05 - expected verdict: WRONG.
//
// What it demonstrates: the textbook convolution instead of the deep-learning one. Signal
// processing defines convolution with the filter flipped: tap (i, j) of the window meets filter
// element (R-1-i, S-1-j). cuDNN, PyTorch and this exercise compute a cross-correlation: tap
// (i, j) meets filter element (i, j), no flip. The two agree only when the filter is symmetric
// under a 180-degree turn - always for 1x1 filters (cases "one" and "pointwise" pass), almost
// never for random 3x3 ones. A network does not care which one you pick, as long as training
// and inference agree; a kernel that must match cuDNN does.

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
                // BUG: the filter is flipped in both axes (should be filter element (kk, ch, i, j))
                const int fi = r - 1 - i;
                const int fj = s - 1 - j;
                acc += input[((b * c + ch) * h + row) * w + col] * filter[((kk * c + ch) * r + fi) * s + fj];
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
