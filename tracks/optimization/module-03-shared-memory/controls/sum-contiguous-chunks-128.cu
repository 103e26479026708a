// Control for optimization/03, part sum - expected verdict: PASSED.
//
// What it demonstrates: another way to hand out the work, as fast. Small blocks of 128 threads,
// 16 per SM on an H200 (2112 blocks in one wave), and each block owns one contiguous chunk of
// x instead of striding over all of it: block b sums float4s [b c, (b + 1) c) with
// c = ceil(n / 4 / blocks), its 128 threads striding through the chunk 4 float4s at a time.
// Every warp still reads 512 contiguous bytes per load; the grid as a whole reads 2112
// separate streams instead of one window, which DRAM serves as well. The block's sum: the
// butterfly shuffle (__shfl_xor_sync: every lane ends with the warp's sum), then thread 0 adds
// the 4 warps' sums one after another. A different order of additions everywhere; exact.
#include "kernelcoach.h"

constexpr unsigned kThreads = 128;
constexpr unsigned kWarps = kThreads / 32;
constexpr int kUnroll = 4;
constexpr unsigned kBlocksPerSm = unsigned(kc::device.max_threads_per_sm) / kThreads;  // 16 on sm_90

// The sum over the warp, in every lane: lane l adds lane l ^ 16, l ^ 8, ..., l ^ 1.
float warp_sum_all(float v) {
#pragma unroll
    for (int mask = 16; mask > 0; mask /= 2) v += __shfl_xor_sync(0xffffffffu, v, mask);
    return v;
}

extern "C" __global__ void __launch_bounds__(kThreads, kBlocksPerSm)
sum(const float* __restrict__ x, float* __restrict__ out, int n)
{
    __shared__ float warp_sums[kWarps];  // (4)

    const float4* x4 = reinterpret_cast<const float4*>(x);  // x starts on 256 bytes
    const int vecs = n / 4;
    const int chunk = (vecs + gridDim.x - 1) / gridDim.x;   // float4s per block, rounded up
    const int begin = blockIdx.x * chunk;                   // < vecs + gridDim.x: no overflow
    const int end = begin + chunk < vecs ? begin + chunk : vecs;

    float acc = 0.0f;
    int v = begin + threadIdx.x;
    for (; v + (kUnroll - 1) * int(kThreads) < end; v += kUnroll * kThreads) {
        float4 f[kUnroll];
#pragma unroll
        for (int u = 0; u < kUnroll; ++u) f[u] = x4[v + u * kThreads];
#pragma unroll
        for (int u = 0; u < kUnroll; ++u) acc += (f[u].x + f[u].y) + (f[u].z + f[u].w);
    }
    for (; v < end; v += kThreads) {
        const float4 f = x4[v];
        acc += (f.x + f.y) + (f.z + f.w);
    }
    // The last n % 4 floats: threads 0..2 of block 0.
    const int first = blockIdx.x * kThreads + threadIdx.x;
    if (first < n % 4) acc += x[4 * vecs + first];

    const unsigned lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    acc = warp_sum_all(acc);
    if (lane == 0) warp_sums[warp] = acc;
    __syncthreads();  // every warp's sum is stored before thread 0 reads them
    if (threadIdx.x == 0) {
        float total = 0.0f;
        for (unsigned w = 0; w < kWarps; ++w) total += warp_sums[w];
        atomicAdd(out, total);
    }
}

constexpr Launch launch(Problem p) {
    constexpr long long wave = (long long)kc::device.sm_count * kBlocksPerSm;
    const long long needed = (p.n + 4 * kThreads - 1) / (4 * kThreads);
    return Launch{.grid = {unsigned(needed < wave ? needed : wave)}, .block = {kThreads}};
}
