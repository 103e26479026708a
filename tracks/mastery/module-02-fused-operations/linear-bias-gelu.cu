// mastery/02, part linear-bias-gelu: a linear layer with its bias and GELU fused into the GEMM's
// epilogue, written from a blank kernel.
//
//     kernelcoach run mastery/02/linear-bias-gelu
//     kernelcoach hint mastery/02/linear-bias-gelu     # hints, one at a time
//
// The spec (exercise linear-bias-gelu): with A (m x k), B (k x n), bias (n) and D (m x n), all
// bf16 and row-major,
//
//     z[i][j] = sum_l A[i][l] B[l][j] + bias[j]                      the bias: one value per column
//     D[i][j] = GELU(z[i][j]) = 0.5 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3)))
//
//   - the products accumulated in fp32 (tensor cores: mma.sync, WMMA or wgmma); the bias added to
//     that fp32 sum, then the GELU (the tanh form), then one rounding to bf16 and one store: all in
//     the GEMM's epilogue, on the accumulators, never a second pass over D;
//   - the check: a float64 truth, with a bound that admits what cuBLASLt's own epilogue does (the
//     sum rounded to bf16 before the bias is added, z rounded again before the GELU), tanh.approx,
//     and the store in bf16; a wrong epilogue is named in the report when its pattern is clear;
//   - the cases: 1 x 1 x 1, small and ragged sizes (k = 1, k = 80, 129, 131, 200, 261, 264; n = 8,
//     129, 4099; m = 3, 4099), 1000^3, and the timed m = 16384, n = 4096, k = 1024;
//   - the gate: at least 0.40x the speed of cuBLASLt's bf16 GEMM with its GELU_BIAS epilogue (the
//     same layer, fused by the vendor) on the timed case.
//
// Napkin math for the timed case, m = 16384, n = 4096, k = 1024 (an MLP's up-projection: 16384
// tokens, a hidden size of 1024, four times as wide out):
//   flops  = 2 m n k = 137.4 GFLOP for the products, + about 10 per element of D for the
//            epilogue (bias, GELU): 0.7 GFLOP, half a percent
//   bytes  = A 33.6 MB + B 8.4 MB + bias 8 KB + D 134.2 MB = 176 MB, each read or written once
//   H200   : ~766 TFLOP/s (cuBLAS's dense bf16 GEMM): 137.4 GFLOP in about 180 us; 4.8 TB/s of
//            HBM: 176 MB in about 37 us. 780 flops per byte against a balance of 766 / 4.8 = 160:
//            compute-bound, by the tensor cores
//   gate   : 0.40x of ~766 TFLOP/s is ~306 TFLOP/s, about 450 us: a pipelined tensor-core GEMM
//            (the H200's fp32 FMA peak, ~67 TFLOP/s, is 2 ms here)
//   fusing : the epilogue sees D once, in registers; an unfused bias + GELU pass would read and
//            write all of D again: 268 MB, about 60 us more at the copy's rate
//
// The body below is empty: nothing is written, and the verdict is WRONG. Write the kernel, and
// change launch() to the geometry your kernel wants (it must be a legal launch for every case,
// 1 x 1 x 1 included).
#include <cuda_bf16.h>

#include "kernelcoach.h"

extern "C" __global__ void linear_bias_gelu(const __nv_bfloat16* a, const __nv_bfloat16* b,
                                            const __nv_bfloat16* bias, __nv_bfloat16* d, int m, int n, int k)
{
}

// One block of 256 threads per 128 x 128 tile of D: x walks the columns, y the rows.
constexpr Launch launch(Problem p) {
    constexpr unsigned threads = 256, tile = 128;
    return Launch{.grid = {unsigned((p.n + tile - 1) / tile), unsigned((p.m + tile - 1) / tile)},
                  .block = {threads}};
}
