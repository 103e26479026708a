// Control for mastery/01, part swish-bf16 - expected verdict: WRONG (to be confirmed on a GPU).
//
// What it demonstrates: bf16 is for storage; the math belongs in fp32. This is the solution
// with Swish computed in bf16 arithmetic throughout (hexp, __hadd, __hdiv, __hmul on
// __nv_bfloat16): each of the four operations rounds its result to bf16's 8 significant bits,
// a relative error of up to 2^-8 each. The bound allows two such roundings (2 x 2^-8 of the
// result) plus the fp32 bound: the solution spends at most half of that (its one final
// rounding). Four roundings of random sign add up past two on a fraction of the elements: a
// simulation of these four roundings in numpy on 2 million inputs put 0.57% of the elements
// past the bound, about 6 in the case thousand and 5700 in odd. So the cases of a thousand
// elements and more are expected to fail and the small ones may pass (to be confirmed on a
// GPU, whose hexp is an approximate ex2 before its rounding). Nor does it buy any speed: the
// kernel is memory-bound, and the SMs have time to spare for fp32 math.
#include <cuda_bf16.h>

#include "kernelcoach.h"

#ifndef THREADS
#define THREADS 256
#endif
// uint4 loads (8 bf16 each) in flight per thread: 4 x 16 = 64 bytes.
#ifndef UNROLL
#define UNROLL 4
#endif

constexpr unsigned kThreads = THREADS;
constexpr int kUnroll = UNROLL;
constexpr unsigned kBlocksPerSm = unsigned(kc::device.max_threads_per_sm) / kThreads;
static_assert(kThreads % 32 == 0 && kThreads <= 1024, "whole warps, at most 1024 threads");
static_assert(kBlocksPerSm >= 1, "one block must fit on an SM");
static_assert(kUnroll >= 1, "at least one uint4 per step");

// The mistake: every operation in bf16. hexp rounds e^-x to bf16, __hadd rounds 1 + e,
// __hdiv rounds 1 / (1 + e), __hmul rounds the product: four roundings to 8 significant bits.
__nv_bfloat16 silu_bf16(__nv_bfloat16 x) {
    const __nv_bfloat16 one = __float2bfloat16_rn(1.0f);
    const __nv_bfloat16 e = hexp(__hneg(x));
    const __nv_bfloat16 sigmoid = __hdiv(one, __hadd(one, e));
    return __hmul(x, sigmoid);
}

// Two bf16 packed in a 32-bit word: element 2w in bits 0-15, element 2w + 1 in bits 16-31.
unsigned silu_word(unsigned w) {
    const __nv_bfloat16 lo = __ushort_as_bfloat16((unsigned short)(w & 0xffffu));
    const __nv_bfloat16 hi = __ushort_as_bfloat16((unsigned short)(w >> 16));
    return unsigned(__bfloat16_as_ushort(silu_bf16(lo))) | (unsigned(__bfloat16_as_ushort(silu_bf16(hi))) << 16);
}

// Eight bf16 in a uint4.
uint4 silu8(uint4 v) { return make_uint4(silu_word(v.x), silu_word(v.y), silu_word(v.z), silu_word(v.w)); }

extern "C" __global__ void __launch_bounds__(kThreads, kBlocksPerSm)
silu(const __nv_bfloat16* __restrict__ x, __nv_bfloat16* __restrict__ y, int n)
{
    const uint4* x8 = reinterpret_cast<const uint4*>(x);  // aligned: x starts on 256 bytes
    uint4* y8 = reinterpret_cast<uint4*>(y);
    const int vecs = n / 8;  // whole groups of 8 bf16
    const int stride = gridDim.x * kThreads;
    const int first = blockIdx.x * kThreads + threadIdx.x;

    int v = first;
    for (; v + (kUnroll - 1) * stride < vecs; v += kUnroll * stride) {
        uint4 f[kUnroll];
#pragma unroll
        for (int u = 0; u < kUnroll; ++u) f[u] = x8[v + u * stride];  // all loads first
#pragma unroll
        for (int u = 0; u < kUnroll; ++u) y8[v + u * stride] = silu8(f[u]);
    }
    for (; v < vecs; v += stride) y8[v] = silu8(x8[v]);

    // The last n % 8 elements (0 to 7): threads 0 to 6 of block 0, one each.
    if (first < n % 8) y[8 * vecs + first] = silu_bf16(x[8 * vecs + first]);
}

constexpr Launch launch(Problem p) {
    constexpr long long wave = (long long)kc::device.sm_count * kBlocksPerSm;
    const long long vecs = p.n / 8;
    long long blocks = (vecs + kThreads - 1) / kThreads;
    if (blocks > wave) blocks = wave;
    if (blocks < 1) blocks = 1;
    return Launch{.grid = {unsigned(blocks)}, .block = {kThreads}};
}
