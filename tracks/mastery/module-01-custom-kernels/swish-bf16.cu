// mastery/01, part swish-bf16: the Swish (SiLU) activation on bf16 data, written from a
// blank kernel.
//
//     kernelcoach run mastery/01/swish-bf16
//     kernelcoach hint mastery/01/swish-bf16        # hints, one at a time
//
// The spec (exercise silu-bf16):
//
//     y[i] = x[i] * sigmoid(x[i]) = x[i] / (1 + exp(-x[i])),   0 <= i < n
//
//   - x and y are __nv_bfloat16 (bf16: fp32's 8 exponent bits, 8 significant bits); include
//     <cuda_bf16.h> for the type and its conversions;
//   - bf16 is the STORAGE type, not the arithmetic type: convert each x[i] to float, compute
//     in fp32, and round once, at the end, to bf16 (round to nearest even);
//   - x holds bf16 values drawn uniformly from [-8, 8);
//   - the check: float64 truth from the same bf16 inputs, and a bound of two bf16 roundings
//     (2 x 2^-8 relative) plus the fp32 bound of part swish. fp32 math with one rounding at
//     the end uses at most half of it; bf16 arithmetic throughout (a rounding after every
//     operation) does not fit;
//   - the cases: n = 1, 3, 7, 1000, 1000003, 1000007 and the timed 2^27. x and y start on
//     256-byte boundaries.
//
// Napkin math for the timed case, n = 2^27 (256 MiB of x, 256 MiB of y):
//   bytes  = 2 (read x[i]) + 2 (write y[i]) = 4 per element: 4 x 2^27 = 537 MB, half of
//            part swish's bytes for the same n
//   flops  = the same math as part swish per element, now per 4 bytes: still memory-bound
//   H200   : a copy runs at about 4.3 TB/s: 537 MB / 4.3 TB/s = about 125 us
//   gate   : 80% of the copy's rate: about 156 us
//
// The body below is empty: nothing writes y, and the verdict is WRONG. Write the kernel, and
// change launch() to the geometry your kernel wants (it must be a legal launch for every
// case, n = 1 included).
#include <cuda_bf16.h>

#include "kernelcoach.h"

extern "C" __global__ void silu(const __nv_bfloat16* x, __nv_bfloat16* y, int n)
{
}

constexpr Launch launch(Problem p) {
    constexpr unsigned threads = 256;
    return Launch{.grid = {unsigned((p.n + threads - 1) / threads)}, .block = {threads}};
}
