// Control for missing-elements/01 - expected verdict: WRONG.
//
// What it demonstrates: the right formula computed in half precision. fp16 keeps 11
// significant bits where fp32 keeps 24, so the answer is off by up to 2^-11 relative: about
// 4000 times the bound of one fp32 rounding. Half precision is a real speed trick, but it is a
// different answer, and the grader must say so.

#include "kernelcoach.h"
#include <cuda_fp16.h>

extern "C" __global__ void vector_add(const float* __restrict__ a,
                                      const float* __restrict__ b,
                                      float* __restrict__ out,
                                      int n)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        // BUG: both inputs and the sum are rounded to 16 bits.
        const __half sum = __hadd(__float2half(a[i]), __float2half(b[i]));
        out[i] = __half2float(sum);
    }
}

constexpr Launch launch(Problem p) {
    constexpr unsigned threads = 256;
    return Launch{.grid = {unsigned((p.n + threads - 1) / threads)}, .block = {threads}};
}
