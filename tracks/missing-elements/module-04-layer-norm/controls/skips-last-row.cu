// Control for missing-elements/04 - expected verdict: WRONG.
//
// What it demonstrates: a grid one block short. This kernel gives each block TWO rows, one
// after the other (a reasonable idea for short rows), and computes the grid as rows / 2,
// which rounds DOWN: for an odd number of rows the last row has no block, and its elements
// keep the NaN sentinel ("never written"). With rows = 1 the grid is 0 blocks, which is no
// launch at all, and kernelcoach reports it as an error in launch(). The cases with an even
// number of rows (1000, 4096, 16384) pass, which is why the cases include odd ones.

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

constexpr int kRowsPerBlock = 2;

extern "C" __global__ void layer_norm(const float* __restrict__ x,
                                      const float* __restrict__ gamma,
                                      const float* __restrict__ beta,
                                      float* __restrict__ y,
                                      int rows, int cols, float eps)
{
    // Rows 2k and 2k + 1, one after the other. The bound is the same for every thread of the
    // block, so every thread takes part in every block_sum.
    const int first_row = kRowsPerBlock * int(blockIdx.x);
    for (int row = first_row; row < first_row + kRowsPerBlock && row < rows; ++row) {
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
            yr[j] = (xr[j] - mean) * rstd * gamma[j] + beta[j];
        }
    }
}

constexpr Launch launch(Problem p) {
    // BUG: rounds down - the last row of an odd number of rows gets no block.
    return Launch{.grid = {unsigned(p.rows / kRowsPerBlock)}, .block = {256}};
}
