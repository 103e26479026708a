// Control for debugging/01 - expected verdict: WRONG.
//
// What it demonstrates: the debug kit's checked read on planted bug 2 (README.md, session 5).
// It is the clamp-off-by-one control (indices clamped into [0, n] instead of [0, n - 1]) with
// every read of `in` made through kc::at(in, index, h * w). The reads past the end of `in` (the
// lower neighbour of the last row, row h) are not made, and the report names the first one: the
// index, the thread, the block and the line. The right neighbour of the last column (column w)
// is still inside `in` (it is the next row's first element), so a check of the flat index
// cannot see it: only a check of the column against w would.
#include "kernelcoach.h"
#include <kc/debug.cuh>

// Threads per block: 32 columns (a warp reads 128 consecutive bytes of one row) x 8 rows.
constexpr unsigned kBlockX = 32;
constexpr unsigned kBlockY = 8;
static_assert(kBlockX * kBlockY <= 1024, "at most 1024 threads per block");

// The index nearest to i inside an axis of n elements: -1 becomes 0, n becomes n - 1.
__device__ int clamp_index(int i, int n) {
    return min(max(i, 0), n);  // BUG: n is one past the last index
}

extern "C" __global__ void stencil2d(const float* __restrict__ in, float* __restrict__ out, int h, int w,
                                     float c0, float c1)
{
    // This thread's element: column x, row y.
    const int x = blockIdx.x * blockDim.x + threadIdx.x;
    const int y = blockIdx.y * blockDim.y + threadIdx.y;
    if (x >= w || y >= h) return;  // threads of the last, partial blocks

    // The input element at column cx, row cy.
    auto at = [&](int cx, int cy) { return kc::at(in, cy * w + cx, (long long)h * w); };

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
