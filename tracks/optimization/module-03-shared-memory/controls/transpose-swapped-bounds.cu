// Control for optimization/03, part transpose - expected verdict: WRONG.
//
// What it demonstrates: rows and cols swapped in the bounds tests. This is worked example 04
// (32 x 32 padded tile, 32 x 8 threads) with the column tests written against the wrong
// dimension: the load tests the column of in against rows (it should be cols), the store tests
// the column of out against cols (it should be rows). When rows == cols the swapped test is the
// right one, so 1 x 1 and the timed 8192 x 8192 pass. Every other case fails, one of two ways:
//   - too strict where the other dimension is smaller (1 x 1000 loads only column 0 of in;
//     1000 x 1 stores only out[0]): slots of the tile go to out without ever being loaded, and
//     elements of out are never written;
//   - too loose where it is larger (33 x 65 stores columns 33..63 of out, whose rows have 33):
//     the stores run into the next row of out and, from its last row, up to 31 floats past its
//     end, into kernelcoach's guard zone (every case stays within it: WRONG, not a crash).
// Square test matrices hide this bug; test non-square ones, a tall one and a wide one.
//
// (Why the row tests are kept right here: swapping them too lets 1 x 1000 read rows 1..31 of a
// 1-row matrix, 124 KB past the end of in, beyond the guard zone: that is CRASHED, an illegal
// address, not WRONG.)
#include "kernelcoach.h"

constexpr int kTile = 32;
constexpr int kBlockRows = 8;
constexpr int kPerThread = kTile / kBlockRows;

extern "C" __global__ void transpose(const float* __restrict__ in, float* __restrict__ out, int rows, int cols)
{
    __shared__ float tile[kTile][kTile + 1];

    const int x = threadIdx.x, y = threadIdx.y;
    const int r0 = blockIdx.y * kTile, c0 = blockIdx.x * kTile;

#pragma unroll
    for (int k = 0; k < kPerThread; ++k) {
        const int i = y + k * kBlockRows;
        if (r0 + i < rows && c0 + x < rows) tile[i][x] = in[(r0 + i) * cols + c0 + x];  // BUG: c0 + x < cols
    }
    __syncthreads();  // every element of the tile is stored before any thread reads another's

#pragma unroll
    for (int k = 0; k < kPerThread; ++k) {
        const int i = y + k * kBlockRows;
        if (c0 + i < cols && r0 + x < cols) out[(c0 + i) * rows + r0 + x] = tile[x][i];  // BUG: r0 + x < rows
    }
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.cols + kTile - 1) / kTile), unsigned((p.rows + kTile - 1) / kTile)},
                  .block = {unsigned(kTile), unsigned(kBlockRows)}};
}
