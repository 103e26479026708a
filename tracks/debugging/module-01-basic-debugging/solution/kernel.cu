// debugging/01, the reference solution: the starter with its four bugs fixed. Each fix is
// marked `fix N` with what was wrong; README.md's worked sessions show how each one shows up in
// kernelcoach's report.
//
//     kernelcoach run debugging/01 --file solution/kernel.cu      # from the module folder
//
// out[y][x] = c0 * in[y][x] + c1 * (in[y][x-1] + in[y][x+1] + in[y-1][x] + in[y+1][x]), with
// every neighbour index clamped into the image; the image is h rows of w floats, row by row.
#include "kernelcoach.h"

// Threads per block: 32 columns (a warp reads 128 consecutive bytes of one row) x 8 rows.
constexpr unsigned kBlockX = 32;
constexpr unsigned kBlockY = 8;
static_assert(kBlockX * kBlockY <= 1024, "at most 1024 threads per block");

// The index nearest to i inside an axis of n elements: -1 becomes 0, n becomes n - 1.
__device__ int clamp_index(int i, int n) {
    return min(max(i, 0), n - 1);  // fix 2: the last valid index is n - 1, not n
}

extern "C" __global__ void stencil2d(const float* __restrict__ in, float* __restrict__ out, int h, int w,
                                     float c0, float c1)
{
    // This thread's element: column x, row y.
    const int x = blockIdx.x * blockDim.x + threadIdx.x;
    const int y = blockIdx.y * blockDim.y + threadIdx.y;
    // fix 4: the grid is whole blocks, so the last block of a row or column has threads past
    // the image (w = 70: columns 70 to 95); they must neither read nor write.
    if (x >= w || y >= h) return;

    // The input element at column cx, row cy: rows are stored one after another, so a row
    // index moves by w elements and a column index by one.
    auto at = [&](int cx, int cy) { return in[cy * w + cx]; };  // fix 1: was in[cx * h + cy]

    // The neighbours' columns and rows, clamped into the image.
    const int left = clamp_index(x - 1, w);
    const int right = clamp_index(x + 1, w);
    const int up = clamp_index(y - 1, h);
    const int down = clamp_index(y + 1, h);

    // The centre, then the four neighbours.
    float acc = c0 * at(x, y);
    acc += c1 * at(left, y);
    acc += c1 * at(right, y);
    acc += c1 * at(x, up);
    acc += c1 * at(x, down);  // fix 3: a neighbour's weight is c1; this one had the centre's c0
    out[y * w + x] = acc;
}

// One thread per element: a grid of ceil(w / 32) x ceil(h / 8) blocks of 32 x 8 threads.
constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.w + kBlockX - 1) / kBlockX), unsigned((p.h + kBlockY - 1) / kBlockY)},
                  .block = {kBlockX, kBlockY}};
}
