// Control for mastery/02, part layer-norm-gelu - expected verdict: WRONG.
//
// What it demonstrates: eps added to the standard deviation, 1 / (sqrt(var) + eps), instead of
// to the variance under the root, 1 / sqrt(var + eps). On ordinary rows (var ~ 1.3) the two
// differ by about 5e-6 relative, inside the bound; on the constant rows the deviations are exactly
// 0 (the mean, a sum of multiples of 1/8 divided by cols, is exact), so z = beta either way. On the
// rows of variance ~8e-6 eps weighs as much as the variance: sqrt(var) + eps = 2.9e-3 against
// sqrt(var + eps) = 4.3e-3, z 48% too large. Only those rows are wrong, and the report says so.
#include "kernelcoach.h"

constexpr unsigned kThreads = 256;
constexpr int kWarps = int(kThreads / 32);

// The sum of v over the block, in every thread; `slots` holds kWarps floats and is used once.
float block_sum(float v, float* slots) {
    for (int o = 16; o > 0; o /= 2) v += __shfl_xor_sync(0xffffffffu, v, o);
    if (threadIdx.x % 32 == 0) slots[threadIdx.x / 32] = v;
    __syncthreads();  // every warp's sum is in its slot before any thread reads them
    float t = 0.0f;
    for (int w = 0; w < kWarps; ++w) t += slots[w];
    return t;
}

float gelu(float z) {
    const float a = 0.7978845608028654f * fmaf(0.044715f * z, z * z, z);
    return 0.5f * z * (1.0f + tanhf(a));
}

extern "C" __global__ void __launch_bounds__(kThreads)
layer_norm_gelu(const float* __restrict__ x, const float* __restrict__ gamma, const float* __restrict__ beta,
                float* __restrict__ y, int rows, int cols, float eps)
{
    __shared__ float slots[2 * kWarps];
    const long long r = blockIdx.x;
    if (r >= rows) return;
    const float* xr = x + r * cols;
    float* yr = y + r * cols;

    float s = 0.0f;
    for (int j = threadIdx.x; j < cols; j += kThreads) s += xr[j];
    const float mean = block_sum(s, slots) / cols;
    float ss = 0.0f;
    for (int j = threadIdx.x; j < cols; j += kThreads) {
        const float d = xr[j] - mean;
        ss = fmaf(d, d, ss);
    }
    const float rstd = 1.0f / (sqrtf(block_sum(ss, slots + kWarps) / cols) + eps);  // the mistake: eps outside the root
    for (int j = threadIdx.x; j < cols; j += kThreads)
        yr[j] = gelu(fmaf((xr[j] - mean) * rstd, gamma[j], beta[j]));
}

constexpr Launch launch(Problem p) { return Launch{.grid = {unsigned(p.rows)}, .block = {kThreads}}; }
