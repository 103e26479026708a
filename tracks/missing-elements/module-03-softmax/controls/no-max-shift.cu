// Control for missing-elements/03 - expected verdict: WRONG.
//
// What it demonstrates: softmax without the max shift, exp(x) / sum exp(x). In exact
// arithmetic it is the same function (the factor exp(max) cancels), and on rows of small
// values it even passes. But expf overflows to inf for x > 88.7 (and underflows to 0 below about
// -104): kernelcoach's inputs include rows offset by about 1000, where every exp is inf, the
// sum is inf, and inf * (1 / inf) = inf * 0 = NaN in every element of the row. (Offset by
// -1000, every exp is 0, the sum is 0, and 0 * (1 / 0) = 0 * inf = NaN again.)

#include "kernelcoach.h"

constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;

float warp_sum(float v) {
    for (int offset = 16; offset > 0; offset /= 2) {
        v += __shfl_xor_sync(0xffffffffu, v, offset);
    }
    return v;
}

extern "C" __global__ void softmax(const float* __restrict__ x, float* __restrict__ y, int rows,
                                   int cols) {
    __shared__ float partial[kWarps];  // one slot per warp
    const float* xr = x + static_cast<long long>(blockIdx.x) * cols;  // this block's row
    float* yr = y + static_cast<long long>(blockIdx.x) * cols;
    const int lane = threadIdx.x % 32;
    const int warp = threadIdx.x / 32;

    float s = 0.0f;
    for (int j = threadIdx.x; j < cols; j += kThreads) {
        s += expf(xr[j]);  // BUG: no max subtracted
    }
    s = warp_sum(s);
    if (lane == 0) partial[warp] = s;
    __syncthreads();  // every slot written before any is read
    s = partial[0];
    for (int w = 1; w < kWarps; ++w) s += partial[w];

    const float inv = 1.0f / s;
    for (int j = threadIdx.x; j < cols; j += kThreads) {
        yr[j] = expf(xr[j]) * inv;  // BUG: no max subtracted
    }
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned(p.rows)}, .block = {unsigned(kThreads)}};
}
