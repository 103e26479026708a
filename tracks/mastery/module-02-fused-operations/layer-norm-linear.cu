// mastery/02, part layer-norm-linear: a layer norm fused into the loads of the linear layer after
// it, written from blank kernels.
//
//     kernelcoach run mastery/02/layer-norm-linear
//     kernelcoach hint mastery/02/layer-norm-linear    # hints, one at a time
//
// The spec (exercise layer-norm-linear): with X (m x k: tokens x hidden) and W (k x n) in bf16,
// gamma and beta (k) in fp32, D (m x n) in bf16, all row-major, for every row r of X:
//
//     mean_r   = sum_j x[r][j] / k
//     rstd_r   = 1 / sqrt(sum_j (x[r][j] - mean_r)^2 / k + eps)        biased variance, eps = 1e-5
//     z[r][j]  = (x[r][j] - mean_r) rstd_r gamma[j] + beta[j]          in fp32, then ROUNDED TO THE
//                                                                      NEAREST bf16
//     D[r][c]  = sum_j z[r][j] W[j][c]                                 fp32 accumulation, D stored bf16
//
//   - two kernels, run in this order on every case: ln_stats writes each row's mean and rstd into
//     `stats` (scratch: 2 m floats, filled with garbage before every run, never checked; the
//     layout is yours), then ln_linear computes D, normalising each tile of X as it loads it: z
//     is never written to memory;
//   - z rounded to the nearest bf16 is the tensor cores' operand and what the unfused pair's bf16
//     layer norm stores: the check's truth is the product of that rounded z. An fp32 z, or one
//     truncated to bf16, fails the small cases;
//   - the rows of X come in four kinds: uniform in [-2, 2); a mean of 8 to 64 with a spread of
//     +-0.25 (the one-pass variance cancels there); constant (eps alone avoids 0 / 0); uniform in
//     [-0.005, 0.005), whose variance (8e-6) weighs as much as eps;
//   - the cases: 1 x 1 x 1, small and ragged sizes (k = 1, 3, 80, 96, 129, 131, 200, 261, 264;
//     n = 5, 8, 65, 129, 4099; m = 3, 7, 67, 131, 4099), 1000^3, and the timed m = 16384,
//     n = 256, k = 4096; cuDNN needs 16-byte alignment, so no case offsets its buffers;
//   - the gate: at least 1.00x the speed of the unfused pair it replaces, cuDNN's layer norm (bf16
//     in and out) writing z to memory, then cuBLASLt's bf16 GEMM reading it back.
//
// Napkin math for the timed case, m = 16384, n = 256, k = 4096 (a mixture-of-experts router reading
// the normalised hidden state: 16384 tokens, hidden size 4096, scores for 256 experts, as many as
// DeepSeek-V3 routes over). Estimates, to be measured on the H200:
//   bytes  = X 134.2 MB, W 2.1 MB, D 8.4 MB (gamma, beta 32 KB; stats 128 KB). The fused plan reads
//            X twice (ln_stats, then ln_linear) and moves 279 MB
//   unfused= the layer norm reads X and writes z (268 MB), the GEMM reads z back with W and writes
//            D (145 MB): 413 MB. Fusion saves z's write and read (268 MB), pays X's second read
//   flops  = 2 m n k = 34.4 GFLOP (+ 8 m k = 0.54 GFLOP of layer norm): about 237 flops per byte of
//            the GEMM's X, W and D, near an H200's balance (~160-190): neither the memory nor the
//            tensor cores can be ignored
//   H200   : the pair's layer norm, 268 MB at ~4.3 TB/s: ~62 us; its GEMM ~45 us at 766 TFLOP/s of
//            dense bf16, ~53 us at ~650 (its 145 MB, ~34 us, under that): the pair about 115-120
//            us. Your statistics pass, X at the copy's rate: ~31 us; your GEMM at cuBLASLt's speed:
//            the same ~45-55 us
//   so     : fused, about 80-90 us, ~1.3-1.4x the pair; with a GEMM at 0.7x cuBLASLt's (~75 us),
//            about 105 us, still ~1.1x. The gate asks for a GEMM at roughly 0.65x cuBLASLt's speed
//            or better, tensor cores and a pipeline, with a normalisation they never wait for. (At
//            an MLP's up-projection, 16384 x 4096 x 1024, the same fusion saves only 4% and would
//            need a GEMM within about 4% of cuBLASLt's: a fused prologue is worth its traffic)
//   grid   : n = 256 is one column band. 128 x 256 tiles: 128 blocks for 132 SMs, one wave (4 SMs
//            idle), each block owning whole rows of D; 128 x 128 tiles: 256 blocks, at one block
//            per SM two waves (the second nearly full)
//
// The bodies below are empty: nothing is written, and the verdict is WRONG. Write both kernels,
// and change the launch functions to the geometry your kernels want (each must be a legal launch
// for every case, 1 x 1 x 1 included).
#include <cuda_bf16.h>

#include "kernelcoach.h"

extern "C" __global__ void ln_stats(const __nv_bfloat16* x, float* stats, int m, int k, float eps)
{
}

extern "C" __global__ void ln_linear(const __nv_bfloat16* x, float* stats, const float* gamma, const float* beta,
                                     const __nv_bfloat16* w, __nv_bfloat16* d, int m, int n, int k)
{
}

// ln_stats: one block of 256 threads per row.
constexpr Launch launch_ln_stats(Problem p) {
    constexpr unsigned threads = 256;
    return Launch{.grid = {unsigned(p.m)}, .block = {threads}};
}

// ln_linear: one block of 256 threads per 128 x 128 tile of D: x walks the columns, y the rows.
constexpr Launch launch_ln_linear(Problem p) {
    constexpr unsigned threads = 256, tile = 128;
    return Launch{.grid = {unsigned((p.n + tile - 1) / tile), unsigned((p.m + tile - 1) / tile)},
                  .block = {threads}};
}
