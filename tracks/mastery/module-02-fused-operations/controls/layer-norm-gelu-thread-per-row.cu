// Control for mastery/02, part layer-norm-gelu - expected verdict: TOO_SLOW.
//
// What it demonstrates: a correct kernel that is fused and still slower than the unfused pair.
// One thread per row, the layer norm written as a CPU would: three sequential sweeps over its
// row (the sum, the squared deviations, then z and the GELU into y). Sequential fp32 sums are
// within the bound (missing-elements/04 has the same kernel as a control that passes, with no
// speed gate). But the 32 threads of a warp walk 32 different rows, 16 KiB apart at 4096
// columns: every load of a warp touches 32 cache lines, and most of the bytes of each line are
// used by later loads only if L1 still holds it. The timed case has 16384 rows, so 16384
// threads: 128 blocks of 128, fewer blocks than an H100 or H200 has SMs, 4 warps on each SM
// that has one. x is still read from HBM about once and y written once, but at a small fraction
// of the copy's rate: fusion saves bytes, and a kernel must still move them well.
#include "kernelcoach.h"

constexpr unsigned kThreads = 128;

float gelu(float z) {
    const float a = 0.7978845608028654f * fmaf(0.044715f * z, z * z, z);
    return 0.5f * z * (1.0f + tanhf(a));
}

extern "C" __global__ void layer_norm_gelu(const float* __restrict__ x, const float* __restrict__ gamma,
                                           const float* __restrict__ beta, float* __restrict__ y, int rows, int cols,
                                           float eps)
{
    const long long r = (long long)blockIdx.x * kThreads + threadIdx.x;
    if (r >= rows) return;
    const float* xr = x + r * cols;
    float* yr = y + r * cols;

    float s = 0.0f;
    for (int j = 0; j < cols; ++j) s += xr[j];
    const float mean = s / cols;
    float ss = 0.0f;
    for (int j = 0; j < cols; ++j) {
        const float d = xr[j] - mean;
        ss = fmaf(d, d, ss);
    }
    const float rstd = rsqrtf(ss / cols + eps);
    for (int j = 0; j < cols; ++j) yr[j] = gelu(fmaf((xr[j] - mean) * rstd, gamma[j], beta[j]));
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.rows + kThreads - 1) / kThreads)}, .block = {kThreads}};
}
