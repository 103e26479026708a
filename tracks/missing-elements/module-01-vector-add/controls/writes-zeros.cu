// Control for missing-elements/01 - expected verdict: WRONG.
//
// What it demonstrates: a kernel that writes every element, in bounds, with the right access
// pattern - and the wrong value. Writing zeros clears the NaN sentinel everywhere, so only the
// comparison with the float64 truth can catch it. A tolerance loose enough to accept this
// would accept anything; kernelcoach's bound is the rounding of one fp32 addition.

#include "kernelcoach.h"

extern "C" __global__ void vector_add(const float* __restrict__ a,
                                      const float* __restrict__ b,
                                      float* __restrict__ out,
                                      int n)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        out[i] = 0.0f;  // BUG: the sum is never computed
    }
}

constexpr Launch launch(Problem p) {
    constexpr unsigned threads = 256;
    return Launch{.grid = {unsigned((p.n + threads - 1) / threads)}, .block = {threads}};
}
