// Control for missing-elements/01 - expected verdict: PASSED.
//
// What it demonstrates: a grid-stride loop. The grid has a FIXED size, chosen for the
// machine rather than for n, and each thread walks the vector in steps of the whole grid:
//     i, i + gridDim.x * blockDim.x, i + 2 * gridDim.x * blockDim.x, ...
// Every element is still handled by exactly one thread, and each step of a warp is still 32
// consecutive floats (coalesced). Correct for every n, including n smaller than the grid
// (n = 1: one thread does one element, all the others skip the loop).
//
// 132 * 4 blocks of 256 threads: an H100 SXM has 132 SMs, and 4 blocks of 256 threads put
// 1024 threads on each - enough loads in flight to stay close to copy bandwidth. launch()
// runs at compile time and cannot ask the GPU how many SMs it has, so the number is fixed;
// on a smaller GPU the extra blocks simply queue.

#include "kernelcoach.h"

extern "C" __global__ void vector_add(const float* __restrict__ a,
                                      const float* __restrict__ b,
                                      float* __restrict__ out,
                                      int n)
{
    const int stride = gridDim.x * blockDim.x;  // threads in the whole grid
    // i stays below n + stride, which fits an int for every n below 2^31 - stride.
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        out[i] = a[i] + b[i];
    }
}

constexpr Launch launch(Problem) {
    constexpr unsigned sms = 132;  // H100 SXM
    constexpr unsigned threads = 256;
    return Launch{.grid = {4 * sms}, .block = {threads}};
}
