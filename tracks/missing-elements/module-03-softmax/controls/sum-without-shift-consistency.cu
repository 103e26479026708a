// Control for missing-elements/03 - expected verdict: WRONG.
//
// What it demonstrates: the max shift applied to the numerator but not to the sum:
//     y = exp(x - max) / sum exp(x)  =  softmax(x) * exp(-max)
// Every element is off by the same factor exp(-max), so the row no longer sums to 1. A row
// whose max is near 3 is 20 times too small; on the rows offset by about 1000 the sum
// overflows to inf and every element becomes exp(x - max) * 0 = 0. Only a row whose max is
// exactly 0 would come out right.

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
        s += expf(xr[j]);  // BUG: the sum is not shifted
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
    return Launch{.grid = {unsigned(p.rows)}, .block = {unsigned(kThreads)}};
}
