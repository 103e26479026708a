// mastery/01, part swish-bf16 - the reference solution: y = x / (1 + exp(-x)), bf16 in and out,
// fp32 math, one rounding.
//
//     kernelcoach run mastery/01/swish-bf16            # grades your swish-bf16.cu, not this file
//     kernelcoach run mastery/01/swish-bf16 --file tracks/mastery/module-01-custom-kernels/solution/swish-bf16.cu
//
// bf16 is a storage format here: each value is widened to float (exact: a bf16 is the top 16
// bits of a float), Swish is computed in fp32 exactly as in solution/swish.cu, and the result
// is rounded once to bf16 with __float2bfloat16_rn (round to nearest even). Arithmetic in bf16
// throughout would round after every operation (controls/swish-bf16-bf16-math.cu).
//
// Vector width: 16 bytes are 8 bf16. A uint4 load brings 8 values in four 32-bit words; word
// w holds element 2w in its low 16 bits and element 2w + 1 in its high 16 bits (little-endian).
// n / 8 uint4s cover 8 (n / 8) elements; the last n % 8 (0 to 7) are done one at a time.
// Otherwise the shape of solution/polynomial.cu: one wave of blocks, a grid-stride loop, UNROLL
// uint4s in flight per thread.
//
// Napkin math for the timed case, n = 2^27:
//   bytes    = 4 per element (read 2, write 2): 537 MB, half of part swish's
//   H200     : ~4.3 TB/s for a copy -> about 125 us; the gate (80%) allows about 156 us
//   math     : the same exp and divide per element as part swish, in half the time: 2^27 x ~2
//              SFU operations is still about 70 us, under the 125 us of memory, but closer
//   in flight: 2048 threads x UNROLL (4) x 16 B = 128 KiB per SM
//
// tune: THREADS=128,256,512 UNROLL=1,2,4,8
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

// fp32 math, as in solution/swish.cu (expf, and __fdividef to keep under 32 registers).
float silu1(float x) { return __fdividef(x, 1.0f + expf(-x)); }

// One bf16 in, one bf16 out: widen, compute, round once.
__nv_bfloat16 silu_bf16(__nv_bfloat16 x) { return __float2bfloat16_rn(silu1(__bfloat162float(x))); }

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
