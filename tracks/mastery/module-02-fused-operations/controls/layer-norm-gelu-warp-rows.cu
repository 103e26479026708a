// Control for mastery/02, part layer-norm-gelu - expected verdict: PASSED.
//
// What it demonstrates: a warp per row instead of a block. A block of 128 threads is 4 warps
// and 4 rows, each warp on its own: the sums are shuffles alone, with no shared memory and no
// __syncthreads(). At 4096 columns each lane holds 32 float4s of its row, 128 registers, all
// loaded before any is used; the kernel then needs about 170 registers per thread, so an SM
// holds only about 12 warps, but each has 16 KiB of loads in flight, about 190 KiB per SM, far
// more than Little's law asks. Rows of up to 1024 columns use 8 float4s per lane; other widths
// are read three times from memory, one float per lane at a time. Sums in another order than
// the solution's (32 lane sums and a butterfly): other roundings, within the bound. It is timed
// and must clear the same gate.
#include "kernelcoach.h"

constexpr unsigned kThreads = 128;
constexpr int kRowsPerBlock = int(kThreads / 32);  // a warp per row

// The sum of v over the warp, in every lane, with the same bits in all.
float warp_sum(float v) {
    for (int o = 16; o > 0; o /= 2) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

float gelu(float z) {
    const float a = 0.7978845608028654f * fmaf(0.044715f * z, z * z, z);
    return 0.5f * z * (1.0f + tanhf(a));
}

// One row held in registers: v[k] is float4 number lane + 32 k; at every k the warp reads 512
// contiguous bytes. Rows of whole float4s, at most 32 kVec of them.
template <int kVec>
void row_in_registers(const float* __restrict__ xr, const float* __restrict__ gamma,
                      const float* __restrict__ beta, float* __restrict__ yr, int cols, float eps, int lane) {
    const int n4 = cols / 4;
    const float4* x4 = reinterpret_cast<const float4*>(xr);
    float4 v[kVec];  // (kVec,): this lane's share of the row
#pragma unroll
    for (int k = 0; k < kVec; ++k) {
        const int q = lane + 32 * k;
        v[k] = q < n4 ? x4[q] : make_float4(0.f, 0.f, 0.f, 0.f);
    }
    float s = 0.0f;
#pragma unroll
    for (int k = 0; k < kVec; ++k) s += (v[k].x + v[k].y) + (v[k].z + v[k].w);
    const float mean = warp_sum(s) / cols;
    float ss = 0.0f;
#pragma unroll
    for (int k = 0; k < kVec; ++k) {
        if (lane + 32 * k < n4) {
            v[k].x -= mean;
            v[k].y -= mean;
            v[k].z -= mean;
            v[k].w -= mean;
            ss += (v[k].x * v[k].x + v[k].y * v[k].y) + (v[k].z * v[k].z + v[k].w * v[k].w);
        }
    }
    const float rstd = rsqrtf(warp_sum(ss) / cols + eps);
    const float4* g4 = reinterpret_cast<const float4*>(gamma);
    const float4* b4 = reinterpret_cast<const float4*>(beta);
    float4* y4 = reinterpret_cast<float4*>(yr);
#pragma unroll
    for (int k = 0; k < kVec; ++k) {
        const int q = lane + 32 * k;
        if (q < n4) {
            const float4 g = g4[q], b = b4[q];
            float4 o;
            o.x = gelu(fmaf(v[k].x * rstd, g.x, b.x));
            o.y = gelu(fmaf(v[k].y * rstd, g.y, b.y));
            o.z = gelu(fmaf(v[k].z * rstd, g.z, b.z));
            o.w = gelu(fmaf(v[k].w * rstd, g.w, b.w));
            y4[q] = o;
        }
    }
}

// Any other row: three sweeps, one float per lane per step.
void row_streamed(const float* __restrict__ xr, const float* __restrict__ gamma, const float* __restrict__ beta,
                  float* __restrict__ yr, int cols, float eps, int lane) {
    float s = 0.0f;
    for (int j = lane; j < cols; j += 32) s += xr[j];
    const float mean = warp_sum(s) / cols;
    float ss = 0.0f;
    for (int j = lane; j < cols; j += 32) {
        const float d = xr[j] - mean;
        ss = fmaf(d, d, ss);
    }
    const float rstd = rsqrtf(warp_sum(ss) / cols + eps);
    for (int j = lane; j < cols; j += 32) yr[j] = gelu(fmaf((xr[j] - mean) * rstd, gamma[j], beta[j]));
}

extern "C" __global__ void __launch_bounds__(kThreads)
layer_norm_gelu(const float* __restrict__ x, const float* __restrict__ gamma, const float* __restrict__ beta,
                float* __restrict__ y, int rows, int cols, float eps)
{
    const int lane = threadIdx.x % 32;
    const long long r = (long long)blockIdx.x * kRowsPerBlock + threadIdx.x / 32;
    // The whole warp leaves together (r is the same in its 32 lanes), so every shuffle below has
    // all 32 lanes; no block barrier is used, so leaving early is safe.
    if (r >= rows) return;
    const float* xr = x + r * cols;
    float* yr = y + r * cols;
    const int n4 = cols / 4;
    if (cols % 4 == 0 && n4 <= 32 * 8)
        row_in_registers<8>(xr, gamma, beta, yr, cols, eps, lane);
    else if (cols % 4 == 0 && n4 <= 32 * 32)
        row_in_registers<32>(xr, gamma, beta, yr, cols, eps, lane);
    else
        row_streamed(xr, gamma, beta, yr, cols, eps, lane);
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.rows + kRowsPerBlock - 1) / kRowsPerBlock)}, .block = {kThreads}};
}
