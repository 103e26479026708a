// Control for mastery/01, part complex-multiply - expected verdict: WRONG.
//
// What it demonstrates: one sign. This is the solution with the real part computed as
// re = ar br + ai bi, the real part of a times the CONJUGATE of b (the imaginary part is left
// right). i^2 = -1 is where the minus comes from: (ar + i ai)(br + i bi) = ar br + i^2 ai bi +
// i (ar bi + ai br). Every real part is off by 2 ai bi, every imaginary part is right: the
// report's map of the output, shaped n x 2 (re, im), shows the first column wrong and the
// second right.
#include "kernelcoach.h"

#ifndef THREADS
#define THREADS 256
#endif
// float4 pairs (one of a, one of b) in flight per thread: 2 x 32 = 64 bytes.
#ifndef UNROLL
#define UNROLL 2
#endif

constexpr unsigned kThreads = THREADS;
constexpr int kUnroll = UNROLL;
constexpr unsigned kBlocksPerSm = unsigned(kc::device.max_threads_per_sm) / kThreads;
static_assert(kThreads % 32 == 0 && kThreads <= 1024, "whole warps, at most 1024 threads");
static_assert(kBlocksPerSm >= 1, "one block must fit on an SM");
static_assert(kUnroll >= 1, "at least one float4 per step");

// One complex product, with the mistake: + where the real part needs -.
float2 cmul(float2 p, float2 q) { return make_float2(p.x * q.x + p.y * q.y, p.x * q.y + p.y * q.x); }

// Two complex products: the float4s hold (re0, im0, re1, im1).
float4 cmul2(float4 p, float4 q) {
    const float2 lo = cmul(make_float2(p.x, p.y), make_float2(q.x, q.y));
    const float2 hi = cmul(make_float2(p.z, p.w), make_float2(q.z, q.w));
    return make_float4(lo.x, lo.y, hi.x, hi.y);
}

extern "C" __global__ void __launch_bounds__(kThreads, kBlocksPerSm)
complex_mul(const float* __restrict__ a, const float* __restrict__ b, float* __restrict__ out, int n)
{
    const float4* a4 = reinterpret_cast<const float4*>(a);  // aligned: every buffer starts on 256 bytes
    const float4* b4 = reinterpret_cast<const float4*>(b);
    float4* out4 = reinterpret_cast<float4*>(out);
    const int vecs = n / 2;  // float4s, two complex numbers each
    const int stride = gridDim.x * kThreads;
    const int first = blockIdx.x * kThreads + threadIdx.x;

    int v = first;
    for (; v + (kUnroll - 1) * stride < vecs; v += kUnroll * stride) {
        float4 p[kUnroll], q[kUnroll];
#pragma unroll
        for (int u = 0; u < kUnroll; ++u) {
            p[u] = a4[v + u * stride];
            q[u] = b4[v + u * stride];
        }
#pragma unroll
        for (int u = 0; u < kUnroll; ++u) out4[v + u * stride] = cmul2(p[u], q[u]);
    }
    for (; v < vecs; v += stride) out4[v] = cmul2(a4[v], b4[v]);

    // n odd: the last complex number, n - 1, alone.
    if (first == 0 && n % 2 == 1) {
        const long long last = n - 1;
        reinterpret_cast<float2*>(out)[last] =
            cmul(reinterpret_cast<const float2*>(a)[last], reinterpret_cast<const float2*>(b)[last]);
    }
}

constexpr Launch launch(Problem p) {
    constexpr long long wave = (long long)kc::device.sm_count * kBlocksPerSm;
    const long long vecs = p.n / 2;
    long long blocks = (vecs + kThreads - 1) / kThreads;
    if (blocks > wave) blocks = wave;
    if (blocks < 1) blocks = 1;
    return Launch{.grid = {unsigned(blocks)}, .block = {kThreads}};
}
