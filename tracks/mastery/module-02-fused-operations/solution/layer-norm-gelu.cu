// mastery/02, part layer-norm-gelu: the reference solution.
//
//   mean = sum x / cols,  var = sum (x - mean)^2 / cols,  rstd = 1 / sqrt(var + eps)
//   z    = (x - mean) rstd gamma + beta
//   y    = 0.5 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3)))
//
// One block of THREADS threads per row. On the register path (cols % 4 == 0 and at most
// 4 VEC THREADS columns: 4096 with the defaults) each thread loads its VEC float4s of the row,
// every load issued before the first is used, and the row stays in registers from then on:
// a block sum gives the mean, the deviations replace x in the registers, a second block sum
// gives the variance, and each element goes through the affine and the GELU on its way to the
// one store. x is read once and y written once; z exists only in registers. Other rows
// (cols % 4 != 0, so rows do not start on 16-byte boundaries, or too long for the registers:
// the case long-rows at 30011) take a scalar path that reads the row three times, the second
// and third time from L1 or L2: correct everywhere, fast where the timed case is not.
//
// The statistics are two-pass (the deviations from the mean, not E[x^2] - E[x]^2, which loses
// every digit on the rows of mean 1e4). The GELU uses tanhf, accurate to 2 ulp; __tanhf (the
// hardware's tanh.approx) is 2^-11 relative and fails the bound.
//
// Napkin math for the timed case, 16384 x 4096: 8 bytes per element, 537 MB; at an H200's copy
// rate (about 4.3 TB/s) about 125 us. The unfused pair it replaces moves 16 bytes per element.
// Measured on the H200 (`kernelcoach bench mastery/02/layer-norm-gelu --file
// solution/layer-norm-gelu.cu`, 2026-12-03): 130.8 us, 4106 GB/s, 96.1% of the copy, 2.09x the
// unfused pair (cuDNN's layer norm, then a GELU pass: 273.2 us); 40 registers, no spills.
#include "kernelcoach.h"

// tune: THREADS=128,256,512 VEC=2,4,8
#ifndef THREADS
#define THREADS 256
#endif
#ifndef VEC
#define VEC 4  // float4s of a row per thread on the register path: rows of up to 4 x VEC x THREADS
#endif

constexpr unsigned kThreads = THREADS;
constexpr int kVec = VEC;
constexpr int kWarps = int(kThreads / 32);
static_assert(kThreads % 32 == 0 && kThreads <= 1024, "whole warps, at most 1024 threads");
static_assert(kVec >= 1, "at least one float4 per thread");

// Whether a row takes the register path: whole float4s (so every row starts 16-byte aligned:
// buffers start on 256-byte boundaries and a row at element r * cols), at most kVec per thread.
constexpr bool in_registers(long long cols) { return cols % 4 == 0 && cols <= 4LL * kVec * kThreads; }

// GELU, tanh form. a = sqrt(2/pi) (z + 0.044715 z^3), grouped as z + (0.044715 z) z^2 in one
// FMA; any grouping is a few roundings of a, which the bound allows. tanhf, not __tanhf.
float gelu(float z) {
    constexpr float kSqrt2OverPi = 0.7978845608028654f, kCubic = 0.044715f;
    const float a = kSqrt2OverPi * fmaf(kCubic * z, z * z, z);
    return 0.5f * z * (1.0f + tanhf(a));
}

// The sum of v over the 32 lanes of a warp, in every lane (a butterfly: every lane adds the
// same two numbers at each step, so all end with the same bits).
float warp_sum(float v) {
    for (int offset = 16; offset > 0; offset /= 2) v += __shfl_xor_sync(0xffffffffu, v, offset);
    return v;
}

// The sum of v over the block, in every thread. `slots` (kWarps floats) is this call's own: a
// block handles one row and calls block_sum twice, each time with other slots, so nothing is
// overwritten while another warp may still read it and one barrier per call is enough.
float block_sum(float v, float* slots) {
    v = warp_sum(v);
    if (threadIdx.x % 32 == 0) slots[threadIdx.x / 32] = v;
    __syncthreads();  // every warp's sum is in its slot before any thread reads them
    float total = 0.0f;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) total += slots[w];  // the same order in every thread: the same bits
    return total;
}

// One row on the register path. v[k] is float4 number threadIdx.x + k kThreads of the row: at
// every k a warp's 32 lanes read 512 contiguous bytes.
void row_in_registers(const float* __restrict__ xr, const float* __restrict__ gamma,
                      const float* __restrict__ beta, float* __restrict__ yr, int cols, float eps, float* slots) {
    const int n4 = cols / 4;
    const float4* x4 = reinterpret_cast<const float4*>(xr);
    float4 v[kVec];  // (kVec,): this thread's share of the row, 16 floats with the defaults
#pragma unroll
    for (int k = 0; k < kVec; ++k) {  // every load issued before any is used: the row in one round trip
        const int q = threadIdx.x + k * kThreads;
        v[k] = q < n4 ? x4[q] : make_float4(0.f, 0.f, 0.f, 0.f);  // past the row: zeros, which add nothing
    }

    float s = 0.0f;
#pragma unroll
    for (int k = 0; k < kVec; ++k) s += (v[k].x + v[k].y) + (v[k].z + v[k].w);
    const float mean = block_sum(s, slots) / cols;  // a true divide: a constant row's mean is exact

    // The deviations replace x in the registers. On the rows of mean 1e4, x - mean is exact (two
    // floats within a factor of 2: Sterbenz), so the squares keep every digit of the variance.
    float ss = 0.0f;
#pragma unroll
    for (int k = 0; k < kVec; ++k) {
        if (threadIdx.x + k * kThreads < n4) {  // the zeros past the row are not deviations of 0
            v[k].x -= mean;
            v[k].y -= mean;
            v[k].z -= mean;
            v[k].w -= mean;
            ss = fmaf(v[k].x, v[k].x, ss);
            ss = fmaf(v[k].y, v[k].y, ss);
            ss = fmaf(v[k].z, v[k].z, ss);
            ss = fmaf(v[k].w, v[k].w, ss);
        }
    }
    const float rstd = rsqrtf(block_sum(ss, slots + kWarps) / cols + eps);  // eps under the root

    const float4* g4 = reinterpret_cast<const float4*>(gamma);
    const float4* b4 = reinterpret_cast<const float4*>(beta);
    float4* y4 = reinterpret_cast<float4*>(yr);
#pragma unroll
    for (int k = 0; k < kVec; ++k) {
        const int q = threadIdx.x + k * kThreads;
        if (q < n4) {
            const float4 g = g4[q], b = b4[q];  // the same 32 KiB for every row: from L1
            float4 o;
            o.x = gelu(fmaf(v[k].x * rstd, g.x, b.x));  // z, then y: z never leaves the thread
            o.y = gelu(fmaf(v[k].y * rstd, g.y, b.y));
            o.z = gelu(fmaf(v[k].z * rstd, g.z, b.z));
            o.w = gelu(fmaf(v[k].w * rstd, g.w, b.w));
            y4[q] = o;
        }
    }
}

// One row on the scalar path: three sweeps over x (the sum, the squared deviations, the
// output). The first comes from HBM, the other two from L1 or L2.
void row_streamed(const float* __restrict__ xr, const float* __restrict__ gamma, const float* __restrict__ beta,
                  float* __restrict__ yr, int cols, float eps, float* slots) {
    float s = 0.0f;
#pragma unroll 4
    for (int j = threadIdx.x; j < cols; j += kThreads) s += xr[j];
    const float mean = block_sum(s, slots) / cols;

    float ss = 0.0f;
#pragma unroll 4
    for (int j = threadIdx.x; j < cols; j += kThreads) {
        const float d = xr[j] - mean;
        ss = fmaf(d, d, ss);
    }
    const float rstd = rsqrtf(block_sum(ss, slots + kWarps) / cols + eps);

#pragma unroll 4
    for (int j = threadIdx.x; j < cols; j += kThreads) yr[j] = gelu(fmaf((xr[j] - mean) * rstd, gamma[j], beta[j]));
}

extern "C" __global__ void __launch_bounds__(kThreads)
layer_norm_gelu(const float* __restrict__ x, const float* __restrict__ gamma, const float* __restrict__ beta,
                float* __restrict__ y, int rows, int cols, float eps)
{
    __shared__ float slots[2 * kWarps];  // (2, kWarps): the warps' partial sums, one set per block_sum
    const long long r = blockIdx.x;      // this block's row; 64-bit offsets below
    if (r >= rows) return;               // never with this launch; the whole block leaves together
    const float* xr = x + r * cols;
    float* yr = y + r * cols;
    if (in_registers(cols))  // the same for every block: the grid takes one path
        row_in_registers(xr, gamma, beta, yr, cols, eps, slots);
    else
        row_streamed(xr, gamma, beta, yr, cols, eps, slots);
}

// One block per row: 16384 blocks at the timed size, about 15 waves of the SMs, so the last,
// partial wave costs little.
constexpr Launch launch(Problem p) { return Launch{.grid = {unsigned(p.rows)}, .block = {kThreads}}; }
