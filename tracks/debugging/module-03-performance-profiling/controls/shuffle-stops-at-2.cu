// Control for debugging/03 - expected verdict: WRONG.
//
// What it demonstrates: the fix's one hard line, the warp reduction, with its loop stopping one
// step early: offsets 16, 8, 4, 2 and not 1. After those four steps lane 0 holds the sum of the
// even lanes' partial sums (0, 2, 4, ..., 30); the odd lanes' are lost. The cases whose rows
// have one column (`one`, `column`) pass, since only lane 0 holds anything there; every other
// case is wrong, `tall` (3 columns: column 1 is lane 1's) included. A fast kernel that is wrong
// is WRONG, never timed: correctness is checked first.
#include "kernelcoach.h"

constexpr unsigned kWarpsPerBlock = 8;
constexpr unsigned kThreads = kWarpsPerBlock * 32;

__device__ float warp_sum(float v) {
    for (int offset = 16; offset > 1; offset /= 2) v += __shfl_down_sync(0xffffffffu, v, offset);  // BUG: stops before offset 1
    return v;
}

extern "C" __global__ void row_sum(const float* __restrict__ x, float* __restrict__ out, int rows, int cols)
{
    const int lane = threadIdx.x % 32;
    const int r = blockIdx.x * kWarpsPerBlock + threadIdx.x / 32;  // this warp's row
    if (r >= rows) return;                                         // whole warps return

    const float* row = x + (long long)r * cols;
    float acc = 0.0f;
    for (int c = lane; c < cols; c += 32) acc += row[c];           // 128 contiguous bytes per step
    acc = warp_sum(acc);
    if (lane == 0) out[r] = acc;
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.rows + kWarpsPerBlock - 1) / kWarpsPerBlock)}, .block = {kThreads}};
}
