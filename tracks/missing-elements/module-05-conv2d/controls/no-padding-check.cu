// Control for missing-elements/05 - expected verdict: WRONG.
//
// What it demonstrates: the padding test left out. The window's rows and columns are computed
// correctly, but a row or column outside the image is read anyway instead of counted as zero.
// Column -1 of a row is the last column of the row above it, row -1 of a channel is the last
// row of the channel before it, and at the very first and last pixels of the tensor the reads
// leave the input buffer altogether (up to pad*W + pad floats before its start or after its
// end). kernelcoach surrounds every buffer with guard zones, so those reads find its guard
// pattern (garbage, often NaN) instead of faulting; on a plain allocation they could read
// another buffer or crash. Every output on the border of a padded case is wrong; the cases
// with pad = 0 pass, since no window leaves the image there.

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
            const int row = p * stride - pad + i;  // BUG: no `if (row < 0 || row >= h) continue;`
            for (int j = 0; j < s; ++j) {
                const int col = q * stride - pad + j;  // BUG: no `if (col < 0 || col >= w) continue;`
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
