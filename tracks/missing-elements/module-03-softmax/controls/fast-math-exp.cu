// Control for missing-elements/03 - expected verdict: PASSED.
//
// What it demonstrates: the fast-math exponential. __expf(v) is two instructions, a multiply by
// log2(e) and the hardware's approximate 2^x (MUFU.EX2, 16 per clock per SM), where expf is
// about eight. The price is accuracy: the CUDA Math API gives __expf a maximum error of
// 2 + floor(1.173 * |v|) ulp, where expf's is 2 ulp, and __expf flushes results below 2^-126
// to zero. Here v = x - max <= 0, and below v = -103.97 even the exact exp rounds to 0 in fp32,
// so the extra error is at most about 120 ulp - the same order as what rounding x - max
// already costs an exact exp (|v| ulp: the exponential magnifies an absolute error of its
// argument into a relative error of its result). The flushed elements have a truth below
// 2^-126 = 1.2e-38. kernelcoach's bound for softmax is built from that error analysis, so
// fast-math exps pass. (-use_fast_math turns every expf into __expf; kernelcoach does not
// pass it, so write __expf where you want it. exp2f((x - max) * log2(e)), the form
// FlashAttention uses, with log2(e) folded into a scale, behaves the same.)

#include "kernelcoach.h"
#include <cuda/std/limits>  // numeric_limits, for infinity

constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;
constexpr float kNegInf = -cuda::std::numeric_limits<float>::infinity();

float warp_max(float v) {
    for (int offset = 16; offset > 0; offset /= 2) {
        v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
    }
    return v;
}

float warp_sum(float v) {
    for (int offset = 16; offset > 0; offset /= 2) {
        v += __shfl_xor_sync(0xffffffffu, v, offset);
    }
    return v;
}

extern "C" __global__ void softmax(const float* __restrict__ x, float* __restrict__ y, int rows,
                                   int cols) {
    __shared__ float partial[kWarps];  // one slot per warp
    const float* xr = x + static_cast<long long>(blockIdx.x) * cols;  // this block's row
    float* yr = y + static_cast<long long>(blockIdx.x) * cols;
    const int lane = threadIdx.x % 32;
    const int warp = threadIdx.x / 32;

    float m = kNegInf;
    for (int j = threadIdx.x; j < cols; j += kThreads) {
        m = fmaxf(m, xr[j]);
    }
    m = warp_max(m);
    if (lane == 0) partial[warp] = m;
    __syncthreads();  // every slot written before any is read
    m = partial[0];
    for (int w = 1; w < kWarps; ++w) m = fmaxf(m, partial[w]);
    __syncthreads();  // every slot read before the sum overwrites them

    float s = 0.0f;
    for (int j = threadIdx.x; j < cols; j += kThreads) {
        s += __expf(xr[j] - m);  // fast-math exp
    }
    s = warp_sum(s);
    if (lane == 0) partial[warp] = s;
    __syncthreads();  // every slot written before any is read
    s = partial[0];
    for (int w = 1; w < kWarps; ++w) s += partial[w];

    const float inv = 1.0f / s;
    for (int j = threadIdx.x; j < cols; j += kThreads) {
        yr[j] = __expf(xr[j] - m) * inv;
    }
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned(p.rows)}, .block = {unsigned(kThreads)}};
}
