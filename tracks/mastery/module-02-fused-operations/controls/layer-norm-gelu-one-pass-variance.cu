// Control for mastery/02, part layer-norm-gelu - expected verdict: WRONG.
//
// What it demonstrates: the one-pass variance, var = E[x^2] - E[x]^2, both sums gathered in one
// sweep and one block reduction. It looks like a saving (one reduction, one sweep fewer) and it
// is right on three kinds of rows out of four. On the rows of mean 1e4, x^2 is about 1e8, where
// fp32 numbers are 8 apart, and the two terms' rounding errors (tens) dwarf the variance (1/3):
// var comes out as garbage, 0 or negative (then rsqrt gives NaN). The GELU after it changes
// nothing: the report names the rows of mean 1e4 and says why.
#include "kernelcoach.h"

constexpr unsigned kThreads = 256;
constexpr int kWarps = int(kThreads / 32);

float gelu(float z) {
    const float a = 0.7978845608028654f * (z + 0.044715f * z * z * z);
    return 0.5f * z * (1.0f + tanhf(a));
}

// The sums of s.x and s.y over the block, in every thread; `red` holds kWarps pairs and is used once.
float2 block_sum2(float2 s, float2* red) {
    for (int o = 16; o > 0; o /= 2) {
        s.x += __shfl_xor_sync(0xffffffffu, s.x, o);
        s.y += __shfl_xor_sync(0xffffffffu, s.y, o);
    }
    if (threadIdx.x % 32 == 0) red[threadIdx.x / 32] = s;
    __syncthreads();  // every warp's pair is in before any thread reads them
    float2 t = make_float2(0.f, 0.f);
    for (int w = 0; w < kWarps; ++w) t = make_float2(t.x + red[w].x, t.y + red[w].y);
    return t;
}

extern "C" __global__ void __launch_bounds__(kThreads)
layer_norm_gelu(const float* __restrict__ x, const float* __restrict__ gamma, const float* __restrict__ beta,
                float* __restrict__ y, int rows, int cols, float eps)
{
    __shared__ float2 red[kWarps];
    const long long r = blockIdx.x;
    if (r >= rows) return;
    const float* xr = x + r * cols;
    float* yr = y + r * cols;

    float2 s = make_float2(0.f, 0.f);  // (sum x, sum x^2), in one sweep
    for (int j = threadIdx.x; j < cols; j += kThreads) {
        const float v = xr[j];
        s.x += v;
        s.y = fmaf(v, v, s.y);
    }
    s = block_sum2(s, red);
    const float mean = s.x / cols;
    const float var = s.y / cols - mean * mean;  // the mistake: cancellation when mean^2 >> var
    const float rstd = rsqrtf(var + eps);

    for (int j = threadIdx.x; j < cols; j += kThreads) yr[j] = gelu(fmaf((xr[j] - mean) * rstd, gamma[j], beta[j]));
}

constexpr Launch launch(Problem p) { return Launch{.grid = {unsigned(p.rows)}, .block = {kThreads}}; }
