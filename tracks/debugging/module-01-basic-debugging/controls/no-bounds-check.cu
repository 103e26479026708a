// Control for debugging/01 - expected verdict: WRONG.
//
// What it demonstrates: planted bug 4 alone, no bounds check. The grid is whole blocks of
// 32 x 8 threads, so unless w is a multiple of 32 and h a multiple of 8, the last blocks of
// a row and of a column have threads past the image. Each of them computes an element that
// does not exist and stores it at out[y * w + x]: a thread past the right edge writes into the
// first columns of the next row (racing with the thread that owns that element), and a thread
// past the last row, or past the right edge of the last row, writes past the end of `out`.
// kernelcoach's guard zone after `out` (64 KiB) sees those writes: "the kernel wrote past the
// end of `out`". Every case of this module has a partial block except `whole-blocks` and
// `large`, which pass. The farthest write of any case is 27.5 KiB past the end (`row`: 7 rows
// of 1003 floats, and 21 threads more), inside the guard zone; with 32 x 32 blocks `row` would
// write up to 121.5 KiB past it, beyond the guard zone where the mapping ends, and the verdict
// would be CRASHED (an illegal address) instead.
#include "kernelcoach.h"

// Threads per block: 32 columns (a warp reads 128 consecutive bytes of one row) x 8 rows.
constexpr unsigned kBlockX = 32;
constexpr unsigned kBlockY = 8;
static_assert(kBlockX * kBlockY <= 1024, "at most 1024 threads per block");

// The index nearest to i inside an axis of n elements: -1 becomes 0, n becomes n - 1.
__device__ int clamp_index(int i, int n) {
    return min(max(i, 0), n - 1);
}

extern "C" __global__ void stencil2d(const float* __restrict__ in, float* __restrict__ out, int h, int w,
                                     float c0, float c1)
{
    // This thread's element: column x, row y.
    const int x = blockIdx.x * blockDim.x + threadIdx.x;
    const int y = blockIdx.y * blockDim.y + threadIdx.y;
    // BUG: no `if (x >= w || y >= h) return;`

    // The input element at column cx, row cy.
    auto at = [&](int cx, int cy) { return in[cy * w + cx]; };

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
    acc += c1 * at(x, down);
    out[y * w + x] = acc;
}

// One thread per element: a grid of ceil(w / 32) x ceil(h / 8) blocks of 32 x 8 threads.
constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.w + kBlockX - 1) / kBlockX), unsigned((p.h + kBlockY - 1) / kBlockY)},
                  .block = {kBlockX, kBlockY}};
}
