// debugging/03, the reference solution: the same sums, with a warp per row.
//
//     kernelcoach run debugging/03 --file solution/kernel.cu             # from the module folder
//     kernelcoach bench debugging/03 --file solution/kernel.cu --ncu
//
// What was slow. The starter gives each thread a row and walks it column by column. At one
// step of that loop the 32 threads of a warp read column c of 32 different rows: 32 floats
// 4 x cols bytes apart (16 KiB for the timed case), in 32 different 128-byte lines. The memory
// system moves 32-byte sectors, so that one load instruction asks for 32 sectors, 1024 bytes,
// of which it uses 128. And a thread per row is only 16384 threads for the timed case, a small
// part of what the GPU can keep in flight. README.md shows how bench and ncu say both.
//
// The fix. A row belongs to a warp: lane l adds columns l, l + 32, l + 64, ..., so at each step
// the warp reads 32 neighbouring floats of one row (128 contiguous bytes: 4 sectors, every byte
// used), or, when the row starts on a 16-byte boundary, 32 neighbouring float4s (512 contiguous
// bytes: 16 sectors). Then five shuffles add the 32 lanes' partial sums and lane 0 writes out[r].
//
// Napkin math for the timed case (16384 x 4096): 16384 warps, 524288 threads, in 2048 blocks of
// 8 warps: about two waves of the 1056 blocks an H100 or H200 holds at once (132 SMs x 8 blocks
// of 256 threads). Each lane loads 32 float4s of its row, 4 at a time: 64 bytes in flight per
// thread, 128 KiB per SM. Little's law asks for about 32 KiB per SM (4.3 TB/s x ~1 us of memory
// latency / 132 SMs), so the loads keep the memory busy.
#include "kernelcoach.h"

constexpr unsigned kWarpsPerBlock = 8;                      // 8 rows per block
constexpr unsigned kThreads = kWarpsPerBlock * 32;          // 256 threads
static_assert(kThreads <= 1024, "at most 1024 threads per block");

// The sum of v over the 32 lanes of the warp, in lane 0: at each step every lane adds the value
// of the lane 16, 8, 4, 2, then 1 above it. All 32 lanes must take part (the mask says so).
__device__ float warp_sum(float v) {
    for (int offset = 16; offset > 0; offset /= 2) v += __shfl_down_sync(0xffffffffu, v, offset);
    return v;
}

extern "C" __global__ void row_sum(const float* __restrict__ x, float* __restrict__ out, int rows, int cols)
{
    const int lane = threadIdx.x % 32;
    const int r = blockIdx.x * kWarpsPerBlock + threadIdx.x / 32;  // this warp's row
    // r is the same in the 32 lanes of a warp, so a warp returns whole or not at all, and the
    // shuffles below always have their 32 lanes.
    if (r >= rows) return;

    const float* row = x + (long long)r * cols;
    float acc = 0.0f;
    if (cols % 4 == 0) {
        // x starts on a 256-byte boundary and a row is 4 x cols bytes, a multiple of 16: every
        // row starts on a 16-byte boundary, so it can be read as float4s.
        const float4* row4 = reinterpret_cast<const float4*>(row);
        const int vecs = cols / 4;
#pragma unroll 4
        for (int v = lane; v < vecs; v += 32) {  // a warp reads 512 contiguous bytes per step
            const float4 f = row4[v];
            acc += (f.x + f.y) + (f.z + f.w);
        }
    } else {
        // Rows that may start anywhere: one float at a time, still 128 contiguous bytes per step.
#pragma unroll 4
        for (int c = lane; c < cols; c += 32) acc += row[c];
    }
    acc = warp_sum(acc);
    if (lane == 0) out[r] = acc;
}

// A 1D grid of ceil(rows / 8) blocks of 8 warps, one warp per row.
constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.rows + kWarpsPerBlock - 1) / kWarpsPerBlock)}, .block = {kThreads}};
}
