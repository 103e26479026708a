// Control for missing-elements/03 - expected verdict: WRONG.
//
// What it demonstrates: a grid one block short, rows - 1 blocks for rows rows. The last row is
// never normalised and keeps kernelcoach's NaN sentinel ("never written", all in the last row
// of the heatmap). With rows = 1 the grid has zero blocks, which is not a launch at all:
// kernelcoach reports it as an error in launch() before running anything, so this control
// fails even on a machine without a GPU.

#include "kernelcoach.h"
#include <cuda/std/limits>  // numeric_limits, for infinity

constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;
constexpr float kNegInf = -cuda::std::numeric_limits<float>::infinity();

float warp_max(float v) {
    for (int offset = 16; offset > 0; offset /= 2) {
        v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
    }
    return v;
}

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

    float m = kNegInf;
    for (int j = threadIdx.x; j < cols; j += kThreads) {
        m = fmaxf(m, xr[j]);
    }
    m = warp_max(m);
    if (lane == 0) partial[warp] = m;
    __syncthreads();  // every slot written before any is read
    m = partial[0];
    for (int w = 1; w < kWarps; ++w) m = fmaxf(m, partial[w]);
    __syncthreads();  // every slot read before the sum overwrites them

    float s = 0.0f;
    for (int j = threadIdx.x; j < cols; j += kThreads) {
        s += expf(xr[j] - m);
    }
    s = warp_sum(s);
    if (lane == 0) partial[warp] = s;
    __syncthreads();  // every slot written before any is read
    s = partial[0];
    for (int w = 1; w < kWarps; ++w) s += partial[w];

    const float inv = 1.0f / s;
    for (int j = threadIdx.x; j < cols; j += kThreads) {
        yr[j] = expf(xr[j] - m) * inv;
    }
}

constexpr Launch launch(Problem p) {
    const unsigned blocks = unsigned(p.rows - 1);  // BUG: one block short
    return Launch{.grid = {blocks}, .block = {unsigned(kThreads)}};
}
