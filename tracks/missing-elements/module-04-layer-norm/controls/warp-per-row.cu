// Control for missing-elements/04 - expected verdict: PASSED.
//
// What it demonstrates: one WARP per row instead of one block. A block of 256 threads is 8
// warps and normalises 8 rows, each warp on its own: the reductions are warp shuffles only,
// with no shared memory and no __syncthreads(). It suits short rows: at cols = 123 one block
// per row leaves 133 of its 256 threads idle, while a warp per row covers the 123 elements in
// 4 steps of 32 lanes (96% busy). At cols = 4096 each lane has 128 elements per sweep (32
// float4s if it vectorised; this version reads scalars). It is also a different order of
// summation from the solution's - 32 lane sums and one butterfly - and must pass all the same.

#include "kernelcoach.h"

constexpr unsigned kWarps = 8;  // warps, hence rows, per block

// The sum of v over a warp; every lane gets it.
float warp_sum(float v) {
    for (int offset = 16; offset > 0; offset /= 2) v += __shfl_xor_sync(0xffffffffu, v, offset);
    return v;
}

extern "C" __global__ void layer_norm(const float* __restrict__ x,
                                      const float* __restrict__ gamma,
                                      const float* __restrict__ beta,
                                      float* __restrict__ y,
                                      int rows, int cols, float eps)
{
    const int lane = threadIdx.x % 32;
    const int row = blockIdx.x * kWarps + threadIdx.x / 32;
    // The whole warp leaves together (row is the same for its 32 lanes), so the shuffles
    // below always have all 32 lanes; no block barrier is used, so leaving is safe.
    if (row >= rows) return;
    const float* xr = x + size_t(row) * cols;
    float* yr = y + size_t(row) * cols;

    float sum = 0.0f;
    for (int j = lane; j < cols; j += 32) sum += xr[j];  // 32 consecutive floats per step
    const float mean = warp_sum(sum) / cols;

    float sq = 0.0f;
    for (int j = lane; j < cols; j += 32) {
        const float d = xr[j] - mean;
        sq += d * d;
    }
    const float var = warp_sum(sq) / cols;
    const float rstd = rsqrtf(var + eps);

    for (int j = lane; j < cols; j += 32) yr[j] = (xr[j] - mean) * rstd * gamma[j] + beta[j];
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.rows + kWarps - 1) / kWarps)}, .block = {32 * kWarps}};
}
