// Control for mastery/02, part layer-norm-gelu - expected verdict: WRONG.
//
// What it demonstrates: the fast-math GELU. The layer norm is right (two passes, eps under the
// root: the solution's scalar path, for every width), and the GELU takes its tanh from __tanhf,
// which compiles to the hardware's tanh.approx.f32 (MUFU.TANH; what tanhf becomes under
// -use_fast_math). Its relative error is up to 2^-11, about 2.4e-4 |z| in y, where the bound
// allows a few fp32 roundings, about 1e-6 |z|, plus z's own error carried through. It can pass
// only where z's bound is loose (a single column, the rows of mean 1e4, the constant rows); the
// ordinary and small-variance rows of every larger case fail, and since ordinary rows are among
// them the report names no kind of row.
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
    return 0.5f * z * (1.0f + __tanhf(a));  // the mistake: tanh.approx, 2^-11 relative
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
    for (int j = threadIdx.x; j < cols; j += kThreads) yr[j] = gelu(fmaf((xr[j] - mean) * rstd, gamma[j], beta[j]));
}

constexpr Launch launch(Problem p) { return Launch{.grid = {unsigned(p.rows)}, .block = {kThreads}}; }
