// optimization/03, part sum: out[0] = x[0] + x[1] + ... + x[n - 1].
//
//     kernelcoach run optimization/03/sum
//     kernelcoach bench optimization/03/sum --examples     # the worked examples, timed
//
// This file is correct and slow: kernelcoach reports TOO_SLOW. To pass, your kernel must run
// at least 0.85x as fast as CUB's cub::DeviceReduce::Sum on the timed case (n = 2^28, 1 GiB
// of floats: CUB needs about 265 us on an H200, so 312 us is the most you may take there).
// README.md explains why this one is slow and what to change; hints.md has hints, one at a
// time (`kernelcoach hint optimization/03/sum`).
//
// The contract of this part (README.md):
//   - out[0] is 0.0f when the kernel starts: add into it with atomicAdd;
//   - x holds small integers (+-1 .. +-8), so every summation order gives the exact sum, and
//     the check is exact: an element dropped or added twice is always caught;
//   - x starts on a 256-byte boundary; n is anything from 1 to 2^28 (1, 2, 31, 1000003,
//     2^24 + 3 and the timed 2^28).
//
// What it does now: one thread per element, 256 threads per block, a tree in shared memory
// with interleaved addressing, one atomicAdd per block.
#include "kernelcoach.h"

// Threads per block. `kernelcoach tune optimization/03/sum` tries the values on the tune line:
// does any block size rescue this kernel?
#ifndef THREADS
#define THREADS 256
#endif
// tune: THREADS=64,128,256,512,1024

constexpr unsigned kThreads = THREADS;
static_assert((kThreads & (kThreads - 1)) == 0 && kThreads >= 32 && kThreads <= 1024,
              "the tree halves the block: a power of two from 32 to 1024");

extern "C" __global__ void sum(const float* __restrict__ x, float* __restrict__ out, int n)
{
    __shared__ float s[kThreads];  // (THREADS): one slot per thread

    const unsigned tid = threadIdx.x;
    const int i = blockIdx.x * kThreads + tid;  // one element per thread
    s[tid] = i < n ? x[i] : 0.0f;  // the last block's extra threads add 0
    __syncthreads();  // every slot is stored before any thread reads a neighbour's

    // Level by level: at stride s, thread t (a multiple of 2s) adds the slot s above it.
    for (unsigned stride = 1; stride < kThreads; stride *= 2) {
        if (tid % (2 * stride) == 0) s[tid] += s[tid + stride];
        __syncthreads();  // this level's sums are stored before the next level reads them
    }
    if (tid == 0) atomicAdd(out, s[0]);  // the block's sum into out[0]
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.n + kThreads - 1) / kThreads)}, .block = {kThreads}};
}
