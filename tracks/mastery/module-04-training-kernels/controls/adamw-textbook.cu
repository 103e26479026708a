// Control for mastery/04, part adamw - expected verdict: PASSED.
//
// What it demonstrates: a correct kernel of another shape and another order of the roundings:
//   - the textbook form, as in Kingma and Ba's paper: mhat = m / (1 - b1^t), vhat = v / (1 -
//     b2^t), p -= lr mhat / (sqrt(vhat) + eps), with the decay as p -= lr wd p (before the
//     update, as PyTorch applies it);
//   - one element at a time (no vectors) in a grid-stride loop over one wave of blocks, the
//     bias corrections computed once per thread.
#include <cuda_bf16.h>

#include "kernelcoach.h"

constexpr unsigned kThreads = 256;
constexpr unsigned kBlocksPerSm = unsigned(kc::device.max_threads_per_sm) / kThreads;

extern "C" __global__ void adamw(float* p, float* m, float* v, const __nv_bfloat16* g, int n, float lr, float beta1,
                                 float beta2, float eps, float weight_decay, int step)
{
    const float bc1 = 1.0f - powf(beta1, float(step)), bc2 = 1.0f - powf(beta2, float(step));
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        const float gi = __bfloat162float(g[i]);
        float pi = p[i];
        pi -= lr * weight_decay * pi;  // decoupled weight decay
        const float mi = beta1 * m[i] + (1.0f - beta1) * gi;
        const float vi = beta2 * v[i] + (1.0f - beta2) * gi * gi;
        const float mhat = mi / bc1, vhat = vi / bc2;
        p[i] = pi - lr * mhat / (sqrtf(vhat) + eps);
        m[i] = mi;
        v[i] = vi;
    }
}

constexpr Launch launch(Problem p) {
    constexpr long long wave = (long long)kc::device.sm_count * kBlocksPerSm;
    long long blocks = (p.n + kThreads - 1) / kThreads;
    if (blocks > wave) blocks = wave;
    return Launch{.grid = {unsigned(blocks < 1 ? 1 : blocks)}, .block = {kThreads}};
}
