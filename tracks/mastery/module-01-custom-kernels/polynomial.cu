// mastery/01, part polynomial: a polynomial activation, written from a blank kernel.
//
//     kernelcoach run mastery/01/polynomial
//     kernelcoach hint mastery/01/polynomial        # hints, one at a time
//
// The spec (exercise poly-activation):
//
//     y[i] = x[i] + a x[i]^2 + b x[i]^3,     0 <= i < n
//
//   - a = 0.3 and b = -0.05 arrive as the arguments a and b: use them, do not write the
//     numbers into the kernel;
//   - x is uniform in [-4, 4): near 0 the linear term dominates, at |x| = 4 the quadratic
//     (+4.8) and the cubic (-3.2) ones, so every term shows in the result;
//   - the check: float64 truth, and a bound of 12 fp32 roundings of |x| + |a x^2| + |b x^3|:
//     any fp32 evaluation passes (the terms one by one, Horner's form, with or without fmaf);
//     a dropped term, or arithmetic in half precision, does not;
//   - the cases: n = 1, 3, 1000, 1000003, 2^20 + 1 and the timed 2^27. x and y start on
//     256-byte boundaries.
//
// Napkin math for the timed case, n = 2^27 (512 MiB of x, 512 MiB of y):
//   bytes  = 4 (read x[i]) + 4 (write y[i]) = 8 per element: 8 x 2^27 = 1.07 GB
//   flops  = 5 per element, 0.6 per byte: an H200 does about 15 fp32 flops in the time it
//            copies a byte (67 TFLOP/s over 4.3 TB/s), so the SMs wait for memory. The kernel
//            is memory-bound, and its speed of light is a device-to-device copy of the same
//            bytes.
//   H200   : a copy runs at about 4.3 TB/s: 1.07 GB / 4.3 TB/s = about 250 us
//   gate   : 80% of the copy's rate (module.json "pass": {"of_light": 0.8}): about 312 us
//
// The body below is empty: nothing writes y, every element stays "never written", and the
// verdict is WRONG. Write the kernel, and change launch() to the geometry your kernel wants
// (whatever it returns must be a legal launch for every case, n = 1 included). README.md has
// the concepts; the contract (kernelcoach.h, launch(), buffers) is in tracks/README.md.
#include "kernelcoach.h"

extern "C" __global__ void poly(const float* x, float* y, int n, float a, float b)
{
}

constexpr Launch launch(Problem p) {
    constexpr unsigned threads = 256;
    return Launch{.grid = {unsigned((p.n + threads - 1) / threads)}, .block = {threads}};
}
