// Control for debugging/03 - expected verdict: TOO_SLOW.
//
// What it demonstrates: more threads do not fix the starter's access pattern. This is the
// starter's walk with 32 times the threads: blocks of 32 x 32 threads, where threadIdx.x picks
// one of the block's 32 rows and threadIdx.y one of 32 interleaved slices of its columns
// (columns y, y + 32, y + 64, ...); the 32 partial sums of a row meet in shared memory. The
// timed case launches 512 blocks of 1024 threads, 524288 threads in all, as many as the
// solution: the grid fills the GPU, so the TOO_SLOW report no longer names the grid. But a warp
// is still 32 rows at one column: at every step its 32 threads read 32 floats 4 x cols bytes
// apart, 32 sectors of which it uses 4 bytes each. (The block's 32 warps together read whole
// sectors, and the L1 cache serves most of them a second time; each warp's load instruction
// still asks the L1 for 32 of them.) README.md, sessions 3 and 4.
#include "kernelcoach.h"

constexpr unsigned kRowsPerBlock = 32;  // threadIdx.x: a warp covers 32 rows
constexpr unsigned kSlices = 32;        // threadIdx.y: which columns of the row, interleaved
static_assert(kRowsPerBlock * kSlices <= 1024, "at most 1024 threads per block");

extern "C" __global__ void row_sum(const float* __restrict__ x, float* __restrict__ out, int rows, int cols)
{
    __shared__ float partial[kSlices][kRowsPerBlock];  // (slice, row of the block)
    const int r = blockIdx.x * kRowsPerBlock + threadIdx.x;

    float acc = 0.0f;
    if (r < rows) {
        const float* row = x + (long long)r * cols;
        for (int c = threadIdx.y; c < cols; c += kSlices) acc += row[c];
    }
    partial[threadIdx.y][threadIdx.x] = acc;
    __syncthreads();  // every slice's partial sum is in shared memory before row y = 0 adds them

    if (threadIdx.y == 0 && r < rows) {
        float sum = 0.0f;
        for (int k = 0; k < kSlices; ++k) sum += partial[k][threadIdx.x];
        out[r] = sum;
    }
}

// ceil(rows / 32) blocks of 32 x 32 threads.
constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.rows + kRowsPerBlock - 1) / kRowsPerBlock)}, .block = {kRowsPerBlock, kSlices}};
}
