// Control for missing-elements/03 - expected verdict: PASSED.
//
// What it demonstrates: one WARP per row instead of one block. Both reductions are warp
// shuffles only: no shared memory, no __syncthreads(), so no barrier to forget. A block of 256
// threads handles 8 rows, one per warp; the grid is ceil(rows / 8) blocks, and the warps of the
// last block that have no row leave at once (a whole warp returns together, and there is no
// block barrier for the others to wait at).
//
// This is how fast softmax kernels handle short rows (up to a few thousand columns): the whole
// row fits in one warp's registers. On long rows one warp has too little memory traffic in
// flight: 30011 columns take 938 loads per lane, three times over.

#include "kernelcoach.h"
#include <cuda/std/limits>  // numeric_limits, for infinity

constexpr int kThreads = 256;
constexpr int kRowsPerBlock = kThreads / 32;  // one row per warp
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
    const int lane = threadIdx.x % 32;
    const int row = blockIdx.x * kRowsPerBlock + threadIdx.x / 32;  // one row per warp
    if (row >= rows) return;  // the same for all 32 lanes: the whole warp leaves
    const float* xr = x + static_cast<long long>(row) * cols;
    float* yr = y + static_cast<long long>(row) * cols;

    float m = kNegInf;
    for (int j = lane; j < cols; j += 32) m = fmaxf(m, xr[j]);  // 32 lanes, 128 bytes a step
    m = warp_max(m);  // every lane has the row max: the shuffle is the broadcast

    float s = 0.0f;
    for (int j = lane; j < cols; j += 32) s += expf(xr[j] - m);
    s = warp_sum(s);

    const float inv = 1.0f / s;
    for (int j = lane; j < cols; j += 32) yr[j] = expf(xr[j] - m) * inv;
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.rows + kRowsPerBlock - 1) / kRowsPerBlock)},
                  .block = {unsigned(kThreads)}};
}
