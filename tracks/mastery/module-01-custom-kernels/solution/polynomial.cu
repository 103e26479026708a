// mastery/01, part polynomial - the reference solution: y = x + a x^2 + b x^3.
//
//     kernelcoach run mastery/01/polynomial            # grades your polynomial.cu, not this file
//     kernelcoach run mastery/01/polynomial --file tracks/mastery/module-01-custom-kernels/solution/polynomial.cu
//
// An elementwise kernel is a copy with arithmetic on the way: the whole job is to keep the
// memory busy. The shape used by every part of this module:
//   1. a grid of one wave of resident blocks (kc::device.sm_count x blocks per SM), fewer
//      when n is small, at least one;
//   2. a grid-stride loop over float4s: thread g of the grid's G threads does float4s
//      g, g + G, g + 2G, ...; at each step a warp reads and writes 512 contiguous bytes;
//   3. UNROLL float4s loaded before the first is computed and stored, so that each thread
//      has UNROLL loads in flight;
//   4. the last n % 4 floats one at a time, by threads 0 to 2 of block 0.
//
// Napkin math for the timed case, n = 2^27:
//   bytes    = 8 per element (read x, write y): 1.07 GB
//   H200     : ~4.3 TB/s for a copy -> about 250 us; the gate (80%) allows about 312 us
//   in flight: Little's law, 4.3 TB/s x ~1 us of loaded latency = 4.3 MB over 132 SMs, about
//              32 KiB per SM; 2048 threads x UNROLL (4) x 16 B = 128 KiB per SM issued ahead.
//   grid     : 132 x 8 = 1056 blocks of 256; 2^25 float4s / 270,336 threads = 124 each.
//
// The tunables are macros so that `kernelcoach tune` can rebuild the kernel with other values
// (copy this file over your polynomial.cu first: tune works on your file):
// tune: THREADS=128,256,512 UNROLL=1,2,4,8
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
constexpr int kUnroll = UNROLL;
// Blocks per SM when the SM is full of threads: 2048 / 256 = 8 on sm_80 and sm_90.
constexpr unsigned kBlocksPerSm = unsigned(kc::device.max_threads_per_sm) / kThreads;
static_assert(kThreads % 32 == 0 && kThreads <= 1024, "whole warps, at most 1024 threads");
static_assert(kBlocksPerSm >= 1, "one block must fit on an SM");
static_assert(kUnroll >= 1, "at least one float4 per step");

// One element, the terms as the spec writes them: x + a x^2 + b x^3. The compiler fuses the
// multiplies and adds into fmaf where it can; any order is within the bound.
float poly1(float x, float a, float b) {
    const float x2 = x * x;
    return x + a * x2 + b * x2 * x;
}

float4 poly4(float4 v, float a, float b) {
    return make_float4(poly1(v.x, a, b), poly1(v.y, a, b), poly1(v.z, a, b), poly1(v.w, a, b));
}

// kBlocksPerSm in __launch_bounds__ caps the registers (65536 / 2048 = 32 per thread at 256
// threads) so that every block of the one-wave grid is resident at once.
extern "C" __global__ void __launch_bounds__(kThreads, kBlocksPerSm)
poly(const float* __restrict__ x, float* __restrict__ y, int n, float a, float b)
{
    // x and y start on 256-byte boundaries (the contract, section 7): float4 number v, at byte
    // 16 v, is aligned. Only the n / 4 whole float4s are read and written this way.
    const float4* x4 = reinterpret_cast<const float4*>(x);
    float4* y4 = reinterpret_cast<float4*>(y);
    const int vecs = n / 4;
    const int stride = gridDim.x * kThreads;             // G
    const int first = blockIdx.x * kThreads + threadIdx.x;  // g

    int v = first;
    // Whole batches: UNROLL float4s loaded, then computed and stored.
    for (; v + (kUnroll - 1) * stride < vecs; v += kUnroll * stride) {
        float4 f[kUnroll];
#pragma unroll
        for (int u = 0; u < kUnroll; ++u) f[u] = x4[v + u * stride];
#pragma unroll
        for (int u = 0; u < kUnroll; ++u) y4[v + u * stride] = poly4(f[u], a, b);
    }
    // What is left of this thread's float4s: fewer than UNROLL.
    for (; v < vecs; v += stride) y4[v] = poly4(x4[v], a, b);

    // The last n % 4 floats (0 to 3): threads 0, 1, 2 of block 0, one each.
    if (first < n % 4) y[4 * vecs + first] = poly1(x[4 * vecs + first], a, b);
}

constexpr Launch launch(Problem p) {
    // One wave of resident blocks, or fewer when n is small (a block's first step covers
    // THREADS float4s); at least one block, for n = 1 to 3 (no whole float4 at all).
    constexpr long long wave = (long long)kc::device.sm_count * kBlocksPerSm;
    const long long vecs = p.n / 4;
    long long blocks = (vecs + kThreads - 1) / kThreads;
    if (blocks > wave) blocks = wave;
    if (blocks < 1) blocks = 1;
    return Launch{.grid = {unsigned(blocks)}, .block = {kThreads}};
}
