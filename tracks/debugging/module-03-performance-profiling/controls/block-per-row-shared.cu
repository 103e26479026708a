// Control for debugging/03 - expected verdict: PASSED.
//
// What it demonstrates: another coalesced decomposition, a block of 128 threads per row. Thread
// t adds columns t, t + 128, t + 256, ... (float4s when the row is 16-byte aligned), so each
// warp reads 128 or 512 contiguous bytes per step; the block's 128 partial sums then meet in a
// tree in shared memory, one barrier per level. The timed case launches 16384 blocks of 128
// threads, 16 KiB of row each. The tree and its barriers cost a few hundred cycles per block,
// little next to the block's loads; what matters for speed is the same as in the solution:
// every load instruction of a warp reads contiguous bytes.
#include "kernelcoach.h"

constexpr unsigned kThreads = 128;
static_assert((kThreads & (kThreads - 1)) == 0, "the tree halves the block: a power of two");

extern "C" __global__ void row_sum(const float* __restrict__ x, float* __restrict__ out, int rows, int cols)
{
    __shared__ float partial[kThreads];
    const int t = threadIdx.x;
    const int r = blockIdx.x;  // one row per block: the grid has exactly `rows` blocks
    const float* row = x + (long long)r * cols;

    float acc = 0.0f;
    if (cols % 4 == 0) {  // every row starts on a 16-byte boundary (x does, and 4 x cols is a multiple of 16)
        const float4* row4 = reinterpret_cast<const float4*>(row);
        for (int v = t; v < cols / 4; v += kThreads) {
            const float4 f = row4[v];
            acc += (f.x + f.y) + (f.z + f.w);
        }
    } else {
        for (int c = t; c < cols; c += kThreads) acc += row[c];
    }
    partial[t] = acc;
    __syncthreads();  // every thread's partial sum is stored before the tree reads them

    for (int s = kThreads / 2; s > 0; s /= 2) {
        if (t < s) partial[t] += partial[t + s];
        __syncthreads();  // this level is complete before the next reads it
    }
    if (t == 0) out[r] = partial[0];
}

// One block of 128 threads per row.
constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned(p.rows)}, .block = {kThreads}};
}
