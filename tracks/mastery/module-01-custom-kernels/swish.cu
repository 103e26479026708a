// mastery/01, part swish: the Swish (SiLU) activation in fp32, written from a blank kernel.
//
//     kernelcoach run mastery/01/swish
//     kernelcoach hint mastery/01/swish             # hints, one at a time
//
// The spec (exercise silu):
//
//     y[i] = x[i] * sigmoid(x[i]) = x[i] / (1 + exp(-x[i])),   0 <= i < n
//
//   - x is uniform in [-8, 8);
//   - the check: float64 truth, and a bound of a few fp32 roundings of the result, wide
//     enough for the fast-math __expf and __fdividef; half precision is far past it;
//   - the cases: n = 1, 3, 1000, 1000003 and the timed 2^27. x and y start on 256-byte
//     boundaries.
//
// Napkin math for the timed case, n = 2^27 (512 MiB of x, 512 MiB of y):
//   bytes  = 4 (read x[i]) + 4 (write y[i]) = 8 per element: 8 x 2^27 = 1.07 GB
//   flops  = an exp, an add, a divide, a multiply per 8 bytes: memory-bound
//   H200   : a copy runs at about 4.3 TB/s: 1.07 GB / 4.3 TB/s = about 250 us
//   gate   : 80% of the copy's rate: about 312 us
//
// The body below is empty: nothing writes y, and the verdict is WRONG. Write the kernel, and
// change launch() to the geometry your kernel wants (it must be a legal launch for every
// case, n = 1 included).
#include "kernelcoach.h"

extern "C" __global__ void silu(const float* x, float* y, int n)
{
}

constexpr Launch launch(Problem p) {
    constexpr unsigned threads = 256;
    return Launch{.grid = {unsigned((p.n + threads - 1) / threads)}, .block = {threads}};
}
