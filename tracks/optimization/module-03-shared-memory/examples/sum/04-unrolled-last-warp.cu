// Worked example, sum step 4: the last warp's levels without __syncthreads().
// Expected: PASSED; a little faster than step 3.
// Run: kernelcoach bench optimization/03/sum --examples
//
// From stride 32 down, step 3 runs a single warp but still makes the whole block wait at a
// barrier after every level: 6 of its 8 barriers serve 32 threads. A warp needs less. Here the
// block-wide levels stop at stride 64 (s[0..63] then hold the 64 partial sums) and warp 0
// finishes alone, unrolled, with __syncwarp() between its reads and writes:
//
//     v = s[t] + s[t + 32]                        (t < 32: 32 partial sums in registers)
//     offset 16: s[t] = v; sync; v += s[t + 16]; sync
//     offset  8: s[t] = v; sync; v += s[t + 8];  sync      ... down to offset 1
//
// Each step writes every lane's slot, waits until all 32 are written, reads a partner's slot,
// and waits until all 32 have read before the next step overwrites them. Lanes >= offset
// compute values nobody uses (they read slots that are stale or belong to the other half);
// that is cheaper than a branch, and lane 0 ends with the sum of all 64.
//
// Why __syncwarp() and not the old `volatile` idiom: the 2007-era version of this step relied
// on the 32 threads of a warp executing in lock step, and only marked the slots volatile so
// that the compiler would not keep them in registers. Since Volta (sm_70) the threads of a
// warp are scheduled independently and may not be in step: a lane can read s[t + 16] before
// lane t + 16 has written it. __syncwarp() is the barrier for the warp's 32 threads (and a
// memory fence for them), and compute-sanitizer's racecheck reports the volatile version's
// hazards (README.md, "Warp shuffles").
#include "kernelcoach.h"

constexpr unsigned kThreads = 256;
constexpr unsigned kItems = 2 * kThreads;  // elements per block: two per thread
static_assert((kThreads & (kThreads - 1)) == 0 && kThreads >= 64,
              "the block-wide levels halve down to 64 slots: a power of two, at least 64");

extern "C" __global__ void sum(const float* __restrict__ x, float* __restrict__ out, int n)
{
    __shared__ float s[kThreads];  // (256): one slot per thread, the sum of two elements

    const unsigned tid = threadIdx.x;
    const int i = blockIdx.x * kItems + tid;
    float v = i < n ? x[i] : 0.0f;
    if (i + int(kThreads) < n) v += x[i + kThreads];
    s[tid] = v;
    __syncthreads();  // every slot is stored before the first level reads s[tid + 128]

    // Block-wide levels, down to 64 partial sums in s[0..63].
    for (unsigned stride = kThreads / 2; stride > 32; stride /= 2) {
        if (tid < stride) s[tid] += s[tid + stride];
        __syncthreads();  // this level's sums are stored before the next level (or warp 0) reads them
    }

    // The last warp: 64 -> 1 with no block-wide barrier.
    if (tid < 32) {
        v = s[tid] + s[tid + 32];
#pragma unroll
        for (int offset = 16; offset > 0; offset /= 2) {
            s[tid] = v;
            __syncwarp();  // every lane has written its slot before any lane reads a partner's
            v += s[tid + offset];
            __syncwarp();  // every lane has read before the next step overwrites the slots
        }
        if (tid == 0) atomicAdd(out, v);
    }
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.n + kItems - 1) / kItems)}, .block = {kThreads}};
}
