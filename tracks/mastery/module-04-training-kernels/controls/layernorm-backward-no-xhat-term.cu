// Control for mastery/04, part layernorm-backward - expected verdict: WRONG.
//
// What it demonstrates: dx without its last term, dx = rstd (g - mean(g)): the gradient that
// flows back through the variance (through rstd) is dropped, and only the one through the mean
// is kept. dgamma and dbeta do not use it and stay right; dx is wrong on every row where
// mean(g xhat) is not 0, which is every row of random data.
#include "kernelcoach.h"

#ifndef THREADS
#define THREADS 256
#endif
#ifndef BLOCKS_PER_SM
#define BLOCKS_PER_SM 4
#endif

constexpr unsigned kThreads = THREADS;
constexpr int kWarps = int(kThreads / 32);
static_assert(kThreads % 32 == 0 && kThreads <= 1024, "whole warps, at most 1024 threads");

// The dx kernel's grid: BLOCKS_PER_SM blocks per SM, never more blocks than rows.
constexpr long long row_blocks(long long rows) {
    const long long most = (long long)kc::device.sm_count * BLOCKS_PER_SM;
    return rows < most ? rows : most;
}

// partial: each dx block's column sums, [block][2][cols] (dy xhat, then dy).
constexpr long long partial_elements(Problem p) { return 2 * row_blocks(p.rows) * p.cols; }

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

extern "C" __global__ void __launch_bounds__(kThreads)
ln_backward_dx(const float* __restrict__ dy, const float* __restrict__ x, const float* __restrict__ mean,
               const float* __restrict__ rstd, const float* __restrict__ gamma, float* __restrict__ dx,
               float* __restrict__ partial, int rows, int cols)
{
    extern __shared__ float col[];  // [2][cols]: this block's sums of dy xhat, then of dy
    __shared__ float2 red[kWarps];
    // Thread t owns columns t, t + THREADS, ...: it alone zeroes, adds to and writes them.
    for (int j = threadIdx.x; j < cols; j += kThreads) col[j] = col[cols + j] = 0.f;

    const float inv_cols = 1.0f / float(cols);
    for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
        const float* dyr = dy + r * cols;  // 64-bit offsets: rows x cols may pass 2^31
        const float* xr = x + r * cols;
        const float mu = mean[r], rs = rstd[r];
        float2 s = make_float2(0.f, 0.f);  // sum g, sum g xhat over this thread's columns
#pragma unroll 4
        for (int j = threadIdx.x; j < cols; j += kThreads) {
            const float g = dyr[j] * gamma[j], xh = (xr[j] - mu) * rs;
            s.x += g;
            s.y = fmaf(g, xh, s.y);
        }
        s = block_sum(s, red);
        const float a = s.x * inv_cols;  // mean g
        float* dxr = dx + r * cols;
#pragma unroll 4
        for (int j = threadIdx.x; j < cols; j += kThreads) {
            const float d = dyr[j], xh = (xr[j] - mu) * rs;
            dxr[j] = rs * (d * gamma[j] - a);  // BUG: the - xhat mean(g xhat) term is dropped
            col[j] = fmaf(d, xh, col[j]);
            col[cols + j] += d;
        }
    }
    float* mine = partial + (long long)blockIdx.x * 2 * cols;
    for (int j = threadIdx.x; j < cols; j += kThreads) {
        mine[j] = col[j];
        mine[cols + j] = col[cols + j];
    }
}

constexpr unsigned kColumns = 32;  // columns per dgamma block: a warp's lanes
constexpr unsigned kSlices = 8;    // warps per dgamma block, each over a slice of the blocks

extern "C" __global__ void __launch_bounds__(kColumns * kSlices)
ln_backward_dgamma(float* __restrict__ partial, float* __restrict__ dgamma, float* __restrict__ dbeta,
                   int rows, int cols)
{
    __shared__ float2 sums[kSlices][kColumns];
    const int lane = threadIdx.x % kColumns, w = threadIdx.x / kColumns;
    const int j = blockIdx.x * kColumns + lane;
    const long long blocks = row_blocks(rows);
    float2 s = make_float2(0.f, 0.f);
    if (j < cols) {
#pragma unroll 4
        for (long long k = w; k < blocks; k += kSlices) {
            const float* pk = partial + k * 2 * cols;  // block k's sums: 32 lanes, 128 bytes
            s.x += pk[j];
            s.y += pk[cols + j];
        }
    }
    sums[w][lane] = s;
    __syncthreads();  // every slice's sums are in
    if (w != 0 || j >= cols) return;
    for (int k = 1; k < int(kSlices); ++k) s = make_float2(s.x + sums[k][lane].x, s.y + sums[k][lane].y);
    dgamma[j] = s.x;
    dbeta[j] = s.y;
}

constexpr Launch launch_ln_backward_dx(Problem p) {
    const long long blocks = row_blocks(p.rows);
    return Launch{.grid = {unsigned(blocks < 1 ? 1 : blocks)}, .block = {kThreads},
                  .shared_bytes = unsigned(2 * p.cols * 4)};
}

constexpr Launch launch_ln_backward_dgamma(Problem p) {
    return Launch{.grid = {unsigned((p.cols + kColumns - 1) / kColumns)}, .block = {kColumns * kSlices}};
}
