// Worked example, transpose step 2: a 32 x 32 tile in shared memory; both sides coalesced.
// Expected: PASSED; faster than step 1, still below the gate (32-way bank conflicts).
// Run: kernelcoach bench optimization/03/transpose --examples
//
// A block of 32 x 32 threads moves one 32 x 32 tile: rows r0 .. r0 + 31 and columns
// c0 .. c0 + 31 of in, which are rows c0 .. c0 + 31 and columns r0 .. r0 + 31 of out.
//
//   1. load:  thread (x, y) reads in(r0 + y, c0 + x) into tile[y][x]: a warp (fixed y) reads
//             128 consecutive bytes of one row of in. Coalesced.
//   2. barrier: the tile is complete.
//   3. store: thread (x, y) writes out(c0 + y, r0 + x) = in(r0 + x, c0 + y) = tile[x][y]: a warp
//             (fixed y) writes 128 consecutive bytes of one row of out. Coalesced.
//
// The transpose happens in shared memory, where an access's cost does not depend on contiguity
// but on banks: 32 banks of 4-byte words, word w in bank w % 32. In phase 3 the warp reads
// tile[0][y], tile[1][y], ..., tile[31][y]: words y, 32 + y, 64 + y, ... all in bank y. 32
// different words of one bank: a 32-way bank conflict, served one word at a time, 32 passes
// for one instruction. Phase 3 pays 32 shared-memory cycles for every 128 bytes it stores.
#include "kernelcoach.h"

constexpr int kTile = 32;  // the tile's side; the block is kTile x kTile threads (1024)

extern "C" __global__ void transpose(const float* __restrict__ in, float* __restrict__ out, int rows, int cols)
{
    __shared__ float tile[kTile][kTile];  // (32, 32): tile[i][j] = in(r0 + i, c0 + j)

    const int x = threadIdx.x, y = threadIdx.y;
    const int r0 = blockIdx.y * kTile, c0 = blockIdx.x * kTile;

    if (r0 + y < rows && c0 + x < cols) tile[y][x] = in[(r0 + y) * cols + c0 + x];
    __syncthreads();  // every element of the tile is stored before any thread reads another's

    // out(c0 + y, r0 + x) exists when c0 + y < cols (a row of out) and r0 + x < rows (a column).
    if (c0 + y < cols && r0 + x < rows) out[(c0 + y) * rows + r0 + x] = tile[x][y];
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.cols + kTile - 1) / kTile), unsigned((p.rows + kTile - 1) / kTile)},
                  .block = {unsigned(kTile), unsigned(kTile)}};
}
