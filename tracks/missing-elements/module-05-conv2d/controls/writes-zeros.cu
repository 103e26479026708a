// Control for missing-elements/05 - expected verdict: WRONG.
//
// What it demonstrates: a kernel with the right shape, the right indexing and the right access
// pattern that never computes anything: it stores 0 into every output element. That clears the
// NaN sentinel everywhere, so only the comparison with the float64 truth can catch it. (It is
// also what the starter computes once it compiles with the multiply-add still missing.) A
// tolerance loose enough to accept this would accept anything; kernelcoach's bound scales with
// the size of the terms of each sum.

#include "kernelcoach.h"

constexpr long long out_extent(long long in, long long f, long long pad, long long stride) {
    return (in + 2 * pad - f) / stride + 1;
}

extern "C" __global__ void conv2d(const float* __restrict__ input, const float* __restrict__ filter,
                                  float* __restrict__ output,
                                  int n, int c, int h, int w, int k, int r, int s, int pad, int stride)
{
    const int P = int(out_extent(h, r, pad, stride));
    const int Q = int(out_extent(w, s, pad, stride));
    const int idx = blockIdx.x * blockDim.x + threadIdx.x;
    if (idx < n * k * P * Q) {
        output[idx] = 0.0f;  // BUG: the sum is never computed
    }
}

constexpr Launch launch(Problem p) {
    constexpr unsigned threads = 256;
    const long long outputs =
        p.n * p.k * out_extent(p.h, p.r, p.pad, p.stride) * out_extent(p.w, p.s, p.pad, p.stride);
    return Launch{.grid = {unsigned((outputs + threads - 1) / threads)}, .block = {threads}};
}
