// Control for mastery/01, part swish - expected verdict: PASSED.
//
// What it demonstrates: fast math is within this exercise's bound. The solution with __expf in
// place of expf. __expf's error grows with |x|: 2 + 1.173 |x| ulp at most, 11 ulp at |x| = 8,
// where expf stays within 2; sigmoid(x) = 1 / (1 + e^-x) damps it (an error in e^-x reaches
// sigmoid scaled by e^-x / (1 + e^-x) < 1). The bound of silu (src/exercises/activation.h) is
// twice the worst case of __expf, __fdividef, the add and the product: a correct fp32 kernel
// with or without fast math passes, a half-precision one (2^-11) does not.
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

// Both fast-math intrinsics: __expf (ex2.approx of x log2 e) and __fdividef.
float silu1(float x) { return __fdividef(x, 1.0f + __expf(-x)); }

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

    if (first < n % 4) y[4 * vecs + first] = silu1(x[4 * vecs + first]);  // the last n % 4
}

constexpr Launch launch(Problem p) {
    constexpr long long wave = (long long)kc::device.sm_count * kBlocksPerSm;
    const long long vecs = p.n / 4;
    long long blocks = (vecs + kThreads - 1) / kThreads;
    if (blocks > wave) blocks = wave;
    if (blocks < 1) blocks = 1;
    return Launch{.grid = {unsigned(blocks)}, .block = {kThreads}};
}
