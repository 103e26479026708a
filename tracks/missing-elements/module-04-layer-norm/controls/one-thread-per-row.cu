// Control for missing-elements/04 - expected verdict: PASSED (correct, and slow).
//
// What it demonstrates: the most direct layer norm there is - one thread per row, plain
// sequential fp32 loops, no shuffles, no shared memory, no barriers. It must pass: the bound
// kernelcoach grades with comes from the error analysis of a sum, and holds for every order
// of summation, the sequential one included (its error grows faster with the row length than
// a tree's, and the bound allows for that). A grader that only accepted the reference's
// summation order would be grading the order, not the answer.
//
// It is slow: a warp's 32 threads read 32 different rows, cols * 4 bytes apart, so every load
// instruction touches 32 separate 32-byte sectors (uncoalesced), and 16384 rows make only 64
// blocks - 68 of an H100's 132 SMs get no work. Expect a small fraction of the copy rate on
// the timed case; compare with the solution's one block per row.

#include "kernelcoach.h"

extern "C" __global__ void layer_norm(const float* __restrict__ x,
                                      const float* __restrict__ gamma,
                                      const float* __restrict__ beta,
                                      float* __restrict__ y,
                                      int rows, int cols, float eps)
{
    const int row = blockIdx.x * blockDim.x + threadIdx.x;
    if (row >= rows) return;  // no barriers in this kernel: any thread may leave early
    const float* xr = x + size_t(row) * cols;
    float* yr = y + size_t(row) * cols;

    float sum = 0.0f;
    for (int j = 0; j < cols; ++j) sum += xr[j];  // sequential, left to right
    const float mean = sum / cols;

    float sq = 0.0f;
    for (int j = 0; j < cols; ++j) {
        const float d = xr[j] - mean;
        sq += d * d;
    }
    const float var = sq / cols;
    const float rstd = rsqrtf(var + eps);

    for (int j = 0; j < cols; ++j) yr[j] = (xr[j] - mean) * rstd * gamma[j] + beta[j];
}

constexpr Launch launch(Problem p) {
    constexpr unsigned threads = 256;  // one row per thread
    return Launch{.grid = {unsigned((p.rows + threads - 1) / threads)}, .block = {threads}};
}
