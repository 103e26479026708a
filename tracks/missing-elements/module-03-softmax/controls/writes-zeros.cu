// Control for missing-elements/03 - expected verdict: WRONG.
//
// What it demonstrates: a kernel that writes every element, in bounds, with the right access
// pattern - and the wrong value. Writing zeros clears the NaN sentinel everywhere, so only the
// comparison with the float64 truth can catch it. Every softmax output of a row is positive and
// the largest is at least 1 / cols, and kernelcoach's bound is relative to each element, so 0
// fails on every row.

#include "kernelcoach.h"

extern "C" __global__ void softmax(const float* __restrict__ x, float* __restrict__ y, int rows,
                                   int cols) {
    float* yr = y + static_cast<long long>(blockIdx.x) * cols;  // this block's row
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        yr[j] = 0.0f;  // BUG: nothing is computed
    }
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned(p.rows)}, .block = {256}};
}
