// Control for debugging/03 - expected verdict: PASSED.
//
// What it demonstrates: coalescing, not float4, is the fix. This is the solution with one float
// per load, in every case: lane l adds columns l, l + 32, ..., so a warp reads 128 contiguous
// bytes (4 sectors, every byte used) per load instruction. A float4 load moves 4 times the
// bytes per instruction, which saves instructions, not memory traffic; what a scalar kernel
// needs is enough loads in flight: `#pragma unroll 8` lets each thread issue 8 independent
// loads before it adds them, 32 bytes per thread, 64 KiB per SM at 2048 threads, twice what
// Little's law asks for at ~1 us of latency and ~4.3 TB/s (an estimate).
#include "kernelcoach.h"

constexpr unsigned kWarpsPerBlock = 8;
constexpr unsigned kThreads = kWarpsPerBlock * 32;

__device__ float warp_sum(float v) {
    for (int offset = 16; offset > 0; offset /= 2) v += __shfl_down_sync(0xffffffffu, v, offset);
    return v;
}

extern "C" __global__ void row_sum(const float* __restrict__ x, float* __restrict__ out, int rows, int cols)
{
    const int lane = threadIdx.x % 32;
    const int r = blockIdx.x * kWarpsPerBlock + threadIdx.x / 32;  // this warp's row
    if (r >= rows) return;                                         // whole warps return

    const float* row = x + (long long)r * cols;
    float acc = 0.0f;
#pragma unroll 8
    for (int c = lane; c < cols; c += 32) acc += row[c];           // 128 contiguous bytes per step
    acc = warp_sum(acc);
    if (lane == 0) out[r] = acc;
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.rows + kWarpsPerBlock - 1) / kWarpsPerBlock)}, .block = {kThreads}};
}
