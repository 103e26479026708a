// Control for optimization/03, part sum - expected verdict: PASSED.
//
// What it demonstrates: atomics in shared memory as the block's second level. 512 threads per
// block, 4 per SM on an H200 (528 blocks in one wave), 4 float4s in flight per thread. Each
// warp reduces its values with shuffles, then lane 0 of each of the 16 warps adds the warp's
// sum into one shared float with atomicAdd (shared-memory atomics are cheap: 16 per block),
// and thread 0 adds that into out[0]. The shared accumulator needs two barriers: one after it
// is zeroed (no warp may add into it before), one after the adds (thread 0 must read the
// total). Atomics are not a race for racecheck: they are read-modify-writes the hardware
// orders.
#include "kernelcoach.h"

constexpr unsigned kThreads = 512;
constexpr int kUnroll = 4;
constexpr unsigned kBlocksPerSm = unsigned(kc::device.max_threads_per_sm) / kThreads;  // 4 on sm_90

float warp_sum(float v) {
#pragma unroll
    for (int offset = 16; offset > 0; offset /= 2) v += __shfl_down_sync(0xffffffffu, v, offset);
    return v;
}

extern "C" __global__ void __launch_bounds__(kThreads, kBlocksPerSm)
sum(const float* __restrict__ x, float* __restrict__ out, int n)
{
    __shared__ float block_total;  // the block's sum, accumulated by 16 shared atomics

    if (threadIdx.x == 0) block_total = 0.0f;
    __syncthreads();  // zeroed before any warp adds into it

    const float4* x4 = reinterpret_cast<const float4*>(x);  // x starts on 256 bytes
    const int vecs = n / 4;
    const int stride = gridDim.x * kThreads;
    const int first = blockIdx.x * kThreads + threadIdx.x;

    float acc = 0.0f;
    int v = first;
    for (; v + (kUnroll - 1) * stride < vecs; v += kUnroll * stride) {
        float4 f[kUnroll];
#pragma unroll
        for (int u = 0; u < kUnroll; ++u) f[u] = x4[v + u * stride];
#pragma unroll
        for (int u = 0; u < kUnroll; ++u) acc += (f[u].x + f[u].y) + (f[u].z + f[u].w);
    }
    for (; v < vecs; v += stride) {
        const float4 f = x4[v];
        acc += (f.x + f.y) + (f.z + f.w);
    }
    if (first < n % 4) acc += x[4 * vecs + first];  // the last n % 4 floats

    acc = warp_sum(acc);
    if (threadIdx.x % 32 == 0) atomicAdd(&block_total, acc);  // 16 shared atomics per block
    __syncthreads();  // every warp has added before thread 0 reads the total
    if (threadIdx.x == 0) atomicAdd(out, block_total);
}

constexpr Launch launch(Problem p) {
    constexpr long long wave = (long long)kc::device.sm_count * kBlocksPerSm;
    const long long needed = (p.n + 4 * kThreads - 1) / (4 * kThreads);
    return Launch{.grid = {unsigned(needed < wave ? needed : wave)}, .block = {kThreads}};
}
