// Control for mastery/02, part layer-norm-gelu - expected verdict: WRONG.
//
// What it demonstrates: the GELU applied to the normalised row before gamma and beta, y =
// gelu(xhat) gamma + beta, where the spec applies it to z = xhat gamma + beta, the layer norm's
// output. The statistics are right; the output is off by an amount of order 1 almost everywhere,
// on every kind of row (on a constant row xhat = 0, so y = beta where gelu(beta) is expected).
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
    const float rstd = rsqrtf(block_sum(ss, slots + kWarps) / cols + eps);
    for (int j = threadIdx.x; j < cols; j += kThreads)
        yr[j] = fmaf(gelu((xr[j] - mean) * rstd), gamma[j], beta[j]);  // the mistake: gelu(xhat), then the affine
}

constexpr Launch launch(Problem p) { return Launch{.grid = {unsigned(p.rows)}, .block = {kThreads}}; }
