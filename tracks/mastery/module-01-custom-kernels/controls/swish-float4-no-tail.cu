// Control for mastery/01, part swish - expected verdict: WRONG.
//
// What it demonstrates: the tail of a vectorised loop. This is the solution without its last
// line, the one that does the last n % 4 elements one at a time. n / 4 float4s cover
// 4 (n / 4) elements; the other n % 4 are never written and keep kernelcoach's NaN sentinel:
// all of them for n = 1 and n = 3 (no whole float4 at all), the last 3 in odd (1000003).
// thousand (1000, a multiple of 4) passes, as the timed case 2^27 would: a kernel tested only
// on friendly sizes ships this bug.
//
// The other wrong fix, (n + 3) / 4 float4s, reads and writes up to 12 bytes past the ends of x
// and y: kernelcoach's guard zones report the write, and its memcheck run (buffers of exactly
// 4 n bytes) the read.
#include "kernelcoach.h"

#ifndef THREADS
#define THREADS 256
#endif
#ifndef UNROLL
#define UNROLL 4
#endif

constexpr unsigned kThreads = THREADS;
constexpr int kUnroll = UNROLL;
constexpr unsigned kBlocksPerSm = unsigned(kc::device.max_threads_per_sm) / kThreads;
static_assert(kThreads % 32 == 0 && kThreads <= 1024, "whole warps, at most 1024 threads");
static_assert(kBlocksPerSm >= 1, "one block must fit on an SM");
static_assert(kUnroll >= 1, "at least one float4 per step");

float silu1(float x) { return __fdividef(x, 1.0f + expf(-x)); }

float4 silu4(float4 v) { return make_float4(silu1(v.x), silu1(v.y), silu1(v.z), silu1(v.w)); }

extern "C" __global__ void __launch_bounds__(kThreads, kBlocksPerSm)
silu(const float* __restrict__ x, float* __restrict__ y, int n)
{
    const float4* x4 = reinterpret_cast<const float4*>(x);  // aligned: x starts on 256 bytes
    float4* y4 = reinterpret_cast<float4*>(y);
    const int vecs = n / 4;
    const int stride = gridDim.x * kThreads;
    const int first = blockIdx.x * kThreads + threadIdx.x;

    int v = first;
    for (; v + (kUnroll - 1) * stride < vecs; v += kUnroll * stride) {
        float4 f[kUnroll];
#pragma unroll
        for (int u = 0; u < kUnroll; ++u) f[u] = x4[v + u * stride];  // all loads first
#pragma unroll
        for (int u = 0; u < kUnroll; ++u) y4[v + u * stride] = silu4(f[u]);
    }
    for (; v < vecs; v += stride) y4[v] = silu4(x4[v]);

    // (the mistake: nothing here for the last n % 4 elements)
}

constexpr Launch launch(Problem p) {
    constexpr long long wave = (long long)kc::device.sm_count * kBlocksPerSm;
    const long long vecs = p.n / 4;
    long long blocks = (vecs + kThreads - 1) / kThreads;
    if (blocks > wave) blocks = wave;
    if (blocks < 1) blocks = 1;
    return Launch{.grid = {unsigned(blocks)}, .block = {kThreads}};
}
