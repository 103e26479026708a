// Control for missing-elements/04 - expected verdict: WRONG.
//
// What it demonstrates: a kernel that writes every element of y, in bounds, with the right
// access pattern - and the wrong value. Writing zeros clears the NaN sentinel everywhere, so
// only the comparison with the float64 truth can catch it. (A normalised row has mean 0, so
// zeros are "right on average"; with a random beta the truth is almost nowhere 0.)

#include "kernelcoach.h"

extern "C" __global__ void layer_norm(const float* __restrict__ x,
                                      const float* __restrict__ gamma,
                                      const float* __restrict__ beta,
                                      float* __restrict__ y,
                                      int rows, int cols, float eps)
{
    const int row = blockIdx.x;
    if (row >= rows) return;
    float* yr = y + size_t(row) * cols;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        yr[j] = 0.0f;  // BUG: the result is never computed
    }
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned(p.rows)}, .block = {256}};
}
