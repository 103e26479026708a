// Control for mastery/02, part layer-norm-gelu - expected verdict: PASSED.
//
// What it demonstrates: Welford's mean and variance in place of the two block sums. Each thread
// runs Welford's update over its own elements, (n, mean, M2) with M2 the sum of squared
// deviations from the running mean:
//     n += 1;  delta = x - mean;  mean += delta / n;  M2 += delta (x - mean)
// and the threads' triples are merged with Chan, Golub and LeVeque's formula, over each warp by
// shuffles to lane 0, then over the warps through shared memory: ONE block reduction (one
// barrier) for both statistics, where the solution has two. Nothing here is at the scale of x^2,
// so the rows of mean 1e4 keep their digits. Other roundings than the solution's two-pass sums,
// within the bound (docs/grading.md: 0.105 of it simulated). The rows of whole float4s up to
// 4096 columns stay in registers as in the solution; others are read twice (the statistics,
// then y). It is timed and must clear the same gate: a division per element is extra work, not
// extra bytes.
#include "kernelcoach.h"

constexpr unsigned kThreads = 256;
constexpr int kVec = 4;  // float4s per thread on the register path: rows of up to 4096 columns
constexpr int kWarps = int(kThreads / 32);

constexpr bool in_registers(long long cols) { return cols % 4 == 0 && cols <= 4LL * kVec * kThreads; }

struct Stats {
    float n;     // elements seen (exact in fp32 up to 2^24)
    float mean;  // their mean
    float m2;    // the sum of their squared deviations from it
};

// Welford's update with one more element.
void push(Stats& s, float v) {
    s.n += 1.0f;
    const float delta = v - s.mean;
    s.mean += delta / s.n;
    s.m2 = fmaf(delta, v - s.mean, s.m2);
}

// Chan et al.'s merge of two partial results; an empty side changes nothing.
Stats merge(Stats a, Stats b) {
    const float n = a.n + b.n;
    if (n == 0.0f) return a;
    const float delta = b.mean - a.mean, wb = b.n / n;
    return Stats{n, fmaf(delta, wb, a.mean), a.m2 + b.m2 + delta * delta * a.n * wb};
}

// The whole block's statistics, in every thread (the same bits in all: each merges the warps'
// results in the same order). `part` holds kWarps triples and is used once per block.
Stats block_stats(Stats s, Stats* part) {
    for (int o = 16; o > 0; o /= 2) {  // down to lane 0; the other lanes' results are not used
        const Stats other{__shfl_down_sync(0xffffffffu, s.n, o), __shfl_down_sync(0xffffffffu, s.mean, o),
                          __shfl_down_sync(0xffffffffu, s.m2, o)};
        s = merge(s, other);
    }
    if (threadIdx.x % 32 == 0) part[threadIdx.x / 32] = s;
    __syncthreads();  // every warp's triple is in before any thread reads them
    Stats t{0.0f, 0.0f, 0.0f};
    for (int w = 0; w < kWarps; ++w) t = merge(t, part[w]);
    return t;
}

float gelu(float z) {
    const float a = 0.7978845608028654f * fmaf(0.044715f * z, z * z, z);
    return 0.5f * z * (1.0f + tanhf(a));
}

extern "C" __global__ void __launch_bounds__(kThreads)
layer_norm_gelu(const float* __restrict__ x, const float* __restrict__ gamma, const float* __restrict__ beta,
                float* __restrict__ y, int rows, int cols, float eps)
{
    __shared__ Stats part[kWarps];
    const long long r = blockIdx.x;
    if (r >= rows) return;
    const float* xr = x + r * cols;
    float* yr = y + r * cols;
    Stats s{0.0f, 0.0f, 0.0f};

    if (in_registers(cols)) {
        const int n4 = cols / 4;
        const float4* x4 = reinterpret_cast<const float4*>(xr);
        float4 v[kVec];  // (kVec,): float4s t, t + 256, t + 512, t + 768 of the row
#pragma unroll
        for (int k = 0; k < kVec; ++k) {
            const int q = threadIdx.x + k * kThreads;
            v[k] = q < n4 ? x4[q] : make_float4(0.f, 0.f, 0.f, 0.f);
        }
#pragma unroll
        for (int k = 0; k < kVec; ++k) {
            if (threadIdx.x + k * kThreads < n4) {
                push(s, v[k].x);
                push(s, v[k].y);
                push(s, v[k].z);
                push(s, v[k].w);
            }
        }
        s = block_stats(s, part);
        const float mean = s.mean, rstd = rsqrtf(s.m2 / cols + eps);
        const float4* g4 = reinterpret_cast<const float4*>(gamma);
        const float4* b4 = reinterpret_cast<const float4*>(beta);
        float4* y4 = reinterpret_cast<float4*>(yr);
#pragma unroll
        for (int k = 0; k < kVec; ++k) {
            const int q = threadIdx.x + k * kThreads;
            if (q < n4) {
                const float4 g = g4[q], b = b4[q];
                float4 o;
                o.x = gelu(fmaf((v[k].x - mean) * rstd, g.x, b.x));
                o.y = gelu(fmaf((v[k].y - mean) * rstd, g.y, b.y));
                o.z = gelu(fmaf((v[k].z - mean) * rstd, g.z, b.z));
                o.w = gelu(fmaf((v[k].w - mean) * rstd, g.w, b.w));
                y4[q] = o;
            }
        }
    } else {
        for (int j = threadIdx.x; j < cols; j += kThreads) push(s, xr[j]);
        s = block_stats(s, part);
        const float mean = s.mean, rstd = rsqrtf(s.m2 / cols + eps);
        for (int j = threadIdx.x; j < cols; j += kThreads) yr[j] = gelu(fmaf((xr[j] - mean) * rstd, gamma[j], beta[j]));
    }
}

constexpr Launch launch(Problem p) { return Launch{.grid = {unsigned(p.rows)}, .block = {kThreads}}; }
