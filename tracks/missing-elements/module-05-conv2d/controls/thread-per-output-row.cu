// Control for missing-elements/05 - expected verdict: PASSED.
//
// What it demonstrates: another mapping of threads to outputs, correct but slow. Each thread
// computes a whole output row - (b, kk, p) and every q from 0 to Q-1 - so the grid has
// N*K*P threads instead of N*K*P*Q. Every output element is still written by exactly one
// thread, in a fixed order, so the result is right and the same on every run.
//
// Why it is slow: neighbouring threads now differ in p, not q, so at each step the 32 threads
// of a warp read 32 input values stride*W floats apart (32 different cache lines instead of
// one or two) and write 32 outputs Q floats apart: nothing is coalesced. And there are Q times
// fewer threads: the timed case has 114,688 of them, about 870 per SM of an H100, too few to
// hide the memory latency. Compare its time with the solution's: the arithmetic is identical.

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
    const int row_idx = blockIdx.x * blockDim.x + threadIdx.x;  // the flat index of (b, kk, p)
    if (row_idx >= n * k * P) return;
    const int p = row_idx % P;
    const int kk = (row_idx / P) % k;
    const int b = row_idx / (P * k);

    for (int q = 0; q < Q; ++q) {
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
        // NKPQ: output row (b, kk, p) starts at ((b*K + kk)*P + p)*Q = row_idx * Q.
        output[row_idx * Q + q] = acc;
    }
}

constexpr Launch launch(Problem p) {
    constexpr unsigned threads = 128;
    const long long rows = p.n * p.k * out_extent(p.h, p.r, p.pad, p.stride);  // N*K*P output rows
    return Launch{.grid = {unsigned((rows + threads - 1) / threads)}, .block = {threads}};
}
