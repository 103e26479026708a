// Control for mastery/04, part layernorm-backward - expected verdict: PASSED.
//
// What it demonstrates: atomics instead of a second pass over per-block sums. The solution's
// kernel, but each block adds its column sums into one [2][cols] array with atomicAdd (the
// plan's `partial` is zeroed before every run, so the sums start at 0), and the second kernel
// only copies them out. The order in which the blocks' sums arrive changes from run to run, so
// dgamma's roundings do too: within the bound, which holds for any order of the sum.
#include "kernelcoach.h"

#ifndef THREADS
#define THREADS 256
#endif
#ifndef VEC
#define VEC 4  // float4s of a row per thread on the register path: rows of up to 4 x VEC x THREADS
#endif
#ifndef BLOCKS_PER_SM
#define BLOCKS_PER_SM 2
#endif

constexpr unsigned kThreads = THREADS;
constexpr int kVec = VEC;
constexpr int kWarps = int(kThreads / 32);
static_assert(kThreads % 32 == 0 && kThreads <= 1024, "whole warps, at most 1024 threads");

// Whether a row fits the register path: whole float4s (so every row starts 16-byte aligned),
// at most kVec of them per thread.
constexpr bool in_registers(long long cols) { return cols % 4 == 0 && cols <= 4LL * kVec * kThreads; }

// The dx kernel's grid: BLOCKS_PER_SM blocks per SM, never more blocks than rows.
constexpr long long row_blocks(long long rows) {
    const long long most = (long long)kc::device.sm_count * BLOCKS_PER_SM;
    return rows < most ? rows : most;
}

// partial: the column sums of all blocks, [2][cols] (dy xhat, then dy), added atomically.
constexpr long long partial_elements(Problem p) { return 2 * p.cols; }

// The sum over the block of each thread's pair; every thread gets it. `red` holds kWarps pairs.
float2 block_sum(float2 s, float2* red) {
    for (int o = 16; o > 0; o /= 2) {
        s.x += __shfl_xor_sync(0xffffffffu, s.x, o);
        s.y += __shfl_xor_sync(0xffffffffu, s.y, o);
    }
    if (threadIdx.x % 32 == 0) red[threadIdx.x / 32] = s;
    __syncthreads();  // every warp's pair is in
    float2 t = make_float2(0.f, 0.f);
    for (int w = 0; w < kWarps; ++w) t = make_float2(t.x + red[w].x, t.y + red[w].y);
    __syncthreads();  // every thread has read red before the next row overwrites it
    return t;
}

// One element: xhat in place of x, and its terms of the row's two sums.
void row_terms(float d, float& xv, float gm, float mu, float rs, float2& s) {
    xv = (xv - mu) * rs;
    const float g = d * gm;
    s.x += g;
    s.y = fmaf(g, xv, s.y);
}

// One element's dx from d, xhat, gamma; its column sums gain d xhat and d.
float dx_of(float d, float xh, float gm, float rs, float a, float b, float& cg, float& cb) {
    cg = fmaf(d, xh, cg);
    cb += d;
    return rs * (d * gm - a - xh * b);
}

// The register path: every row of the block's share, then its column sums to `partial`.
void rows_in_registers(const float* dy, const float* x, const float* mean, const float* rstd, const float* gamma,
                       float* dx, float* partial, int rows, int cols, float2* red) {
    const int nv = cols / 4;  // float4s per row; thread t has numbers t, t + THREADS, ...
    const float inv_cols = 1.0f / float(cols);
    float4 gm[kVec], cg[kVec], cb[kVec];
#pragma unroll
    for (int k = 0; k < kVec; ++k) {
        const int v = threadIdx.x + k * kThreads;
        gm[k] = v < nv ? reinterpret_cast<const float4*>(gamma)[v] : make_float4(0.f, 0.f, 0.f, 0.f);
        cg[k] = cb[k] = make_float4(0.f, 0.f, 0.f, 0.f);
    }
    for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
        const float4* dy4 = reinterpret_cast<const float4*>(dy + r * cols);  // 64-bit offsets
        const float4* x4 = reinterpret_cast<const float4*>(x + r * cols);
        float4 d[kVec], xv[kVec];
#pragma unroll
        for (int k = 0; k < kVec; ++k) {  // all loads first
            const int v = threadIdx.x + k * kThreads;
            d[k] = v < nv ? dy4[v] : make_float4(0.f, 0.f, 0.f, 0.f);
            xv[k] = v < nv ? x4[v] : make_float4(0.f, 0.f, 0.f, 0.f);
        }
        const float mu = mean[r], rs = rstd[r];
        float2 s = make_float2(0.f, 0.f);
#pragma unroll
        for (int k = 0; k < kVec; ++k) {
            if (threadIdx.x + k * kThreads >= nv) continue;
            row_terms(d[k].x, xv[k].x, gm[k].x, mu, rs, s);
            row_terms(d[k].y, xv[k].y, gm[k].y, mu, rs, s);
            row_terms(d[k].z, xv[k].z, gm[k].z, mu, rs, s);
            row_terms(d[k].w, xv[k].w, gm[k].w, mu, rs, s);
        }
        s = block_sum(s, red);
        const float a = s.x * inv_cols, b = s.y * inv_cols;  // mean g, mean g xhat
        float4* dx4 = reinterpret_cast<float4*>(dx + r * cols);
#pragma unroll
        for (int k = 0; k < kVec; ++k) {
            const int v = threadIdx.x + k * kThreads;
            if (v >= nv) continue;
            float4 o;
            o.x = dx_of(d[k].x, xv[k].x, gm[k].x, rs, a, b, cg[k].x, cb[k].x);
            o.y = dx_of(d[k].y, xv[k].y, gm[k].y, rs, a, b, cg[k].y, cb[k].y);
            o.z = dx_of(d[k].z, xv[k].z, gm[k].z, rs, a, b, cg[k].z, cb[k].z);
            o.w = dx_of(d[k].w, xv[k].w, gm[k].w, rs, a, b, cg[k].w, cb[k].w);
            dx4[v] = o;
        }
    }
#pragma unroll
    for (int k = 0; k < kVec; ++k) {
        const int j = 4 * (threadIdx.x + k * kThreads);
        if (j >= cols) continue;
        atomicAdd(&partial[j], cg[k].x), atomicAdd(&partial[j + 1], cg[k].y);
        atomicAdd(&partial[j + 2], cg[k].z), atomicAdd(&partial[j + 3], cg[k].w);
        atomicAdd(&partial[cols + j], cb[k].x), atomicAdd(&partial[cols + j + 1], cb[k].y);
        atomicAdd(&partial[cols + j + 2], cb[k].z), atomicAdd(&partial[cols + j + 3], cb[k].w);
    }
}

// The scalar path: any cols. Each row read twice (the second time from L1 or L2); the column
// sums in shared memory, `col` [2][cols], thread t owning columns t, t + THREADS, ...
void rows_twice(const float* dy, const float* x, const float* mean, const float* rstd, const float* gamma, float* dx,
                float* partial, int rows, int cols, float2* red, float* col) {
    for (int j = threadIdx.x; j < cols; j += kThreads) col[j] = col[cols + j] = 0.f;
    const float inv_cols = 1.0f / float(cols);
    for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
        const float* dyr = dy + r * cols;
        const float* xr = x + r * cols;
        const float mu = mean[r], rs = rstd[r];
        float2 s = make_float2(0.f, 0.f);
        for (int j = threadIdx.x; j < cols; j += kThreads) {
            float xv = xr[j];
            row_terms(dyr[j], xv, gamma[j], mu, rs, s);
        }
        s = block_sum(s, red);
        const float a = s.x * inv_cols, b = s.y * inv_cols;
        float* dxr = dx + r * cols;
        for (int j = threadIdx.x; j < cols; j += kThreads)
            dxr[j] = dx_of(dyr[j], (xr[j] - mu) * rs, gamma[j], rs, a, b, col[j], col[cols + j]);
    }
    for (int j = threadIdx.x; j < cols; j += kThreads) {
        atomicAdd(&partial[j], col[j]);
        atomicAdd(&partial[cols + j], col[cols + j]);
    }
}

extern "C" __global__ void __launch_bounds__(kThreads, BLOCKS_PER_SM)
ln_backward_dx(const float* __restrict__ dy, const float* __restrict__ x, const float* __restrict__ mean,
               const float* __restrict__ rstd, const float* __restrict__ gamma, float* __restrict__ dx,
               float* __restrict__ partial, int rows, int cols)
{
    __shared__ float2 red[kWarps];
    extern __shared__ float col[];  // the scalar path's column sums (launch_ln_backward_dx sizes it)
    if (in_registers(cols)) rows_in_registers(dy, x, mean, rstd, gamma, dx, partial, rows, cols, red);
    else rows_twice(dy, x, mean, rstd, gamma, dx, partial, rows, cols, red, col);
}

extern "C" __global__ void ln_backward_dgamma(float* __restrict__ partial, float* __restrict__ dgamma,
                                              float* __restrict__ dbeta, int rows, int cols)
{
    const int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= cols) return;
    dgamma[j] = partial[j];  // the sums are complete: copy them out
    dbeta[j] = partial[cols + j];
}

constexpr Launch launch_ln_backward_dx(Problem p) {
    const long long blocks = row_blocks(p.rows);
    return Launch{.grid = {unsigned(blocks < 1 ? 1 : blocks)}, .block = {kThreads},
                  .shared_bytes = in_registers(p.cols) ? 0u : unsigned(2 * p.cols * 4)};
}

constexpr Launch launch_ln_backward_dgamma(Problem p) {
    return Launch{.grid = {unsigned((p.cols + 255) / 256)}, .block = {256}};
}
