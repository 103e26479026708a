// Control for mastery/01, part complex-multiply - expected verdict: PASSED.
//
// What it demonstrates: another vector width that fits the data. A float2 is exactly one
// complex number (re, im), 8 bytes, and complex number i is float2 number i of each buffer:
// there is no odd complex number left over, so no tail. A grid-stride loop over complex
// numbers with UNROLL (2) of them per thread per step: 2 x 2 loads of 8 bytes in flight per
// thread, 32 bytes, 64 KiB per SM of 2048 threads, twice what Little's law asks on an H200.
// Each warp instruction still moves 256 contiguous bytes, 8 whole sectors.
#include "kernelcoach.h"

constexpr unsigned kThreads = 256;
constexpr int kUnroll = 2;
constexpr unsigned kBlocksPerSm = unsigned(kc::device.max_threads_per_sm) / kThreads;

// (ar + i ai)(br + i bi) = (ar br - ai bi) + i (ar bi + ai br)
float2 cmul(float2 p, float2 q) { return make_float2(p.x * q.x - p.y * q.y, p.x * q.y + p.y * q.x); }

extern "C" __global__ void __launch_bounds__(kThreads, kBlocksPerSm)
complex_mul(const float* __restrict__ a, const float* __restrict__ b, float* __restrict__ out, int n)
{
    const float2* a2 = reinterpret_cast<const float2*>(a);  // complex number i is a2[i]
    const float2* b2 = reinterpret_cast<const float2*>(b);
    float2* out2 = reinterpret_cast<float2*>(out);
    const int stride = gridDim.x * kThreads;
    int i = blockIdx.x * kThreads + threadIdx.x;
    for (; i + (kUnroll - 1) * stride < n; i += kUnroll * stride) {
        float2 p[kUnroll], q[kUnroll];
#pragma unroll
        for (int u = 0; u < kUnroll; ++u) {
            p[u] = a2[i + u * stride];
            q[u] = b2[i + u * stride];
        }
#pragma unroll
        for (int u = 0; u < kUnroll; ++u) out2[i + u * stride] = cmul(p[u], q[u]);
    }
    for (; i < n; i += stride) out2[i] = cmul(a2[i], b2[i]);
}

constexpr Launch launch(Problem p) {
    constexpr long long wave = (long long)kc::device.sm_count * kBlocksPerSm;
    long long blocks = (p.n + kThreads - 1) / kThreads;
    if (blocks > wave) blocks = wave;
    return Launch{.grid = {unsigned(blocks)}, .block = {kThreads}};
}
