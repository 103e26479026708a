// Worked example, sum step 2: sequential addressing.
// Expected: PASSED; faster than step 1, still far below the gate.
// Run: kernelcoach bench optimization/03/sum --examples
//
// The same tree, folded the other way: at each level the first half of the active slots adds
// the second half.
//
//     level 1 (stride 128): s[t] += s[t + 128] for t < 128
//     level 2 (stride 64):  s[t] += s[t + 64]  for t < 64
//     ...
//     level 8 (stride 1):   s[0] += s[1]
//
// The working threads are now the first `stride` ones: whole warps work and whole warps
// idle, so at stride 128 only warps 0-3 issue, at stride 64 only 0-1, and from stride 32 on
// warp 0 alone (the condition `tid < stride` is one comparison). And the warp's
// 32 threads read 32 consecutive words, s[t] and s[t + stride]: 32 different banks, no bank
// conflict.
//
// The obvious fix of step 1's divergence is not this one: keep the interleaved pairs and give
// them to consecutive threads, `index = 2 * stride * tid; s[index] += s[index + stride]`. The
// warps stop diverging, but the 32 threads of a warp then read words 2 * stride apart: at
// stride 1 two threads share each bank (a 2-way conflict), at stride 2 four, at stride 16 all
// of them (README.md, "Shared memory banks"). Sequential addressing has neither problem.
//
// What stays: one element per thread, 8 KiB of loads in flight per SM, 2^20 blocks and 2^20
// atomics. The tree got cheaper; the loads did not.
#include "kernelcoach.h"

constexpr unsigned kThreads = 256;
static_assert((kThreads & (kThreads - 1)) == 0, "the tree halves the block: a power of two");

extern "C" __global__ void sum(const float* __restrict__ x, float* __restrict__ out, int n)
{
    __shared__ float s[kThreads];  // (256): one slot per thread

    const unsigned tid = threadIdx.x;
    const int i = blockIdx.x * kThreads + tid;
    s[tid] = i < n ? x[i] : 0.0f;
    __syncthreads();  // every slot is stored before the first level reads s[tid + 128]

    for (unsigned stride = kThreads / 2; stride > 0; stride /= 2) {
        if (tid < stride) s[tid] += s[tid + stride];
        __syncthreads();  // this level's sums are stored before the next level reads them
    }
    if (tid == 0) atomicAdd(out, s[0]);
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.n + kThreads - 1) / kThreads)}, .block = {kThreads}};
}
