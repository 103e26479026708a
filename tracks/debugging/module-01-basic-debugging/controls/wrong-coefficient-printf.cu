// Control for debugging/01 - expected verdict: WRONG.
//
// What it demonstrates: printing from one thread with the debug kit (README.md, session 3). It
// is the wrong-coefficient control (planted bug 3 alone: the lower neighbour weighted by c0
// instead of c1) with one KC_PRINT_IF, made by the thread of element (row 3, column 5). Run as
//     kernelcoach run debugging/01 --file controls/wrong-coefficient-printf.cu --debug --case ragged
// it prints one line, from one thread of one launch of one case: the five inputs and the
// result; 0.5 * centre + 0.125 * (left + right + up + down), worked out by hand, differs from it
// by 0.375 * down, which names the wrong term. Without --debug the print compiles to nothing,
// so the verdict and the report are the wrong-coefficient control's.
#include "kernelcoach.h"
#include <kc/debug.cuh>

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

    // Debugging: the thread of element (row 3, column 5) prints its five inputs and its result,
    // to be checked by hand against the formula at the top of kernel.cu (in `run --debug` only).
    KC_PRINT_IF(x == 5 && y == 3, "out[%d][%d] = %.9g from centre %.9g, left %.9g, right %.9g, up %.9g, down %.9g\n",
                y, x, acc, at(x, y), at(left, y), at(right, y), at(x, up), at(x, down));
}

// One thread per element: a grid of ceil(w / 32) x ceil(h / 8) blocks of 32 x 8 threads.
constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.w + kBlockX - 1) / kBlockX), unsigned((p.h + kBlockY - 1) / kBlockY)},
                  .block = {kBlockX, kBlockY}};
}
