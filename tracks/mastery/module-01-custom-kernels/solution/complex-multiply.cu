// mastery/01, part complex-multiply - the reference solution: out[i] = a[i] * b[i], complex.
//
//     kernelcoach run mastery/01/complex-multiply      # grades your complex-multiply.cu, not this file
//     kernelcoach run mastery/01/complex-multiply --file tracks/mastery/module-01-custom-kernels/solution/complex-multiply.cu
//
// Interleaved storage: complex number i is the floats [2i] (real) and [2i + 1] (imaginary).
// A float4 at float offset 4k holds two whole complex numbers, 2k and 2k + 1:
//
//     float4 k of a:   ( re(a[2k]), im(a[2k]), re(a[2k+1]), im(a[2k+1]) )
//
// so the kernel reads one float4 of a and one of b, multiplies two pairs, writes one float4 of
// out. n / 2 float4s cover the first 2 (n / 2) complex numbers; when n is odd, the last one
// is left: thread 0 of block 0 does it with float2s (float offset 2 (n - 1), 8-byte aligned).
// Otherwise the shape of solution/polynomial.cu: one wave of blocks, a grid-stride loop,
// UNROLL float4 pairs in flight per thread.
//
//     (ar + i ai)(br + i bi) = (ar br - ai bi) + i (ar bi + ai br)
//
// Napkin math for the timed case, n = 2^26:
//   bytes    = 24 per complex number (8 of a, 8 of b, 8 of out): 24 x 2^26 = 1.61 GB
//   H200     : ~4.3 TB/s for a copy -> about 375 us; the gate (80%) allows about 468 us
//   in flight: 2048 threads x UNROLL (2) x 2 loads x 16 B = 128 KiB per SM
//   indices  : float offsets reach 2 n, past 2^31 for n > 2^30: 64 bits throughout.
//
// tune: THREADS=128,256,512 UNROLL=1,2,4
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

// One complex product; p = (re, im), q = (re, im).
float2 cmul(float2 p, float2 q) { return make_float2(p.x * q.x - p.y * q.y, p.x * q.y + p.y * q.x); }

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
