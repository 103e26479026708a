// Control for optimization/03, part sum - expected verdict: WRONG (found by compute-sanitizer racecheck).
//
// What it demonstrates: the shared-memory race of a tree reduction. This is worked example 03
// (add during load, sequential addressing) with the __syncthreads() inside the tree loop
// removed. At stride 64, thread 0 (warp 0) reads s[64], which thread 64 (warp 2) wrote at
// stride 128; without a barrier in between nothing says thread 64 has written it yet: a
// read-after-write race between warps (and from stride 16 down, between the lanes of warp 0,
// which are not guaranteed to run in step either). The barrier before the loop is still there,
// so the first level reads finished slots.
//
// Plain runs may well give the right sum: the warps of a block run close together. kernelcoach
// runs kernels that use shared memory under racecheck, which records which thread touched
// which word between two barriers and reports the hazard whatever the timing: WRONG, with
// both lines. Every case has the full tree (even n = 1: the other 255 slots hold 0), so
// whichever case racecheck runs shows it.
#include "kernelcoach.h"

constexpr unsigned kThreads = 256;
constexpr unsigned kItems = 2 * kThreads;

extern "C" __global__ void sum(const float* __restrict__ x, float* __restrict__ out, int n)
{
    __shared__ float s[kThreads];

    const unsigned tid = threadIdx.x;
    const int i = blockIdx.x * kItems + tid;
    float v = i < n ? x[i] : 0.0f;
    if (i + int(kThreads) < n) v += x[i + kThreads];
    s[tid] = v;
    __syncthreads();  // every slot is stored before the first level reads s[tid + 128]

    for (unsigned stride = kThreads / 2; stride > 0; stride /= 2) {
        if (tid < stride) s[tid] += s[tid + stride];
        // BUG: no __syncthreads() here: the next level reads slots this level may not have
        // written yet.
    }
    if (tid == 0) atomicAdd(out, s[0]);
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.n + kItems - 1) / kItems)}, .block = {kThreads}};
}
