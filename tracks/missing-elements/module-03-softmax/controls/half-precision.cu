// Control for missing-elements/03 - expected verdict: WRONG.
//
// What it demonstrates: the exponentials computed in half precision, the sum in fp32. fp16
// keeps 11 significant bits where fp32 keeps 24: rounding x - max to half moves the exponent
// by up to |x - max| * 2^-11, so an element with x - max = -10 is off by up to 0.5%, tens of
// thousands of times the fp32 rounding. And exp(x - max) below 2^-25 (x - max < -17.3)
// rounds to 0 in half, where the truth is a small positive number (the wide rows have many). Long fp32 sums average such errors
// out, so kernelcoach checks each element against its own rounding: the error shows in every
// row.

#include "kernelcoach.h"
#include <cuda/std/limits>  // numeric_limits, for infinity
#include <cuda_fp16.h>

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
        s += __half2float(hexp(__float2half(xr[j] - m)));  // BUG: exp in fp16
    }
    s = warp_sum(s);
    if (lane == 0) partial[warp] = s;
    __syncthreads();  // every slot written before any is read
    s = partial[0];
    for (int w = 1; w < kWarps; ++w) s += partial[w];

    const float inv = 1.0f / s;
    for (int j = threadIdx.x; j < cols; j += kThreads) {
        yr[j] = __half2float(hexp(__float2half(xr[j] - m))) * inv;  // BUG: exp in fp16
    }
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned(p.rows)}, .block = {unsigned(kThreads)}};
}
