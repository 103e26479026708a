// mastery/04, part adamw: one step of the AdamW optimizer, written from a blank kernel.
//
//     kernelcoach run mastery/04/adamw
//     kernelcoach hint mastery/04/adamw             # hints, one at a time
//
// The spec (exercise adamw; PyTorch's torch.optim.AdamW), in place, for 0 <= i < n:
//
//     p[i] = p[i] * (1 - lr * weight_decay)                   decoupled weight decay
//     m[i] = beta1 * m[i] + (1 - beta1) * g[i]                the first moment
//     v[i] = beta2 * v[i] + (1 - beta2) * g[i]^2              the second moment
//     p[i] = p[i] - lr * (m[i] / (1 - beta1^step)) / (sqrt(v[i] / (1 - beta2^step)) + eps)
//
//   - p, m, v: fp32, read and written (the fp32 master weights and their moments); g: bf16,
//     read (the gradients as a bf16 backward pass leaves them);
//   - lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.01; step (1, 2, 3,
//     ...) is the step being taken, different in each case;
//   - the check: float64 truth of p, m and v, each with a bound of a few fp32 roundings;
//   - the cases: n = 1, 3, 1000, 65537, 1000003 and the timed 2^26, with steps from 1 to 1000.
//     Every tensor starts on a 256-byte boundary. p, m and v are restored before every run.
//
// Napkin math for the timed case, n = 2^26:
//   bytes  = 3 x 4 read + 3 x 4 written (p, m, v) + 2 read (g) = 26 per element: 1.74 GB
//   flops  = about 18 per element, a square root and a division among them: memory-bound
//   H200   : a copy runs at about 4.3 TB/s: 1.74 GB / 4.3 TB/s = about 405 us
//   gate   : 80% of the copy's rate: about 505 us
//
// The body below is empty: nothing is updated, and the verdict is WRONG. Write the kernel, and
// change launch() to the geometry your kernel wants (it must be a legal launch for every case,
// n = 1 included).
#include <cuda_bf16.h>

#include "kernelcoach.h"

extern "C" __global__ void adamw(float* p, float* m, float* v, const __nv_bfloat16* g, int n, float lr, float beta1,
                                 float beta2, float eps, float weight_decay, int step)
{
}

constexpr Launch launch(Problem p) {
    constexpr unsigned threads = 256;
    return Launch{.grid = {unsigned((p.n + threads - 1) / threads)}, .block = {threads}};
}
