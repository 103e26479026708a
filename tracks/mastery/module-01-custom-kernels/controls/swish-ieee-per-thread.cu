// Control for mastery/01, part swish - expected verdict: PASSED.
//
// What it demonstrates: a kernel of another shape, with the accurate functions throughout.
//   - expf and the IEEE division `/`: correctly rounded division, expf within 2 ulp;
//   - no register cap (plain __launch_bounds__(256)): the compiler may take more than 32
//     registers per thread for the division's slow path instead of spilling. Then fewer than
//     8 blocks of 256 fit on an SM, which a one-wave grid would feel (its last blocks would run
//     as a second, nearly empty wave) and this grid does not:
//   - no grid-stride loop: a grid that covers all of n (65536 blocks for the timed case), each
//     thread two float4s a block's width apart, both loaded before either is used; a lower
//     occupancy only means fewer blocks at a time. Block 0's first n % 4 threads do the last
//     n % 4 elements.
#include "kernelcoach.h"

constexpr unsigned kThreads = 256;
constexpr int kVecsPerThread = 2;
constexpr int kVecsPerBlock = kThreads * kVecsPerThread;

float silu1(float x) { return x / (1.0f + expf(-x)); }

float4 silu4(float4 v) { return make_float4(silu1(v.x), silu1(v.y), silu1(v.z), silu1(v.w)); }

extern "C" __global__ void __launch_bounds__(kThreads)
silu(const float* __restrict__ x, float* __restrict__ y, int n)
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
        if (base + u * kThreads < vecs) y4[base + u * kThreads] = silu4(f[u]);

    if (blockIdx.x == 0 && threadIdx.x < n % 4) y[4 * vecs + threadIdx.x] = silu1(x[4 * vecs + threadIdx.x]);
}

constexpr Launch launch(Problem p) {
    long long blocks = (p.n / 4 + kVecsPerBlock - 1) / kVecsPerBlock;
    if (blocks < 1) blocks = 1;  // n = 1 to 3: no whole float4, block 0 does the tail
    return Launch{.grid = {unsigned(blocks)}, .block = {kThreads}};
}
