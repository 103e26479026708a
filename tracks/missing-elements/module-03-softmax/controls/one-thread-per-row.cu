// Control for missing-elements/03 - expected verdict: PASSED.
//
// What it demonstrates: the simplest correct softmax, one thread per row, three plain loops,
// no reduction across threads at all. Its sums are sequential fp32 sums - 30011 terms in a
// row in the case "long" - whose rounding error grows much faster than a tree sum's: 34 times
// larger on rows of 30000 columns, measured on an H100 (docs/grading.md). That is still a
// correct fp32 algorithm, and kernelcoach's bound comes from the error analysis of exactly
// such a sum, so it must pass: the tolerance rejects wrong answers, not summation orders.
//
// It is slow: neighbouring threads read rows cols floats apart, so every warp load touches
// 32 different rows (32 sectors of 32 bytes for 128 useful bytes), and the timed case has only
// 16384 threads: 64 blocks, on a GPU of 132 SMs. Compare its time with the solution's.

#include "kernelcoach.h"

extern "C" __global__ void softmax(const float* __restrict__ x, float* __restrict__ y, int rows,
                                   int cols) {
    const int row = blockIdx.x * blockDim.x + threadIdx.x;  // one row per thread
    if (row >= rows) return;  // the last block sticks out past the last row
    const float* xr = x + static_cast<long long>(row) * cols;
    float* yr = y + static_cast<long long>(row) * cols;

    float m = xr[0];  // a row has at least one element
    for (int j = 1; j < cols; ++j) m = fmaxf(m, xr[j]);

    float s = 0.0f;
    for (int j = 0; j < cols; ++j) s += expf(xr[j] - m);  // sequential, left to right

    const float inv = 1.0f / s;
    for (int j = 0; j < cols; ++j) yr[j] = expf(xr[j] - m) * inv;
}

constexpr Launch launch(Problem p) {
    constexpr unsigned threads = 256;
    return Launch{.grid = {unsigned((p.rows + threads - 1) / threads)}, .block = {threads}};
}
