// Control for mastery/01, part polynomial - expected verdict: WRONG.
//
// What it demonstrates: the bound is tight enough to catch half precision. The solution with
// the polynomial evaluated in __half: the storage is still fp32, but x, a and b are rounded
// to 11 significant bits and each of the five operations rounds again. x itself has 24
// random bits, so rounding it to __half alone errs by up to 2^-11 of |x|, 2^13 times the
// 2^-24 of an fp32 rounding; the bound allows 12 fp32 roundings of the terms' magnitudes.
// Nearly every element of every case is wrong, by a few units in the fourth digit: small
// enough to look right in a printout, hundreds of times past the bound.
#include <cuda_fp16.h>

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

// One element, in half precision: x, a and b rounded to __half (11 significant bits), every
// product and sum rounded to __half again, the result widened back to float.
float poly1(float xf, float af, float bf) {
    const __half x = __float2half_rn(xf), a = __float2half_rn(af), b = __float2half_rn(bf);
    const __half x2 = __hmul(x, x);
    return __half2float(__hadd(__hadd(x, __hmul(a, x2)), __hmul(__hmul(b, x2), x)));
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
