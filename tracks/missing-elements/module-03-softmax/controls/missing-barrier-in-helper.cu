// Control for missing-elements/03 - expected verdict: WRONG.
//
// What it demonstrates: a race inside a helper function, reported with its line. The block
// reductions live in one helper, `block_reduce`, that both passes call with the same shared
// slots. The helper has the barrier between publishing the warps' partials and reading them,
// but not the one after reading them: the sum pass's block_reduce can overwrite a warp's slot
// while a slower warp is still reading the maxes from it. Plain runs almost never see it (the
// window is a few instructions wide), so the rows come out right; compute-sanitizer's racecheck
// sees it on every run, and names the write and the read by their lines in this file, inside
// `block_reduce`. (The helper is kept out of line with __noinline__, as large helpers are: the
// sanitizer then names the function with its parameter list, which once cost the report its
// lines.)

#include "kernelcoach.h"
#include <cuda/std/limits>

constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;
constexpr float kNegInf = -cuda::std::numeric_limits<float>::infinity();

__noinline__ float block_reduce(float v, float* partial, bool is_max) {
    for (int offset = 16; offset > 0; offset /= 2) {
        const float o = __shfl_xor_sync(0xffffffffu, v, offset);
        v = is_max ? fmaxf(v, o) : v + o;
    }
    if (threadIdx.x % 32 == 0) partial[threadIdx.x / 32] = v;  // the write of the race
    __syncthreads();  // every slot written before any is read
    float r = partial[0];
    for (int w = 1; w < kWarps; ++w) r = is_max ? fmaxf(r, partial[w]) : r + partial[w];  // the read
    // Missing: __syncthreads() here, before the next call overwrites the slots.
    return r;
}

extern "C" __global__ void softmax(const float* __restrict__ x, float* __restrict__ y, int rows,
                                   int cols) {
    __shared__ float partial[kWarps];
    const float* xr = x + static_cast<long long>(blockIdx.x) * cols;
    float* yr = y + static_cast<long long>(blockIdx.x) * cols;

    float m = kNegInf;
    for (int j = threadIdx.x; j < cols; j += kThreads) m = fmaxf(m, xr[j]);
    m = block_reduce(m, partial, true);

    float s = 0.0f;
    for (int j = threadIdx.x; j < cols; j += kThreads) s += expf(xr[j] - m);
    s = block_reduce(s, partial, false);

    const float inv = 1.0f / s;
    for (int j = threadIdx.x; j < cols; j += kThreads) yr[j] = expf(xr[j] - m) * inv;
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned(p.rows)}, .block = {unsigned(kThreads)}};
}
