// Control for missing-elements/04 - expected verdict: WRONG.
//
// What it demonstrates: the affine part without its shift, y = xhat * gamma. Mean, variance
// and scale are right, so the error in every element is exactly -beta[j]: the same in every
// row, column by column. kernelcoach's beta is random, so almost every element is wrong; with
// beta initialised to 0, as a freshly built model has it, this bug would go unseen.

#include "kernelcoach.h"

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
    for (int j = threadIdx.x; j < cols; j += blockDim.x) sum += xr[j];
    const float mean = block_sum(sum) / cols;

    float sq = 0.0f;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        const float d = xr[j] - mean;
        sq += d * d;
    }
    const float var = block_sum(sq) / cols;
    const float rstd = rsqrtf(var + eps);

    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        yr[j] = (xr[j] - mean) * rstd * gamma[j];  // BUG: + beta[j] is missing
    }
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned(p.rows)}, .block = {256}};
}
