// Worked example, transpose step 1: one thread per element, reads coalesced, writes strided.
// Expected: PASSED, and far below the part's gate (80% of the copy's bandwidth).
// Run: kernelcoach bench optimization/03/transpose --examples
//
// Thread (x, y) of block (bx, by) copies in(r, c) to out(c, r), r = 8 by + y, c = 32 bx + x.
// The 32 threads of a warp have consecutive x: they read in(r, c .. c + 31), 128 consecutive
// bytes, one load of 4 whole 32-byte sectors. They write out(c .. c + 31, r): 32 floats, each in
// a different row of out, rows*4 bytes apart (32 KiB for the timed 8192 x 8192). One warp store
// touches 32 sectors and uses 4 bytes of each: the memory system handles 32 sector writes where
// a coalesced store needs 4, 8x the transactions for the same bytes. (The L2 cache merges the
// partial sectors before they reach DRAM, since the block's 8 warps write 8 neighbouring floats
// of each; what costs is the number of store transactions, not the DRAM bytes.)
#include "kernelcoach.h"

constexpr unsigned kBlockX = 32;  // one warp across the columns of in
constexpr unsigned kBlockY = 8;   // 8 rows of in per block: 256 threads

extern "C" __global__ void transpose(const float* __restrict__ in, float* __restrict__ out, int rows, int cols)
{
    const int c = blockIdx.x * kBlockX + threadIdx.x;  // column of in = row of out
    const int r = blockIdx.y * kBlockY + threadIdx.y;  // row of in = column of out
    if (r < rows && c < cols) out[c * rows + r] = in[r * cols + c];  // indices < rows * cols < 2^31
}

constexpr Launch launch(Problem p) {
    // x over the columns, y over the rows (grid.y <= 65535: rows up to 524280 here).
    return Launch{.grid = {unsigned((p.cols + kBlockX - 1) / kBlockX), unsigned((p.rows + kBlockY - 1) / kBlockY)},
                  .block = {kBlockX, kBlockY}};
}
