// Control for missing-elements/04 - expected verdict: WRONG.
//
// What it demonstrates: a kernel that returns its input, y = x. Every element is written, in
// bounds, and on rows that are already normalised (mean ~0, variance ~1) with gamma ~1 and
// beta ~0 it would even look plausible. kernelcoach's gamma and beta are random and its rows
// vary in mean and scale, so the difference shows almost everywhere.

#include "kernelcoach.h"

extern "C" __global__ void layer_norm(const float* __restrict__ x,
                                      const float* __restrict__ gamma,
                                      const float* __restrict__ beta,
                                      float* __restrict__ y,
                                      int rows, int cols, float eps)
{
    const int row = blockIdx.x;
    if (row >= rows) return;
    const float* xr = x + size_t(row) * cols;
    float* yr = y + size_t(row) * cols;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        yr[j] = xr[j];  // BUG: no normalisation, no gamma, no beta
    }
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned(p.rows)}, .block = {256}};
}
