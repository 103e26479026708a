// Control for debugging/01 - expected verdict: PASSED.
//
// What it demonstrates: a correct stencil with another block shape and another grid: square
// 16 x 16 blocks, at most 64 x 64 of them, each thread looping over the elements of its grid
// stride in both directions. The loops' bounds replace the bounds check, and the grid is no
// longer tied to the image's size: for the large case 64 x 64 blocks cover 1024 x 1024 elements
// at a time, 64 elements per thread.
#include "kernelcoach.h"

constexpr unsigned kBlock = 16;    // 16 x 16 threads
constexpr unsigned kMaxGrid = 64;  // blocks per grid dimension, at most

__device__ int clamp_index(int i, int n) { return min(max(i, 0), n - 1); }

extern "C" __global__ void stencil2d(const float* __restrict__ in, float* __restrict__ out, int h, int w,
                                     float c0, float c1)
{
    for (int y = blockIdx.y * blockDim.y + threadIdx.y; y < h; y += gridDim.y * blockDim.y) {
        const int up = clamp_index(y - 1, h), down = clamp_index(y + 1, h);
        for (int x = blockIdx.x * blockDim.x + threadIdx.x; x < w; x += gridDim.x * blockDim.x) {
            const int left = clamp_index(x - 1, w), right = clamp_index(x + 1, w);
            const float sides = in[y * w + left] + in[y * w + right] + in[up * w + x] + in[down * w + x];
            out[y * w + x] = c0 * in[y * w + x] + c1 * sides;
        }
    }
}

constexpr unsigned blocks(long long n) {
    const long long b = (n + kBlock - 1) / kBlock;
    return unsigned(b < kMaxGrid ? b : kMaxGrid);
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {blocks(p.w), blocks(p.h)}, .block = {kBlock, kBlock}};
}
