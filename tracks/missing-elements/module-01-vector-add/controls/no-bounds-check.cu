// Control for missing-elements/01 - expected verdict: WRONG.
//
// What it demonstrates: the missing bounds check. The grid is whole blocks, so for any n that
// is not a multiple of 256 the last block has threads past the end of the vector. Without
// `if (i < n)` they read past the end of a and b and WRITE past the end of out. kernelcoach
// puts a guard zone after every buffer and reports the writes into it (buffer "out", offset
// from its end). n = 1 is the extreme case: 255 of the 256 threads are out of bounds.

#include "kernelcoach.h"

extern "C" __global__ void vector_add(const float* __restrict__ a,
                                      const float* __restrict__ b,
                                      float* __restrict__ out,
                                      int n)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    out[i] = a[i] + b[i];  // BUG: no `if (i < n)`
}

constexpr Launch launch(Problem p) {
    constexpr unsigned threads = 256;
    return Launch{.grid = {unsigned((p.n + threads - 1) / threads)}, .block = {threads}};
}
