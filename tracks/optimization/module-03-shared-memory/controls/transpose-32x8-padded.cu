// Control for optimization/03, part transpose - expected verdict: PASSED.
//
// What it demonstrates: the classic configuration, written another way. A 32 x 32 tile padded
// to 33 words a row, 32 x 8 threads striding down the tile 8 rows at a time, with the bounds
// folded into the loop limits instead of a test per element: the last tile row to load is
// min(32, rows - r0), the last tile column to store min(32, cols - c0). 4 elements per thread,
// 8 blocks of 256 threads per SM, 4.2 KiB of shared memory each.
#include "kernelcoach.h"

constexpr int kTile = 32;
constexpr int kBlockRows = 8;

extern "C" __global__ void transpose(const float* __restrict__ in, float* __restrict__ out, int rows, int cols)
{
    __shared__ float tile[kTile][kTile + 1];  // (32, 33): padded

    const int x = threadIdx.x, y = threadIdx.y;
    const int r0 = blockIdx.y * kTile, c0 = blockIdx.x * kTile;
    const int tile_rows = rows - r0 < kTile ? rows - r0 : kTile;  // rows of in in this tile
    const int tile_cols = cols - c0 < kTile ? cols - c0 : kTile;  // columns of in in this tile

    if (x < tile_cols)
        for (int i = y; i < tile_rows; i += kBlockRows) tile[i][x] = in[(r0 + i) * cols + c0 + x];
    __syncthreads();  // every element of the tile is stored before any thread reads another's

    // Row i of the tile's transpose is column i of the tile: out(c0 + i, r0 + x).
    if (x < tile_rows)
        for (int i = y; i < tile_cols; i += kBlockRows) out[(c0 + i) * rows + r0 + x] = tile[x][i];
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.cols + kTile - 1) / kTile), unsigned((p.rows + kTile - 1) / kTile)},
                  .block = {unsigned(kTile), unsigned(kBlockRows)}};
}
