// Worked example, sum step 1: the textbook tree in shared memory, interleaved addressing.
// Expected: PASSED, and far below the part's gate (0.85x CUB).
// Run: kernelcoach bench optimization/03/sum --examples
//
// One thread per element, 256 threads per block. Each block copies its 256 elements into
// shared memory and adds them pairwise in log2(256) = 8 levels; thread 0 adds the block's sum
// into out[0] with one atomicAdd (out[0] holds 0 when the kernel starts).
//
//     level 1 (stride 1):  s[0] += s[1],  s[2] += s[3],  s[4] += s[5], ...   128 adds
//     level 2 (stride 2):  s[0] += s[2],  s[4] += s[6], ...                   64 adds
//     ...
//     level 8 (stride 128): s[0] += s[128]                                     1 add
//
// Why it is slow (README.md, "Why the first tree is slow"):
// - divergence: at stride s only the threads with tid % (2s) == 0 work, one in 2s, but they are
//   spread over every warp, so all 8 warps issue each of the first 5 levels (s = 1 .. 16) with
//   16, 8, 4, 2 and then 1 of their 32 lanes doing an add;
// - (in the textbook version, written with blockDim.x, `tid % (2 * stride)` is also an integer
//   division per thread per level; here kThreads is a constant, the compiler unrolls the 8
//   levels and each remainder becomes an AND);
// - one element per thread: a block loads 1 KiB and then spends 8 barriers on it, and an SM
//   holds 8 blocks (2048 threads), so each SM has at most 8 KiB of loads in flight. At about
//   1 us of DRAM latency under load that caps all 132 SMs at ~1 MiB per us, ~1 TB/s, a quarter
//   of what HBM3e can deliver;
// - 2^28 elements / 256 = 2^20 blocks, so 2^20 atomicAdds into the same word.
#include "kernelcoach.h"

constexpr unsigned kThreads = 256;  // one element per thread: a block reduces 256 elements
static_assert((kThreads & (kThreads - 1)) == 0, "the tree halves the block: a power of two");

extern "C" __global__ void sum(const float* __restrict__ x, float* __restrict__ out, int n)
{
    __shared__ float s[kThreads];  // (256): one slot per thread

    const unsigned tid = threadIdx.x;
    const int i = blockIdx.x * kThreads + tid;  // < n + 256: fits an int for n < 2^31 - 256
    s[tid] = i < n ? x[i] : 0.0f;  // the last block's extra threads add 0
    __syncthreads();  // every slot is stored before any thread reads a neighbour's

    for (unsigned stride = 1; stride < kThreads; stride *= 2) {
        if (tid % (2 * stride) == 0) s[tid] += s[tid + stride];
        __syncthreads();  // this level's sums are stored before the next level reads them
    }
    if (tid == 0) atomicAdd(out, s[0]);  // one atomic per block
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.n + kThreads - 1) / kThreads)}, .block = {kThreads}};
}
