// Worked example, transpose step 3: the same tile, one column wider: no bank conflicts.
// Expected: PASSED; faster than step 2.
// Run: kernelcoach bench optimization/03/transpose --examples
//
// Example 02's column read hit one bank 32 times because a tile row is exactly 32 words: the words
// of a column are 32 apart, all in the same bank. Make a row 33 words (one unused word at the
// end of each): tile[i][j] is word 33 i + j, in bank (33 i + j) % 32 = (i + j) % 32. A warp
// reading the column tile[0..31][y] now touches banks y, y + 1, ..., y + 31 (mod 32): all 32
// different, one pass. The row stores of the load phase, tile[y][0..31], touch banks
// (y + 0..31) % 32: still 32 different ones.
// The price: 32 x 4 = 128 bytes of shared memory per block.
//
//     tile[32][32]: column y = words y, 32 + y, 64 + y, ...   -> bank y, 32 times
//     tile[32][33]: column y = words y, 33 + y, 66 + y, ...   -> banks y, y + 1, y + 2, ...
#include "kernelcoach.h"

constexpr int kTile = 32;  // the block is kTile x kTile threads (1024)

extern "C" __global__ void transpose(const float* __restrict__ in, float* __restrict__ out, int rows, int cols)
{
    __shared__ float tile[kTile][kTile + 1];  // (32, 33): the 33rd column is padding, never used

    const int x = threadIdx.x, y = threadIdx.y;
    const int r0 = blockIdx.y * kTile, c0 = blockIdx.x * kTile;

    if (r0 + y < rows && c0 + x < cols) tile[y][x] = in[(r0 + y) * cols + c0 + x];
    __syncthreads();  // every element of the tile is stored before any thread reads another's

    if (c0 + y < cols && r0 + x < rows) out[(c0 + y) * rows + r0 + x] = tile[x][y];
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.cols + kTile - 1) / kTile), unsigned((p.rows + kTile - 1) / kTile)},
                  .block = {unsigned(kTile), unsigned(kTile)}};
}
