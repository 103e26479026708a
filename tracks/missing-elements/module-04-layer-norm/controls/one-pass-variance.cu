// Control for missing-elements/04 - expected verdict: WRONG.
//
// What it demonstrates: the one-pass variance, var = E[x^2] - E[x]^2, in fp32. It reads the
// row once for both sums instead of twice, and it is exact in real arithmetic - and useless
// in fp32 on a row with a large mean. kernelcoach's inputs include rows of values 1e4 +- 1
// (variance ~1/3): there x^2 is about 1e8, where fp32 numbers are 8 apart, so
// E[x^2] = 1e8 + 1 is only known to within several units, and subtracting E[x]^2 = 1e8 leaves
// noise of the size of the variance itself (often negative: clamped to 0 below, which then
// divides by sqrt(eps)). The two-pass variance subtracts the mean first, from numbers close
// to it (exactly), and squares deviations of size 1. Rows of mean ~0 pass either way, which is
// why the inputs need the large-mean rows.

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

    // One pass: the sum and the sum of squares together.
    float sum = 0.0f, sumsq = 0.0f;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        const float v = xr[j];
        sum += v;
        sumsq += v * v;
    }
    const float mean = block_sum(sum) / cols;
    // BUG: catastrophic cancellation - two numbers near mean^2, each rounded at the scale of
    // mean^2, subtracted. (The clamp hides the negative results; it does not fix them.)
    const float var = fmaxf(block_sum(sumsq) / cols - mean * mean, 0.0f);
    const float rstd = rsqrtf(var + eps);

    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        yr[j] = (xr[j] - mean) * rstd * gamma[j] + beta[j];
    }
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned(p.rows)}, .block = {256}};
}
