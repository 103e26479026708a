// Control for debugging/01 - expected verdict: PASSED.
//
// What it demonstrates: a correct stencil with another decomposition, one thread per row. Each
// thread walks its row from left to right, keeping the left, centre and right values in
// registers, so each input of its row is loaded once; the rows above and below come from
// memory. The launch is 1D (ceil(h / 128) blocks of 128 threads), so the checks pass whatever
// shape the grid has, as long as every element is computed once. It is slow on the large case:
// the 32 threads of a warp read 32 different rows, 32 sectors for every load.
#include "kernelcoach.h"

constexpr unsigned kThreads = 128;

extern "C" __global__ void stencil2d(const float* __restrict__ in, float* __restrict__ out, int h, int w,
                                     float c0, float c1)
{
    const int y = blockIdx.x * blockDim.x + threadIdx.x;
    if (y >= h) return;
    const float* row = in + (long long)y * w;
    const float* above = in + (long long)max(y - 1, 0) * w;
    const float* below = in + (long long)min(y + 1, h - 1) * w;

    float left = row[0], centre = row[0];  // column -1 is clamped to column 0
    for (int x = 0; x < w; ++x) {
        const float right = row[min(x + 1, w - 1)];
        out[(long long)y * w + x] = c0 * centre + c1 * (left + right + above[x] + below[x]);
        left = centre;
        centre = right;
    }
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.h + kThreads - 1) / kThreads)}, .block = {kThreads}};
}
