// Control for debugging/03 - expected verdict: PASSED.
//
// What it demonstrates: the grid need not grow with the rows. One wave of blocks, as many as
// the GPU holds at once (kc::device.sm_count x 8 blocks of 256 threads; fewer when there are
// fewer rows), and each warp loops over the rows: warp w of W takes rows w, w + W, w + 2W, ...,
// each one read as in the solution (lanes interleaved, float4s when the rows are 16-byte
// aligned) and reduced with shuffles. For the timed case W = 8448 warps on an H100 or H200:
// 16384 rows are about two per warp. The checks see only out, so any assignment of rows to
// warps is right as long as every row is summed once.
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
    const int warps = gridDim.x * kWarpsPerBlock;                    // W, the grid's warps
    for (int r = blockIdx.x * kWarpsPerBlock + threadIdx.x / 32; r < rows; r += warps) {
        const float* row = x + (long long)r * cols;
        float acc = 0.0f;
        if (cols % 4 == 0) {                                         // 16-byte aligned rows
            const float4* row4 = reinterpret_cast<const float4*>(row);
            for (int v = lane; v < cols / 4; v += 32) {
                const float4 f = row4[v];
                acc += (f.x + f.y) + (f.z + f.w);
            }
        } else {
            for (int c = lane; c < cols; c += 32) acc += row[c];
        }
        acc = warp_sum(acc);                                         // r is the warp's: all 32 lanes are here
        if (lane == 0) out[r] = acc;
    }
}

// One wave: the blocks of 256 threads every SM holds at once, or one block per 8 rows if fewer.
constexpr Launch launch(Problem p) {
    const long long wave = (long long)kc::device.sm_count * (kc::device.max_threads_per_sm / kThreads);
    const long long needed = (p.rows + kWarpsPerBlock - 1) / kWarpsPerBlock;
    return Launch{.grid = {unsigned(needed < wave ? needed : wave)}, .block = {kThreads}};
}
