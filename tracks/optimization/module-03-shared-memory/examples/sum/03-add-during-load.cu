// Worked example, sum step 3: the first level of the tree while loading.
// Expected: PASSED; faster than step 2, still below the gate.
// Run: kernelcoach bench optimization/03/sum --examples
//
// In step 2, half of the threads stop working after the load: the first level already needs
// only 128 of them. So give every thread two elements and let it add them on the way in:
// a block of 256 threads now reduces 512 elements, elements i and i + 256 of its range:
//
//     block b covers x[512 b .. 512 b + 511]
//     thread t loads x[512 b + t] and x[512 b + t + 256]   (each load: 32 consecutive floats
//                                                             per warp, coalesced)
//
// Half as many blocks (2^19 for the timed case), half as many barriers and atomics per
// element, and two independent loads per thread in flight: 16 KiB per SM instead of 8.
#include "kernelcoach.h"

constexpr unsigned kThreads = 256;
constexpr unsigned kItems = 2 * kThreads;  // elements per block: two per thread
static_assert((kThreads & (kThreads - 1)) == 0, "the tree halves the block: a power of two");

extern "C" __global__ void sum(const float* __restrict__ x, float* __restrict__ out, int n)
{
    __shared__ float s[kThreads];  // (256): one slot per thread, already the sum of two

    const unsigned tid = threadIdx.x;
    const int i = blockIdx.x * kItems + tid;  // < n + 512: fits an int for n < 2^31 - 512
    float v = i < n ? x[i] : 0.0f;
    if (i + int(kThreads) < n) v += x[i + kThreads];  // the second element, tested on its own:
                                                      // in the last block it may be missing
    s[tid] = v;
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
