// Control for optimization/03, part sum - expected verdict: WRONG.
//
// What it demonstrates: the last, partial block. This is worked example 03 (two elements per
// thread) without the bounds tests on the loads: every thread of every block reads x[i] and
// x[i + 256], also where i >= n. In every checked case n is not a multiple of 512 (1, 2, 31,
// 1000003, 2^24 + 3; only the timed 2^28 is), so the last block reads up to 511 floats past
// the end of x: kernelcoach's guard zone, random bytes of its own, which the tree adds into the
// sum. The sum is checked exactly, so any garbage makes it wrong.
//
// The fix is the `i < n ? x[i] : 0.0f` of the examples: a thread with no element adds 0, the
// identity of the sum, and the tree needs no test at all.
#include "kernelcoach.h"

constexpr unsigned kThreads = 256;
constexpr unsigned kItems = 2 * kThreads;

extern "C" __global__ void sum(const float* __restrict__ x, float* __restrict__ out, int n)
{
    __shared__ float s[kThreads];

    const unsigned tid = threadIdx.x;
    const int i = blockIdx.x * kItems + tid;
    s[tid] = x[i] + x[i + kThreads];  // BUG: no test against n
    __syncthreads();  // every slot is stored before the first level reads s[tid + 128]

    for (unsigned stride = kThreads / 2; stride > 0; stride /= 2) {
        if (tid < stride) s[tid] += s[tid + stride];
        __syncthreads();  // this level's sums are stored before the next level reads them
    }
    if (tid == 0) atomicAdd(out, s[0]);
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.n + kItems - 1) / kItems)}, .block = {kThreads}};
}
