// mastery/04, part layernorm-backward: layer norm's backward pass, written from blank kernels.
//
//     kernelcoach run mastery/04/layernorm-backward
//     kernelcoach hint mastery/04/layernorm-backward      # hints, one at a time
//
// The spec (exercise layer-norm-backward): the forward pass was, per row r of the row-major
// rows x cols matrix x,
//
//     xhat[r][j] = (x[r][j] - mean[r]) * rstd[r],    y[r][j] = xhat[r][j] * gamma[j] + beta[j]
//
// and saved mean[r] and rstd[r] = 1 / sqrt(var[r] + 1e-5). Given dy = dL/dy, compute
//
//     dx[r][j]  = rstd[r] * (g[r][j] - mean_k g[r][k] - xhat[r][j] * mean_k (g[r][k] xhat[r][k])),
//                 where g = dy * gamma                          (rows x cols)
//     dgamma[j] = sum_r dy[r][j] * xhat[r][j]                   (cols)
//     dbeta[j]  = sum_r dy[r][j]                                (cols)
//
//   - everything fp32; mean and rstd as the forward pass saved them (use them, do not
//     recompute them);
//   - two kernels, run in this order on every case: ln_backward_dx, then ln_backward_dgamma.
//     `partial` is yours: a scratch buffer of partial_elements(p) floats, zeroed before every
//     run, passed to both (per-block column sums, or a target for atomics);
//   - the check: float64 truth of dx, dgamma and dbeta with bounds for any order of the sums;
//   - the cases: 1 x 1, 1 x 7, 7 x 130, 64 x 1000, 1001 x 1003, 33 x 8000 and the timed
//     16384 x 4096;
//   - the gate: at least 0.5x the speed of cuDNN's layer norm backward on the timed case.
//
// Napkin math for the timed case, 16384 x 4096 (2^26 elements):
//   bytes  = dy and x read, dx written: 12 per element: 805 MB (the vectors are 0.1% of it)
//   flops  = about 10 per element: memory-bound
//   H200   : a copy runs at about 4.3 TB/s: 805 MB / 4.3 TB/s = about 190 us
//   the columns: dgamma and dbeta are sums over 16384 rows, a reduction across the grid
//
// The bodies below are empty: nothing is written, and the verdict is WRONG. Write both kernels,
// partial_elements() and the two launch functions.
#include "kernelcoach.h"

// Floats of `partial`, the scratch buffer both kernels get (at least 1).
constexpr long long partial_elements(Problem p) { return 1; }

extern "C" __global__ void ln_backward_dx(const float* dy, const float* x, const float* mean, const float* rstd,
                                          const float* gamma, float* dx, float* partial, int rows, int cols)
{
}

extern "C" __global__ void ln_backward_dgamma(float* partial, float* dgamma, float* dbeta, int rows, int cols)
{
}

constexpr Launch launch_ln_backward_dx(Problem p) {
    constexpr unsigned threads = 256;
    return Launch{.grid = {unsigned(p.rows)}, .block = {threads}};
}

constexpr Launch launch_ln_backward_dgamma(Problem p) {
    constexpr unsigned threads = 256;
    return Launch{.grid = {unsigned((p.cols + threads - 1) / threads)}, .block = {threads}};
}
