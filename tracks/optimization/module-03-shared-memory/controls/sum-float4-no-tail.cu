// Control for optimization/03, part sum - expected verdict: WRONG.
//
// What it demonstrates: the tail of a vectorized loop. This is the solution (grid-stride
// float4 loads, shuffles, one atomic per block) without its last line of loads, the one that
// adds the last n % 4 floats one at a time. n / 4 float4s cover 4 (n / 4) floats; the other
// n % 4 are never read. Every checked case has n % 4 != 0 (1, 2, 31, 1000003, 2^24 + 3: 1, 2,
// 3, 3 and 3 floats dropped; n = 1 and 2 read nothing at all), and the inputs are never 0, so
// the exact check catches every one.
//
// The other wrong fix, reading (n + 3) / 4 float4s, reads up to 12 bytes past the end of x:
// garbage from kernelcoach's guard zone in the plain runs, and a report from compute-sanitizer
// memcheck, which kernelcoach runs with x allocated at exactly 4 n bytes.
#include "kernelcoach.h"

constexpr unsigned kThreads = 256;
constexpr unsigned kWarps = kThreads / 32;
constexpr int kUnroll = 4;
constexpr unsigned kBlocksPerSm = unsigned(kc::device.max_threads_per_sm) / kThreads;

float warp_sum(float v) {
#pragma unroll
    for (int offset = 16; offset > 0; offset /= 2) v += __shfl_down_sync(0xffffffffu, v, offset);
    return v;
}

extern "C" __global__ void __launch_bounds__(kThreads, kBlocksPerSm)
sum(const float* __restrict__ x, float* __restrict__ out, int n)
{
    __shared__ float warp_sums[kWarps];

    const float4* x4 = reinterpret_cast<const float4*>(x);
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
    // BUG: the last n % 4 floats are never added.

    const unsigned lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    acc = warp_sum(acc);
    if (lane == 0) warp_sums[warp] = acc;
    __syncthreads();  // every warp's sum is stored before warp 0 reads them
    if (warp == 0) {
        acc = warp_sum(lane < kWarps ? warp_sums[lane] : 0.0f);
        if (lane == 0) atomicAdd(out, acc);
    }
}

constexpr Launch launch(Problem p) {
    constexpr long long wave = (long long)kc::device.sm_count * kBlocksPerSm;
    const long long needed = (p.n + 4 * kThreads - 1) / (4 * kThreads);
    return Launch{.grid = {unsigned(needed < wave ? needed : wave)}, .block = {kThreads}};
}
