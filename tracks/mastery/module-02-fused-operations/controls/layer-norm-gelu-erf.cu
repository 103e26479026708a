// Control for mastery/02, part layer-norm-gelu - expected verdict: WRONG.
//
// What it demonstrates: the exact GELU, 0.5 z (1 + erf(z / sqrt 2)), in place of the tanh form
// the spec asks for (and the unfused pair computes). Both are "the GELU", and they differ by at
// most about 4.7e-4 (at z = -2.7), 1.8e-4 |z|: invisible in a bf16 output, a hundred times the
// bound of this fp32 one, which allows a few fp32 roundings of the GELU (tanhf or expf) on top
// of z's own error (docs/grading.md, "The fused layer norm of Track 4": this form fails by 14 to
// 39 times the bound, 28% to 86% of the elements). The layer norm is right (two passes, eps under
// the root), so no kind of row is to blame and the report names none.
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
    return 0.5f * z * (1.0f + erff(z * 0.7071067811865476f));  // the mistake: the erf form
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
        yr[j] = gelu(fmaf((xr[j] - mean) * rstd, gamma[j], beta[j]));
}

constexpr Launch launch(Problem p) { return Launch{.grid = {unsigned(p.rows)}, .block = {kThreads}}; }
