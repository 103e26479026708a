// optimization/03, part sum - the reference solution: out[0] = x[0] + ... + x[n - 1].
//
//     kernelcoach run optimization/03/sum     # grades your sum.cu, not this file
//     kernelcoach bench optimization/03/sum --file tracks/optimization/module-03-shared-memory/solution/sum.cu
//
// One kernel, one pass over x, one atomicAdd per block:
//   1. a fixed grid of one wave of resident blocks (kc::device.sm_count x blocks per SM);
//   2. each thread adds float4s g, g + G, g + 2G, ... of x (G = the grid's threads), UNROLL of
//      them loaded before any is added, then the last n % 4 floats one at a time;
//   3. the block's sum: __shfl_down_sync within each warp, one float per warp in shared
//      memory, warp 0 over those;
//   4. thread 0 of each block: atomicAdd(out, block sum). out[0] is 0 when the kernel starts.
//
// Napkin math for the timed case, n = 2^28 (1 GiB of floats):
//   bytes    = 4 n = 1.07 GB, read once; nothing written but 4 bytes per block
//   adds     = n: 0.27 GFLOP, a thousandth of what the SMs can do in the time of the loads
//   H200     : 4.8 TB/s HBM3e data sheet, ~4.25 TB/s measured for a copy
//   floor    = 1.07 GB / 4.25 TB/s = 253 us (224 us at the data sheet's peak)
//   CUB      : cub::DeviceReduce::Sum, about 265 us; the gate (0.85x) allows 312 us
//   in flight: Little's law, 4 TB/s x ~1 us of loaded latency = 4 MB over 132 SMs, 30 KiB per
//              SM; 2048 threads x UNROLL (4) x 16 B = 128 KiB per SM of loads issued ahead.
//   atomics  : 1056 blocks -> 1056 atomicAdds into one word, a few microseconds at the end.
//
// The tunables are macros so that `kernelcoach tune` can rebuild the kernel with other values
// (copy this file over your sum.cu first: tune works on your file):
// tune: THREADS=128,256,512,1024 UNROLL=1,2,4,8
#include "kernelcoach.h"

// Threads per block: 8 warps; 8 such blocks fill an SM of 2048 threads.
#ifndef THREADS
#define THREADS 256
#endif
// float4 loads in flight per thread: 4 x 16 = 64 bytes.
#ifndef UNROLL
#define UNROLL 4
#endif

constexpr unsigned kThreads = THREADS;
constexpr unsigned kWarps = kThreads / 32;
constexpr int kUnroll = UNROLL;
// Blocks per SM when the SM is full of threads: 2048 / 256 = 8 on sm_80 and sm_90.
constexpr unsigned kBlocksPerSm = unsigned(kc::device.max_threads_per_sm) / kThreads;
static_assert(kThreads % 32 == 0 && kThreads <= 1024, "whole warps, at most 1024 threads");
static_assert(kBlocksPerSm >= 1, "one block must fit on an SM");
static_assert(kUnroll >= 1, "at least one load per batch");

constexpr unsigned kFullMask = 0xffffffffu;  // every lane takes part in every shuffle

// The sum of v over the warp's 32 lanes, in lane 0: lane l adds lane l + 16's value, then
// l + 8's, ..., l + 1's; five register-to-register steps, no shared memory, no barrier.
float warp_sum(float v) {
#pragma unroll
    for (int offset = 16; offset > 0; offset /= 2) v += __shfl_down_sync(kFullMask, v, offset);
    return v;
}

// kBlocksPerSm in __launch_bounds__ caps the registers (65536 / 2048 = 32 per thread at 256
// threads) so that every block of the one-wave grid is resident at once: with more registers
// fewer blocks fit, and the rest of the grid would run as a second, mostly empty wave.
extern "C" __global__ void __launch_bounds__(kThreads, kBlocksPerSm)
sum(const float* __restrict__ x, float* __restrict__ out, int n)
{
    __shared__ float warp_sums[kWarps];  // (THREADS / 32): one partial sum per warp

    // x starts on a 256-byte boundary (the contract, section 7): float4 number v, at byte
    // 16 v, is always 16-byte aligned. Only the whole float4s are read this way; the last
    // n % 4 floats would make the last float4 read past the end of x.
    const float4* x4 = reinterpret_cast<const float4*>(x);
    const int vecs = n / 4;
    const int stride = gridDim.x * kThreads;                // G
    const int first = blockIdx.x * kThreads + threadIdx.x;  // g

    float acc = 0.0f;
    int v = first;
    // Whole batches: UNROLL float4s, all loaded before the first add, so that each thread has
    // UNROLL independent loads in flight. v + (UNROLL - 1) G < vecs + UNROLL G < 2^31.
    for (; v + (kUnroll - 1) * stride < vecs; v += kUnroll * stride) {
        float4 f[kUnroll];
#pragma unroll
        for (int u = 0; u < kUnroll; ++u) f[u] = x4[v + u * stride];
#pragma unroll
        for (int u = 0; u < kUnroll; ++u) acc += (f[u].x + f[u].y) + (f[u].z + f[u].w);
    }
    // What is left of this thread's float4s: fewer than UNROLL.
    for (; v < vecs; v += stride) {
        const float4 f = x4[v];
        acc += (f.x + f.y) + (f.z + f.w);
    }
    // The last n % 4 floats (0 to 3): threads 0, 1, 2 of block 0, one each.
    if (first < n % 4) acc += x[4 * vecs + first];

    // The block's sum, in two levels of shuffles.
    const unsigned lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    acc = warp_sum(acc);
    if (lane == 0) warp_sums[warp] = acc;
    __syncthreads();  // every warp's sum is stored before warp 0 reads them
    if (warp == 0) {
        acc = warp_sum(lane < kWarps ? warp_sums[lane] : 0.0f);
        if (lane == 0) atomicAdd(out, acc);  // one atomic per block into the zeroed out[0]
    }
}

constexpr Launch launch(Problem p) {
    // One wave of resident blocks, or fewer when n is small (a block's first pass covers
    // 4 x THREADS floats; at least one block, for n = 1).
    constexpr long long wave = (long long)kc::device.sm_count * kBlocksPerSm;
    const long long needed = (p.n + 4 * kThreads - 1) / (4 * kThreads);
    return Launch{.grid = {unsigned(needed < wave ? needed : wave)}, .block = {kThreads}};
}
