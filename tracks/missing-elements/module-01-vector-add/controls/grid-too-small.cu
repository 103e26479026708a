// Control for missing-elements/01 - expected verdict: WRONG.
//
// What it demonstrates: floor division in launch(). grid = n / 256 rounds DOWN, so the last
// partial block is never launched and the elements it should have written keep the NaN
// sentinel: for n = 1000 the grid is 3 blocks and out[768..999] are never written.
// For n = 1 the grid is 0 blocks, which is not a launch at all: kernelcoach reports a grid of
// zero blocks as an error in your launch() and the case fails. The large case, n = 64M, is a
// multiple of 256 and passes - which is exactly why the test cases include sizes that are not.

#include "kernelcoach.h"

extern "C" __global__ void vector_add(const float* __restrict__ a,
                                      const float* __restrict__ b,
                                      float* __restrict__ out,
                                      int n)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        out[i] = a[i] + b[i];
    }
}

constexpr Launch launch(Problem p) {
    constexpr unsigned threads = 256;
    return Launch{.grid = {unsigned(p.n / threads)}, .block = {threads}};  // BUG: rounds down
}
