// Control for optimization/03, part transpose - expected verdict: TOO_SLOW.
//
// What it demonstrates: the other naive transpose, faster than the starter but still far
// too slow (on an H200: 39.5% of the copy, the starter 12.6%, the gate 80%). The starter reads rows of in
// and writes columns of out; this one does the opposite: thread (x, y) writes out(r, c) with
// c = 32 bx + x along the warp (a warp writes 128 consecutive bytes of a row of out) and reads
// in(c, r), a column of in: 32 floats in 32 different rows, cols * 4 bytes apart. A warp load
// touches 32 sectors of 32 bytes for 128 useful bytes. The block's 8 warps read 8 neighbouring
// columns, so each sector is used in full eventually (the L1 cache keeps it for the other
// warps), but every warp load still costs 32 sector lookups where a coalesced one costs 4.
// Coalescing one side is not enough: a transpose needs both, and only a tile (shared memory)
// gives both.
#include "kernelcoach.h"

constexpr unsigned kBlockX = 32;
constexpr unsigned kBlockY = 8;

extern "C" __global__ void transpose(const float* __restrict__ in, float* __restrict__ out, int rows, int cols)
{
    // out is cols x rows: its row o_r (< cols), its column o_c (< rows).
    const int o_c = blockIdx.x * kBlockX + threadIdx.x;  // column of out = row of in
    const int o_r = blockIdx.y * kBlockY + threadIdx.y;  // row of out = column of in
    if (o_r < cols && o_c < rows) out[o_r * rows + o_c] = in[o_c * cols + o_r];
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.rows + kBlockX - 1) / kBlockX), unsigned((p.cols + kBlockY - 1) / kBlockY)},
                  .block = {kBlockX, kBlockY}};
}
