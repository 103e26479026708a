// Control for missing-elements/04 - expected verdict: PASSED.
//
// What it demonstrates: Welford's online algorithm - the mean and the variance in ONE read of
// the row, without the cancellation of E[x^2] - E[x]^2. Each thread keeps (n, mean, M2),
// where M2 is the sum of squared deviations from the running mean, and updates them per
// element:
//     n += 1;  delta = x - mean;  mean += delta / n;  M2 += delta * (x - mean)
// Every quantity stays at the scale of the deviations, never of x^2. The threads' triples
// are then merged pairwise (Chan, Golub and LeVeque's parallel formula):
//     n = na + nb;  delta = mean_b - mean_a;  mean = mean_a + delta * nb / n
//     M2 = M2a + M2b + delta^2 * na * nb / n
// first within each warp (shuffles), then across warps (shared memory). var = M2 / cols.
// Two reads of x instead of the solution's three (statistics, then normalise), at the price
// of a division per element; PyTorch's CUDA layer norm does this. Its rounding errors differ
// from the two-pass sums, and it must pass all the same.

#include "kernelcoach.h"

struct Stats {
    float n;     // elements seen (exact in fp32 up to 2^24)
    float mean;  // their mean
    float m2;    // sum of squared deviations from that mean
};

// Chan et al.'s merge of two partial results. An empty side (n = 0) changes nothing.
Stats merge(Stats a, Stats b) {
    const float n = a.n + b.n;
    if (n == 0.0f) return a;
    const float delta = b.mean - a.mean;
    const float fb = b.n / n;
    return Stats{n, a.mean + delta * fb, a.m2 + b.m2 + delta * delta * a.n * fb};
}

// Merge over a warp with shuffle-down: lane 0 ends with the whole warp's statistics (the
// other lanes hold partial results, which nobody reads).
Stats warp_merge(Stats s) {
    for (int offset = 16; offset > 0; offset /= 2) {
        const Stats other{__shfl_down_sync(0xffffffffu, s.n, offset),
                          __shfl_down_sync(0xffffffffu, s.mean, offset),
                          __shfl_down_sync(0xffffffffu, s.m2, offset)};
        s = merge(s, other);
    }
    return s;
}

extern "C" __global__ void layer_norm(const float* __restrict__ x,
                                      const float* __restrict__ gamma,
                                      const float* __restrict__ beta,
                                      float* __restrict__ y,
                                      int rows, int cols, float eps)
{
    __shared__ Stats partial[32];  // (32,): one per warp
    __shared__ float row_mean, row_rstd;

    const int row = blockIdx.x;
    if (row >= rows) return;  // the whole block together
    const float* xr = x + size_t(row) * cols;
    float* yr = y + size_t(row) * cols;
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;

    // One read of x: each thread's own statistics.
    Stats s{0.0f, 0.0f, 0.0f};
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        const float v = xr[j];
        s.n += 1.0f;
        const float delta = v - s.mean;
        s.mean += delta / s.n;
        s.m2 += delta * (v - s.mean);
    }

    s = warp_merge(s);
    if (lane == 0) partial[warp] = s;
    __syncthreads();  // every warp's statistics are in shared memory before warp 0 reads them
    if (warp == 0) {
        s = lane < warps ? partial[lane] : Stats{0.0f, 0.0f, 0.0f};
        s = warp_merge(s);
        if (lane == 0) {
            row_mean = s.mean;
            row_rstd = rsqrtf(s.m2 / cols + eps);  // biased variance, then eps
        }
    }
    __syncthreads();  // row_mean and row_rstd are written before every thread reads them
    const float mean = row_mean, rstd = row_rstd;

    // Second read of x: normalise, scale, shift.
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        yr[j] = (xr[j] - mean) * rstd * gamma[j] + beta[j];
    }
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned(p.rows)}, .block = {256}};
}
