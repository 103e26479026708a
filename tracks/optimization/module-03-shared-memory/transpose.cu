// optimization/03, part transpose: out = in transposed.
//
//     kernelcoach run optimization/03/transpose
//     kernelcoach bench optimization/03/transpose --examples     # the worked examples, timed
//
// in is rows x cols, row-major; out is cols x rows, row-major: out[c * rows + r] = in[r * cols + c].
//
// This file is correct and slow: kernelcoach reports TOO_SLOW. To pass, your kernel must move
// its bytes at 80% or more of the speed of light, a device-to-device copy of the same bytes
// measured on your GPU: the timed case, 8192 x 8192, reads 256 MiB and writes 256 MiB; an H200
// copies 512 MiB in about 126 us, so 158 us is the most you may take there. README.md explains
// why this one is slow and what to change; `kernelcoach hint optimization/03/transpose` gives
// hints one at a time.
//
// The cases: 1 x 1, 1 x 1000, 1000 x 1, 33 x 65, 1023 x 1025, 4096 x 8, 8 x 4096 and the timed
// 8192 x 8192. The check is exact: every element is a copy.
//
// What it does now: one thread per element, in blocks of 32 x BLOCK_Y threads. Reads of in are
// coalesced (a warp reads 128 consecutive bytes of a row); writes of out are not (a warp writes
// one float into each of 32 different rows of out).
#include "kernelcoach.h"

// Rows of threads per block; `kernelcoach tune optimization/03/transpose` tries the values on
// the tune line. Does any of them make the strided writes fast?
#ifndef BLOCK_Y
#define BLOCK_Y 8
#endif
// tune: BLOCK_Y=1,2,4,8,16,32

constexpr unsigned kBlockX = 32;  // one warp across the columns of in
constexpr unsigned kBlockY = BLOCK_Y;
static_assert(kBlockX * kBlockY <= 1024, "at most 1024 threads per block");

extern "C" __global__ void transpose(const float* __restrict__ in, float* __restrict__ out, int rows, int cols)
{
    const int c = blockIdx.x * kBlockX + threadIdx.x;  // column of in = row of out
    const int r = blockIdx.y * kBlockY + threadIdx.y;  // row of in = column of out
    if (r < rows && c < cols) out[c * rows + r] = in[r * cols + c];
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.cols + kBlockX - 1) / kBlockX), unsigned((p.rows + kBlockY - 1) / kBlockY)},
                  .block = {kBlockX, kBlockY}};
}
