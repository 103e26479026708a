// Control for mastery/01, part swish-bf16 - expected verdict: PASSED.
//
// What it demonstrates: the same 16-byte accesses through cuda_bf16.h's pair type. A uint4 of
// 8 bf16 is read as four __nv_bfloat162 (two bf16 in 32 bits, element 2k in .x, 2k + 1 in .y);
// __bfloat1622float2 widens a pair to a float2 (exactly), Swish is computed in fp32, and
// __floats2bfloat162_rn rounds the two results to bf16 (nearest even) and packs them: one
// rounding per element, as in the solution, with no shifts or masks written out. A grid-stride
// loop with 2 uint4s in flight per thread (32 bytes); the last n % 8 elements one at a time.
#include <cuda_bf16.h>

#include "kernelcoach.h"

constexpr unsigned kThreads = 256;
constexpr int kUnroll = 2;
constexpr unsigned kBlocksPerSm = unsigned(kc::device.max_threads_per_sm) / kThreads;

float silu1(float x) { return __fdividef(x, 1.0f + expf(-x)); }

__nv_bfloat162 silu_pair(__nv_bfloat162 h) {
    const float2 f = __bfloat1622float2(h);
    return __floats2bfloat162_rn(silu1(f.x), silu1(f.y));
}

// 16 bytes: four pairs. The union is the usual way to view the same bytes as either type.
union Pack8 {
    uint4 raw;
    __nv_bfloat162 pair[4];
};

uint4 silu8(uint4 v) {
    Pack8 p;
    p.raw = v;
#pragma unroll
    for (int k = 0; k < 4; ++k) p.pair[k] = silu_pair(p.pair[k]);
    return p.raw;
}

extern "C" __global__ void __launch_bounds__(kThreads, kBlocksPerSm)
silu(const __nv_bfloat16* __restrict__ x, __nv_bfloat16* __restrict__ y, int n)
{
    const uint4* x8 = reinterpret_cast<const uint4*>(x);
    uint4* y8 = reinterpret_cast<uint4*>(y);
    const int vecs = n / 8;
    const int stride = gridDim.x * kThreads;
    const int first = blockIdx.x * kThreads + threadIdx.x;

    int v = first;
    for (; v + (kUnroll - 1) * stride < vecs; v += kUnroll * stride) {
        uint4 f[kUnroll];
#pragma unroll
        for (int u = 0; u < kUnroll; ++u) f[u] = x8[v + u * stride];
#pragma unroll
        for (int u = 0; u < kUnroll; ++u) y8[v + u * stride] = silu8(f[u]);
    }
    for (; v < vecs; v += stride) y8[v] = silu8(x8[v]);

    if (first < n % 8) y[8 * vecs + first] = __float2bfloat16_rn(silu1(__bfloat162float(x[8 * vecs + first])));
}

constexpr Launch launch(Problem p) {
    constexpr long long wave = (long long)kc::device.sm_count * kBlocksPerSm;
    long long blocks = (p.n / 8 + kThreads - 1) / kThreads;
    if (blocks > wave) blocks = wave;
    if (blocks < 1) blocks = 1;
    return Launch{.grid = {unsigned(blocks)}, .block = {kThreads}};
}
