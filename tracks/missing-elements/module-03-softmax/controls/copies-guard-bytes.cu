// Control for missing-elements/03 - expected verdict: WRONG.
//
// What it demonstrates: a write past the end of an output that leaves no visible trace unless
// every buffer's guard zone is its own. This is the correct warp-per-row softmax plus one bug:
// the last row's warp also copies the 3 floats that follow the end of x to the 3 floats that
// follow the end of y. In a real program those bytes belong to some other array, and this
// overwrites them. kernelcoach fills the bytes after every buffer with a pattern and checks it
// after the launch; if x and y had the same pattern, this copy would change nothing it can see
// (it once passed every case). Each buffer of each run now has its own pattern, so the guard
// after y is caught changed: "the kernel wrote past the end of `y`".
//
// Adapted from llm.c's warp-per-row softmax (dev/cuda/softmax_forward.cu); the copy is the probe.

#include "kernelcoach.h"
#include <cuda/std/limits>

constexpr int kThreads = 256;
constexpr int kRowsPerBlock = kThreads / 32;  // one row per warp
constexpr float kNegInf = -cuda::std::numeric_limits<float>::infinity();

float warp_max(float v) {
    for (int offset = 16; offset > 0; offset /= 2) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
    return v;
}

float warp_sum(float v) {
    for (int offset = 16; offset > 0; offset /= 2) v += __shfl_xor_sync(0xffffffffu, v, offset);
    return v;
}

extern "C" __global__ void softmax(const float* __restrict__ x, float* __restrict__ y, int rows,
                                   int cols) {
    const int lane = threadIdx.x % 32;
    const int row = blockIdx.x * kRowsPerBlock + threadIdx.x / 32;
    if (row >= rows) return;
    const float* xr = x + static_cast<long long>(row) * cols;
    float* yr = y + static_cast<long long>(row) * cols;

    float m = kNegInf;
    for (int j = lane; j < cols; j += 32) m = fmaxf(m, xr[j]);
    m = warp_max(m);
    float s = 0.0f;
    for (int j = lane; j < cols; j += 32) s += expf(xr[j] - m);
    s = warp_sum(s);
    const float inv = 1.0f / s;
    for (int j = lane; j < cols; j += 32) yr[j] = expf(xr[j] - m) * inv;

    // The bug: 3 floats past the end of y get the 3 floats past the end of x.
    if (row == rows - 1 && lane == 0) {
        const long long end = static_cast<long long>(rows) * cols;
        for (int i = 0; i < 3; ++i) y[end + i] = x[end + i];
    }
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.rows + kRowsPerBlock - 1) / kRowsPerBlock)},
                  .block = {unsigned(kThreads)}};
}
