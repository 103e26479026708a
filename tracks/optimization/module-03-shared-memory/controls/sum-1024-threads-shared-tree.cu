// Control for optimization/03, part sum - expected verdict: PASSED.
//
// What it demonstrates: another block size and another second level, as fast. 1024 threads per
// block (the most a block may have), 2 blocks per SM on an H200: 264 blocks in one wave. Two
// float4s in flight per thread (32 bytes; 2048 threads x 32 B = 64 KiB per SM, twice what
// Little's law asks for). The block's 1024 partial sums are reduced by the plain shared-memory
// tree of worked example 02 (10 levels, a barrier each): it runs once per block, at the end,
// so its cost is nothing next to the 248 float4s each thread loads first. The order of the
// additions differs from the solution's everywhere; the sum is exact all the same.
#include "kernelcoach.h"

constexpr unsigned kThreads = 1024;
constexpr unsigned kBlocksPerSm = unsigned(kc::device.max_threads_per_sm) / kThreads;  // 2 on sm_90
static_assert(kBlocksPerSm >= 1, "one block of 1024 threads must fit on an SM");
static_assert((kThreads & (kThreads - 1)) == 0, "the tree halves the block: a power of two");

extern "C" __global__ void __launch_bounds__(kThreads, kBlocksPerSm)
sum(const float* __restrict__ x, float* __restrict__ out, int n)
{
    __shared__ float s[kThreads];  // (1024): one partial sum per thread, 4 KiB

    const float4* x4 = reinterpret_cast<const float4*>(x);  // x starts on 256 bytes
    const int vecs = n / 4;
    const int stride = gridDim.x * kThreads;
    const int first = blockIdx.x * kThreads + threadIdx.x;

    float acc = 0.0f;
    int v = first;
    for (; v + stride < vecs; v += 2 * stride) {  // pairs: both loads issued before the adds
        const float4 a = x4[v], b = x4[v + stride];
        acc += (a.x + a.y) + (a.z + a.w);
        acc += (b.x + b.y) + (b.z + b.w);
    }
    if (v < vecs) {  // at most one float4 left for this thread
        const float4 a = x4[v];
        acc += (a.x + a.y) + (a.z + a.w);
    }
    if (first < n % 4) acc += x[4 * vecs + first];  // the last n % 4 floats

    const unsigned tid = threadIdx.x;
    s[tid] = acc;
    __syncthreads();  // every partial sum is stored before the first level reads s[tid + 512]
    for (unsigned half = kThreads / 2; half > 0; half /= 2) {
        if (tid < half) s[tid] += s[tid + half];
        __syncthreads();  // this level's sums are stored before the next level reads them
    }
    if (tid == 0) atomicAdd(out, s[0]);
}

constexpr Launch launch(Problem p) {
    constexpr long long wave = (long long)kc::device.sm_count * kBlocksPerSm;
    const long long needed = (p.n + 4 * kThreads - 1) / (4 * kThreads);
    return Launch{.grid = {unsigned(needed < wave ? needed : wave)}, .block = {kThreads}};
}
