// Control for mastery/01, part polynomial - expected verdict: PASSED.
//
// What it demonstrates: a correct kernel of another shape, and another order of the roundings.
//   - Horner's form with explicit fused multiply-adds:
//         x + a x^2 + b x^3 = x (1 + x (a + b x)) = x * fmaf(x, fmaf(b, x, a), 1)
//     three roundings, fewer than the terms one by one; any fp32 order is within the bound;
//   - no grid-stride loop: a grid that covers all of n, each thread two float4s a block's width
//     (256 float4s) apart, both loaded before either is used (2^24 threads, 65536 blocks for the
//     timed case). The hardware starts blocks as others finish; 2 x 16 bytes in flight per
//     thread, 64 KiB per SM of 2048 threads, is twice what Little's law asks on an H200.
//     Block 0's first n % 4 threads do the last n % 4 floats.
#include "kernelcoach.h"

constexpr unsigned kThreads = 256;
constexpr int kVecsPerThread = 2;
constexpr int kVecsPerBlock = kThreads * kVecsPerThread;

float horner(float x, float a, float b) { return x * fmaf(x, fmaf(b, x, a), 1.0f); }

float4 horner4(float4 f, float a, float b) {
    return make_float4(horner(f.x, a, b), horner(f.y, a, b), horner(f.z, a, b), horner(f.w, a, b));
}

extern "C" __global__ void poly(const float* __restrict__ x, float* __restrict__ y, int n, float a, float b)
{
    const float4* x4 = reinterpret_cast<const float4*>(x);
    float4* y4 = reinterpret_cast<float4*>(y);
    const int vecs = n / 4;
    const int base = blockIdx.x * kVecsPerBlock + threadIdx.x;  // this thread's first float4

    float4 f[kVecsPerThread];
#pragma unroll
    for (int u = 0; u < kVecsPerThread; ++u)
        if (base + u * kThreads < vecs) f[u] = x4[base + u * kThreads];
#pragma unroll
    for (int u = 0; u < kVecsPerThread; ++u)
        if (base + u * kThreads < vecs) y4[base + u * kThreads] = horner4(f[u], a, b);

    if (blockIdx.x == 0 && threadIdx.x < n % 4) y[4 * vecs + threadIdx.x] = horner(x[4 * vecs + threadIdx.x], a, b);
}

constexpr Launch launch(Problem p) {
    long long blocks = (p.n / 4 + kVecsPerBlock - 1) / kVecsPerBlock;
    if (blocks < 1) blocks = 1;  // n = 1 to 3: no whole float4, block 0 does the tail
    return Launch{.grid = {unsigned(blocks)}, .block = {kThreads}};
}
