// mastery/04, part adamw: the reference solution.
//
// One AdamW step in place, PyTorch's torch.optim.AdamW with decoupled weight decay:
//   p = p (1 - lr wd);  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
//   p = p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
// The bias corrections are the same for every element: each thread computes them once, in the
// form PyTorch uses (a step size lr / bc1 and sqrt(bc2) beside the square root).
//
// Memory-bound: 26 bytes per element (p, m, v read and written, g read as bf16). Four elements
// per thread: a float4 of each of p, m, v and the four bf16 of g as one 8-byte load, all loaded
// before any is used; a grid that covers n, and block 0 does the last n % 4 elements.
#include <cuda_bf16.h>

#include "kernelcoach.h"

// tune: THREADS=128,256,512,1024
#ifndef THREADS
#define THREADS 256
#endif

constexpr unsigned kThreads = THREADS;
static_assert(kThreads % 32 == 0 && kThreads <= 1024, "whole warps, at most 1024 threads");

// What every element's update shares.
struct Coefficients {
    float decay;      // 1 - lr wd
    float step_size;  // lr / (1 - b1^t)
    float bc2_sqrt;   // sqrt(1 - b2^t)
};

Coefficients coefficients(float lr, float beta1, float beta2, float weight_decay, int step) {
    const float bc1 = 1.0f - powf(beta1, float(step)), bc2 = 1.0f - powf(beta2, float(step));
    return {1.0f - lr * weight_decay, lr / bc1, sqrtf(bc2)};
}

// One element: the moments first, then the weights from this step's moments.
void update(float& p, float& m, float& v, float g, float beta1, float beta2, float eps, const Coefficients& c) {
    m = beta1 * m + (1.0f - beta1) * g;
    v = beta2 * v + (1.0f - beta2) * g * g;
    p = p * c.decay - c.step_size * m / (sqrtf(v) / c.bc2_sqrt + eps);
}

extern "C" __global__ void __launch_bounds__(kThreads)
adamw(float* __restrict__ p, float* __restrict__ m, float* __restrict__ v, const __nv_bfloat16* __restrict__ g, int n,
      float lr, float beta1, float beta2, float eps, float weight_decay, int step)
{
    const Coefficients c = coefficients(lr, beta1, beta2, weight_decay, step);
    const int vecs = n / 4;  // whole groups of 4; every tensor starts on 256 bytes, so each is aligned
    const int i = blockIdx.x * kThreads + threadIdx.x;
    if (i < vecs) {
        float4 P = reinterpret_cast<float4*>(p)[i], M = reinterpret_cast<float4*>(m)[i],
               V = reinterpret_cast<float4*>(v)[i];
        const uint2 G = reinterpret_cast<const uint2*>(g)[i];  // 4 bf16: 8 bytes
        const float2 g01 = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162*>(&G.x));
        const float2 g23 = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162*>(&G.y));
        update(P.x, M.x, V.x, g01.x, beta1, beta2, eps, c);
        update(P.y, M.y, V.y, g01.y, beta1, beta2, eps, c);
        update(P.z, M.z, V.z, g23.x, beta1, beta2, eps, c);
        update(P.w, M.w, V.w, g23.y, beta1, beta2, eps, c);
        reinterpret_cast<float4*>(p)[i] = P;
        reinterpret_cast<float4*>(m)[i] = M;
        reinterpret_cast<float4*>(v)[i] = V;
    }
    // The last n % 4 elements (0 to 3): threads 0, 1, 2 of block 0.
    if (blockIdx.x == 0 && threadIdx.x < unsigned(n % 4)) {
        const int k = 4 * vecs + threadIdx.x;
        update(p[k], m[k], v[k], __bfloat162float(g[k]), beta1, beta2, eps, c);
    }
}

constexpr Launch launch(Problem p) {
    const long long vecs = p.n / 4;
    const long long blocks = (vecs + kThreads - 1) / kThreads;
    return Launch{.grid = {unsigned(blocks < 1 ? 1 : blocks)}, .block = {kThreads}};
}
