// debugging/01, basic debugging: a 5-point blur with clamped edges.
//
//     kernelcoach run debugging/01
//
// This kernel is complete and compiles, and it is wrong: there are bugs in it. Find them with
// what kernelcoach reports (which cases fail, the map of where the wrong elements are, the
// first and the worst of them), with printf from one thread, and with the odd-shaped cases
// (1 x 1, 1 x N, N x 1, sizes that leave a partial block); then fix them. README.md shows how,
// one worked session at a time; `kernelcoach hint debugging/01` gives hints one at a time.
//
// What it computes (the `stencil2d` exercise, tracks/README.md section 12). The image is h rows
// of w floats, row by row: element (row y, column x) is in[y * w + x]. Each output element is
// its input element blended with its four neighbours,
//
//     out[y][x] = c0 * in[y][x] + c1 * (in[y][x - 1] + in[y][x + 1] + in[y - 1][x] + in[y + 1][x])
//
// with c0 = 0.5 and c1 = 0.125 (kernelcoach passes them), where a neighbour outside the image
// is the nearest element on its edge: a row index is clamped into [0, h - 1], a column index
// into [0, w - 1]. So out[0][0] uses in[0][0] in place of its missing left and upper neighbours.
//
// Napkin math: five threads read each input element, but neighbouring threads share rows, so
// DRAM sees each input byte about once (L1 and L2 serve the rest): 8 bytes per element, read 4
// and write 4. The timed case, 8192 x 8192, moves 537 MB: about 0.18 ms at 3 TB/s.
#include "kernelcoach.h"

// Threads per block: 32 columns (a warp reads 128 consecutive bytes of one row) x 8 rows.
constexpr unsigned kBlockX = 32;
constexpr unsigned kBlockY = 8;
static_assert(kBlockX * kBlockY <= 1024, "at most 1024 threads per block");

// The index nearest to i inside an axis of n elements: -1 becomes 0, and so on.
__device__ int clamp_index(int i, int n) {
    return min(max(i, 0), n);
}

extern "C" __global__ void stencil2d(const float* __restrict__ in, float* __restrict__ out, int h, int w,
                                     float c0, float c1)
{
    // This thread's element: column x, row y.
    const int x = blockIdx.x * blockDim.x + threadIdx.x;
    const int y = blockIdx.y * blockDim.y + threadIdx.y;

    // The input element at column cx, row cy.
    auto at = [&](int cx, int cy) { return in[cx * h + cy]; };

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
    acc += c0 * at(x, down);
    out[y * w + x] = acc;
}

// One thread per element: a grid of ceil(w / 32) x ceil(h / 8) blocks of 32 x 8 threads.
constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.w + kBlockX - 1) / kBlockX), unsigned((p.h + kBlockY - 1) / kBlockY)},
                  .block = {kBlockX, kBlockY}};
}
