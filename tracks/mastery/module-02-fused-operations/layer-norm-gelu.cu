// mastery/02, part layer-norm-gelu: layer norm and its GELU in one kernel, from a blank file.
//
//     kernelcoach run mastery/02/layer-norm-gelu
//     kernelcoach hint mastery/02/layer-norm-gelu       # hints, one at a time
//
// The spec (exercise layer-norm-gelu): for every row r of the row-major rows x cols matrix x,
//
//     mean_r   = sum_j x[r][j] / cols
//     var_r    = sum_j (x[r][j] - mean_r)^2 / cols                  biased: divided by cols
//     z[r][j]  = (x[r][j] - mean_r) / sqrt(var_r + eps) * gamma[j] + beta[j]
//     y[r][j]  = 0.5 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3)))    the GELU, tanh form
//
//   - everything fp32; eps = 1e-5; z is never stored: it lives in registers between the two;
//   - the rows come in four kinds (missing-elements/04's): uniform in [-2, 2); 1e4 + uniform in
//     [-1, 1); constant; uniform in [-0.005, 0.005), whose variance (8e-6) weighs as much as eps;
//   - the check: float64 truth of y, with layer norm's bound carried through the GELU plus a
//     few fp32 roundings of the GELU itself. tanhf and expf are accurate enough; __tanhf (the
//     hardware tanh.approx), the erf form of the GELU and y rounded to half precision are not;
//   - the cases: 1 x 1, 9 x 1, 3 x 7, 33 x 1000, 129 x 1025, 5 x 30011, 4096 x 123, 1000 x 4096
//     and the timed 16384 x 4096;
//   - the gate: at least 1.00x the speed of the unfused pair this kernel replaces, cuDNN's layer
//     norm forward (x read, z written into y) followed by a GELU pass over y (read, rewritten).
//
// Napkin math for the timed case, 16384 x 4096 (2^26 elements, 256 MiB per matrix):
//   fused   = x read once, y written once: 8 bytes per element, 537 MB (gamma, beta: 32 KiB)
//   unfused = the layer norm reads x and writes z (8), the GELU pass reads z and writes y (8):
//             16 bytes per element, 1.07 GB: z makes a round trip through HBM
//   flops   = about 16 per element (a tanh counted as one): memory-bound
//   H200    : a copy runs at about 4.3 TB/s: 537 MB in about 125 us; the unfused pair's bytes
//             take at least 250 us, so the gate asks for about half the copy's rate and the
//             fused kernel's bytes allow twice that
//
// The body below is empty: nothing is written, and the verdict is WRONG. Write the kernel, and
// change launch() to the geometry your kernel wants (it must be a legal launch for every case,
// 1 x 1 included). The starter's launch is one block of 256 threads per row.
#include "kernelcoach.h"

extern "C" __global__ void layer_norm_gelu(const float* x, const float* gamma, const float* beta, float* y, int rows,
                                           int cols, float eps)
{
}

constexpr Launch launch(Problem p) {
    constexpr unsigned threads = 256;
    return Launch{.grid = {unsigned(p.rows)}, .block = {threads}};
}
