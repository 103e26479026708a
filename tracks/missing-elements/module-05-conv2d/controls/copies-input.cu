// Control for missing-elements/05 - expected verdict: WRONG.
//
// What it demonstrates: a kernel that returns its input, read as if it were the output: output
// element idx gets input element idx (wrapping around when the output has more elements than
// the input). Every element is written, in bounds, with values of a plausible size and sign,
// and none of them is the answer. A grader that only checks that the output "looks like data"
// - finite, no sentinel, roughly the right magnitude - passes it; the comparison with the
// float64 truth does not.

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
        output[idx] = input[idx % (n * c * h * w)];  // BUG: the filter is never used
    }
}

constexpr Launch launch(Problem p) {
    constexpr unsigned threads = 256;
    const long long outputs =
        p.n * p.k * out_extent(p.h, p.r, p.pad, p.stride) * out_extent(p.w, p.s, p.pad, p.stride);
    return Launch{.grid = {unsigned((outputs + threads - 1) / threads)}, .block = {threads}};
}
