// Control for missing-elements/04 - expected verdict: WRONG.
//
// What it demonstrates: rsqrt(var) instead of rsqrt(var + eps). On most rows the variance is
// far above eps = 1e-5 and nothing changes. On a row whose variance is exactly 0 - a
// 1-column row (cases "one" and "one-column") or a constant row - rsqrt(0) = +inf and
// (x - mean) * inf = 0 * inf = NaN: the truth there is beta[j]. On a constant row whose sum is
// not exact in fp32, the variance is a tiny rounding residue (1e-15, say), rsqrt of it is
// ~3e7, and the deviations (rounding residues too) are blown up to values of order 1. And on
// rows whose variance is itself close to eps (kernelcoach's inputs include rows of variance
// ~1e-5), leaving eps out changes every value by tens of percent.

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
    const float rstd = rsqrtf(var);  // BUG: no eps - inf for a variance of 0

    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        yr[j] = (xr[j] - mean) * rstd * gamma[j] + beta[j];
    }
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned(p.rows)}, .block = {256}};
}
