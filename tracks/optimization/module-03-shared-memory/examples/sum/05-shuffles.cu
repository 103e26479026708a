// Worked example, sum step 5: warp shuffles, and shared memory only between warps.
// Expected: PASSED; about as fast as step 4 (the tree was never the main cost).
// Run: kernelcoach bench optimization/03/sum --examples
//
// __shfl_down_sync(mask, v, offset) hands each lane the value v of the lane `offset` above it,
// register to register, in one instruction: no shared memory, no barrier. Five of them reduce
// a warp's 32 values (offsets 16, 8, 4, 2, 1; lane 0 ends with the warp's sum):
//
//     offset 16: lane l adds lane l + 16's v    (lanes 0-15 now hold sums of 2)
//     offset  8: lane l adds lane l + 8's v     (lanes 0-7: sums of 4)   ... offset 1: lane 0
//
// A block reduction is then two levels of that: each warp reduces its own 32 values, lane 0 of
// each warp stores the warp's sum in shared memory (8 floats for 8 warps), one barrier, and
// warp 0 reduces those 8 with the same five shuffles. Shared memory traffic per block: 8
// stores and 8 loads, against 2 x 255 loads and 255 stores for the tree of step 3.
//
// Still two elements per thread, 2^19 blocks and 2^19 atomics for the timed case: step 6 is
// where the loads get fixed.
#include "kernelcoach.h"

constexpr unsigned kThreads = 256;
constexpr unsigned kWarps = kThreads / 32;
constexpr unsigned kItems = 2 * kThreads;  // elements per block: two per thread
static_assert(kThreads % 32 == 0, "whole warps: every shuffle has all 32 lanes");
static_assert(kWarps <= 32, "warp 0 reduces one value per warp, at most 32");

constexpr unsigned kFullMask = 0xffffffffu;  // all 32 lanes take part in each shuffle

// The sum of v over the warp's 32 lanes, in lane 0 (the other lanes hold partial sums).
float warp_sum(float v) {
#pragma unroll
    for (int offset = 16; offset > 0; offset /= 2) v += __shfl_down_sync(kFullMask, v, offset);
    return v;
}

extern "C" __global__ void sum(const float* __restrict__ x, float* __restrict__ out, int n)
{
    __shared__ float warp_sums[kWarps];  // (8): one partial sum per warp

    const unsigned tid = threadIdx.x;
    const unsigned lane = tid % 32, warp = tid / 32;
    const int i = blockIdx.x * kItems + tid;
    float v = i < n ? x[i] : 0.0f;
    if (i + int(kThreads) < n) v += x[i + kThreads];

    v = warp_sum(v);                    // level 1: 32 -> 1 in each warp
    if (lane == 0) warp_sums[warp] = v;
    __syncthreads();  // every warp's sum is stored before warp 0 reads them all

    if (warp == 0) {                    // level 2: kWarps -> 1 in warp 0
        v = lane < kWarps ? warp_sums[lane] : 0.0f;
        v = warp_sum(v);
        if (lane == 0) atomicAdd(out, v);
    }
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.n + kItems - 1) / kItems)}, .block = {kThreads}};
}
