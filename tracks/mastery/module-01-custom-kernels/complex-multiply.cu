// mastery/01, part complex-multiply: the elementwise product of two arrays of complex
// numbers, written from a blank kernel.
//
//     kernelcoach run mastery/01/complex-multiply
//     kernelcoach hint mastery/01/complex-multiply  # hints, one at a time
//
// The spec (exercise complex-mul):
//
//     out[i] = a[i] * b[i],   0 <= i < n, each a complex number
//
//   - interleaved storage: complex number i is two floats, its real part at [2 i] and its
//     imaginary part at [2 i + 1]; a, b and out each hold 2 n floats:
//         out[2i]     = a[2i] b[2i]   - a[2i+1] b[2i+1]      (re = ar br - ai bi)
//         out[2i + 1] = a[2i] b[2i+1] + a[2i+1] b[2i]        (im = ar bi + ai br)
//   - n counts complex numbers, not floats;
//   - a and b are uniform in [-1, 1);
//   - the check: float64 truth, and a bound of 4 fp32 roundings of |first product| +
//     |second product| (any order, with or without fmaf); a wrong sign is far past it;
//   - the cases: n = 1, 3, 1000, 1000003 and the timed 2^26. a, b and out start on
//     256-byte boundaries.
//
// Napkin math for the timed case, n = 2^26 (512 MiB each for a, b and out):
//   bytes  = 8 (a[i]) + 8 (b[i]) + 8 (write out[i]) = 24 per complex number: 24 x 2^26 = 1.61 GB
//   flops  = 4 multiplies and 2 adds per 24 bytes: memory-bound
//   H200   : a copy runs at about 4.3 TB/s: 1.61 GB / 4.3 TB/s = about 375 us
//   gate   : 80% of the copy's rate: about 468 us
//
// The body below is empty: nothing writes out, and the verdict is WRONG. Write the kernel,
// and change launch() to the geometry your kernel wants (it must be a legal launch for every
// case, n = 1 included). 2 n can pass 2^31 when n passes 2^30: index floats in 64 bits.
#include "kernelcoach.h"

extern "C" __global__ void complex_mul(const float* a, const float* b, float* out, int n)
{
}

constexpr Launch launch(Problem p) {
    constexpr unsigned threads = 256;
    return Launch{.grid = {unsigned((p.n + threads - 1) / threads)}, .block = {threads}};
}
