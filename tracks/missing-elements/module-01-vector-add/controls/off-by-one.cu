// Control for missing-elements/01 - expected verdict: WRONG.
//
// What it demonstrates: an off-by-one index in ONE operand. out[i] = a[i] + b[i + 1] writes
// every element, in bounds, with a plausible value of the right size - and every value is
// wrong. No sentinel is left and no guard zone is written, so only the comparison with the
// float64 truth catches it: nearly all elements mismatch, spread evenly over the vector.
//
// (The last thread also reads b[n], one float past the end of b. kernelcoach's guard zone
// after every buffer makes that read harmless here; on a plain allocation it may read
// another buffer's data or fault.)

#include "kernelcoach.h"

extern "C" __global__ void vector_add(const float* __restrict__ a,
                                      const float* __restrict__ b,
                                      float* __restrict__ out,
                                      int n)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        out[i] = a[i] + b[i + 1];  // BUG: b's index is one too far
    }
}

constexpr Launch launch(Problem p) {
    constexpr unsigned threads = 256;
    return Launch{.grid = {unsigned((p.n + threads - 1) / threads)}, .block = {threads}};
}
