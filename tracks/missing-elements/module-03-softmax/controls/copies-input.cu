// Control for missing-elements/03 - expected verdict: WRONG.
//
// What it demonstrates: a kernel that returns its input, y = x. The output has the right shape,
// every element is written, nothing is out of bounds, the access pattern is the solution's -
// and the values are not probabilities: they are negative or far above 1, and no row sums to 1.
// (In a row of one column the truth is exactly 1, so even there only an input of exactly 1.0
// would pass.)

#include "kernelcoach.h"

extern "C" __global__ void softmax(const float* __restrict__ x, float* __restrict__ y, int rows,
                                   int cols) {
    const float* xr = x + static_cast<long long>(blockIdx.x) * cols;  // this block's row
    float* yr = y + static_cast<long long>(blockIdx.x) * cols;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        yr[j] = xr[j];  // BUG: no softmax at all
    }
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned(p.rows)}, .block = {256}};
}
