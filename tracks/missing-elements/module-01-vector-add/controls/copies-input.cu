// Control for missing-elements/01 - expected verdict: WRONG.
//
// What it demonstrates: a kernel that returns one of its inputs. Every element is written, in
// bounds, and each is close to the answer wherever b is small next to a - a grader with a loose
// relative tolerance can be fooled. kernelcoach's bound is the rounding of one fp32 addition,
// 2^-23 * (|a| + |b|), and its inputs vary in magnitude (each scaled by 2^-8 .. 2^8), so the
// dropped term shows in almost every element.

#include "kernelcoach.h"

extern "C" __global__ void vector_add(const float* __restrict__ a,
                                      const float* __restrict__ b,
                                      float* __restrict__ out,
                                      int n)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        out[i] = a[i];  // BUG: b is dropped
    }
}

constexpr Launch launch(Problem p) {
    constexpr unsigned threads = 256;
    return Launch{.grid = {unsigned((p.n + threads - 1) / threads)}, .block = {threads}};
}
