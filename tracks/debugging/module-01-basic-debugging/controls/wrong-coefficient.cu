// Control for debugging/01 - expected verdict: WRONG.
//
// What it demonstrates: planted bug 3 alone, a wrong coefficient: the lower neighbour gets the
// centre's weight c0 = 0.5 instead of c1 = 0.125 (a copied line not fully edited). Every index
// is right, so every element of every case is wrong, each by 0.375 times its lower neighbour
// (at least 0.375: the inputs are +-[1, 2)): "every element is wrong: check the formula". The
// mismatch map cannot point at a place when the mistake is everywhere; printf of one thread's
// five inputs and its result, checked by hand, points at the term (README.md, session 3).
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
    if (x >= w || y >= h) return;  // threads of the last, partial blocks

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
    acc += c0 * at(x, down);  // BUG: the centre's weight on a neighbour
    out[y * w + x] = acc;
}

// One thread per element: a grid of ceil(w / 32) x ceil(h / 8) blocks of 32 x 8 threads.
constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.w + kBlockX - 1) / kBlockX), unsigned((p.h + kBlockY - 1) / kBlockY)},
                  .block = {kBlockX, kBlockY}};
}
