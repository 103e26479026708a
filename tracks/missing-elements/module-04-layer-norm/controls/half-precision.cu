// Control for missing-elements/04 - expected verdict: WRONG.
//
// What it demonstrates: layer norm with fp16 activations - x rounded to half precision as it
// is loaded, y rounded to half precision as it is stored, the statistics accumulated in fp32
// in between (what a mixed-precision kernel with fp16 tensors does). fp16 keeps 11
// significant bits where fp32 keeps 24: every output is off by up to 2^-11 relative, about
// 4000 times one fp32 rounding, and kernelcoach's bound is per element, so the rounding of each
// output shows even where the long sums average the input roundings out. On the rows with mean
// ~1e4 it is far worse: fp16 numbers near 1e4 are 8 apart, so a spread of 1 is rounded away
// entirely. A real speed trick, and a different answer.

#include "kernelcoach.h"
#include <cuda_fp16.h>

// The sum of v over a warp (butterfly: every lane gets the sum).
float warp_sum(float v) {
    for (int offset = 16; offset > 0; offset /= 2) v += __shfl_xor_sync(0xffffffffu, v, offset);
    return v;
}

// The sum of v over the block, returned to every thread (as in the solution).
float block_sum(float v) {
    __shared__ float partial[32];
    __shared__ float total;
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
    v = warp_sum(v);
    if (lane == 0) partial[warp] = v;
    __syncthreads();  // every warp's partial is written before warp 0 reads them
    if (warp == 0) {
        v = warp_sum(lane < warps ? partial[lane] : 0.0f);
        if (lane == 0) total = v;
    }
    __syncthreads();  // total is written before anyone reads it
    return total;
}

// x[j] as fp16 would have stored it.
float as_half(float v) { return __half2float(__float2half(v)); }

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

    float sum = 0.0f;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) sum += as_half(xr[j]);  // BUG: fp16 input
    const float mean = block_sum(sum) / cols;

    float sq = 0.0f;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        const float d = as_half(xr[j]) - mean;  // BUG: fp16 input
        sq += d * d;
    }
    const float var = block_sum(sq) / cols;
    const float rstd = rsqrtf(var + eps);

    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        const float v = (as_half(xr[j]) - mean) * rstd * gamma[j] + beta[j];
        yr[j] = as_half(v);  // BUG: fp16 output
    }
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned(p.rows)}, .block = {256}};
}
