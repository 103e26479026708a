// missing-elements/05 - conv2d, the reference solution: a direct 2D convolution, computed as a
// cross-correlation (no filter flip), exactly what cuDNN and PyTorch call a convolution.
//
//     output[b][kk][p][q] = sum over ch < C, i < R, j < S of
//                           input[b][ch][p*stride - pad + i][q*stride - pad + j] * filter[kk][ch][i][j]
//
// with input NCHW, filter KCRS and output NKPQ, P = (H + 2*pad - R) / stride + 1 and Q likewise,
// and zero padding: a term whose input row or column falls outside the image is zero, so it is
// skipped. One thread per output element (b, kk, p, q), 256 threads per block, consecutive
// threads on consecutive q (the fastest-varying output index), so that the loads of a warp and
// its stores are coalesced. The comments name the missing element each line fills in, numbered
// as in the starter.
//
//     kernelcoach run missing-elements/05    # grades your kernel.cu, not this file
//
// Napkin math for the timed case, N = 32, C = 64, H = W = 56, K = 64, R = S = 3, pad 1, stride 1
// (P = Q = 56: a ResNet-style 3x3 layer, batch 32):
//
//   outputs      N*K*P*Q         = 32 * 64 * 56 * 56        = 6,422,528
//   terms each   C*R*S           = 64 * 3 * 3               = 576 multiply-adds
//   flops        2*N*K*P*Q*C*R*S = 2 * 6,422,528 * 576      = 7.40 GFLOP
//   bytes        input 25.7 MB + filter 0.15 MB + output 25.7 MB = 51.5 MB (each read once, at best)
//   intensity    7.40 GFLOP / 51.5 MB                       = ~144 flop per byte
//
// An H100 SXM does about 67 TFLOP/s of fp32 FMA (no tensor cores: TF32 is off) and moves about
// 3 TB/s, so its balance point is about 67 / 3 = ~22 flop per byte. At 144 flop per byte a 3x3
// convolution is compute-bound: the memory floor is 51.5 MB / 3 TB/s = ~17 us, the compute floor
// 7.40 GFLOP / 67 TFLOP/s = ~110 us. The reason: every input value is used by R*S*K = 576
// multiply-adds (it sits under 9 window positions, for each of 64 output channels), and every
// filter value by N*P*Q = 100,352 of them. A 1x1 convolution has R*S = 1 and only a ninth of
// that intensity: it is a plain matrix product (README).
//
// This kernel does not reach the compute floor, and it is not meant to: each multiply-add
// issues two loads (one input value, one filter value), so it is limited by the load/store
// units and the L1 cache, not by the FMA units - expect a small fraction of fp32 peak, and
// cuDNN several times faster. It is a correct, readable starting point; the README's exercises
// and the optimization track show how to reuse each loaded value for several outputs.

#include "kernelcoach.h"

// The number of window positions along one axis (elements 1, 2, 3): an input of length `in`,
// padded with `pad` zeros at each end, is `in + 2*pad` long; a window of length `f` fits at
// `in + 2*pad - f + 1` positions, and taking every `stride`-th of them leaves
// (in + 2*pad - f) / stride + 1 (integer division: a last step that would run off the padded
// input is not taken). H = 56, R = 3, pad 1, stride 1 -> 56; H = 16, R = 3, pad 0, stride 2 ->
// 13 / 2 + 1 = 7. (Every case of this module has in + 2*pad >= f, so the result is at least 1.)
// constexpr, so launch() can call it at compile time; -default-device makes it usable in the
// kernel too.
constexpr long long out_extent(long long in, long long f, long long pad, long long stride) {
    const long long positions = (in + 2 * pad - f) / stride + 1;  // element 1
    return positions;
}

extern "C" __global__ void conv2d(const float* __restrict__ input,   // N x C x H x W
                                  const float* __restrict__ filter,  // K x C x R x S
                                  float* __restrict__ output,        // N x K x P x Q
                                  int n, int c, int h, int w, int k, int r, int s, int pad, int stride)
{
    // elements 2-3: the output's height and width, the same formula as launch() uses.
    const int P = int(out_extent(h, r, pad, stride));
    const int Q = int(out_extent(w, s, pad, stride));

    // element 4: the number of output elements. In int: 6.4 million for the largest case; a
    // tensor past 2^31 elements would need 64-bit indices throughout.
    const int total = n * k * P * Q;

    // element 5: the flat index of this thread's output element, as in vector add.
    const int idx = blockIdx.x * blockDim.x + threadIdx.x;

    // element 6: the bounds check. The grid is whole blocks of 256, and N*K*P*Q is rarely a
    // multiple of 256 (case "one" has a single output), so the last block sticks out.
    if (idx >= total) return;

    // elements 7-10: the flat index back to (b, kk, p, q). The output is NKPQ, so
    //     idx = ((b * K + kk) * P + p) * Q + q
    // and peeling off the innermost index first, with % and /, inverts it. q varies fastest:
    // the 32 threads of a warp get 32 consecutive q of one output row (or the end of one row
    // and the start of the next), so their input loads are consecutive floats (coalesced) and
    // they almost always share kk, so their filter load is one broadcast.
    const int q = idx % Q;              // element 7
    const int p = (idx / Q) % P;        // element 8
    const int kk = (idx / (Q * P)) % k; // element 9
    const int b = idx / (Q * P * k);    // element 10

    // elements 11-12: the top-left corner of this output's window, in the coordinates of the
    // unpadded input. Output (p, q) starts stride*p rows and stride*q columns into the PADDED
    // input; the padding is `pad` rows and columns, so in the real input that is pad less.
    // It is negative at the top and left borders when pad > 0: those rows and columns are the
    // zero padding, which is never stored anywhere.
    const int row0 = p * stride - pad;  // element 11
    const int col0 = q * stride - pad;  // element 12

    // element 13: the sum starts at zero, in fp32 (the exercise's accumulation precision).
    float acc = 0.0f;

    for (int ch = 0; ch < c; ++ch) {          // element 14: every input channel...
        for (int i = 0; i < r; ++i) {         // element 15: ...every filter row...
            const int row = row0 + i;         // element 16: the input row under filter row i
            // element 17: the padding test for the row. A row above or below the image is
            // zero padding: all S of its terms are zero, so skip them (and never read outside
            // the image). Tested once per row, outside the column loop.
            if (row < 0 || row >= h) continue;
            for (int j = 0; j < s; ++j) {     // element 18: ...and every filter column.
                const int col = col0 + j;     // element 19: the input column under filter column j
                if (col < 0 || col >= w) continue;  // element 20: the padding test for the column

                // element 21: input is NCHW, so element (b, ch, row, col) is at
                // ((b*C + ch)*H + row)*W + col: W floats per row, H*W per channel plane, C*H*W
                // per image. Neighbouring threads differ in q, so in col: consecutive floats.
                const int in_off = ((b * c + ch) * h + row) * w + col;
                // element 22: filter is KCRS, so element (kk, ch, i, j) is at
                // ((kk*C + ch)*R + i)*S + j. The same for every thread of the warp (same kk):
                // one load, broadcast to all 32 lanes, and the filter (147 KB in the timed case)
                // stays in L1 and L2.
                const int f_off = ((kk * c + ch) * r + i) * s + j;

                // element 23: the multiply-add. The compiler fuses `acc + x * f` into one FMA (a
                // single rounding); cuDNN with FMA math does the same. Summed in the order
                // ch, i, j; any order is correct (controls/reverse-channel-order.cu).
                acc += input[in_off] * filter[f_off];
            }
        }
    }

    // element 24: output is NKPQ, so element (b, kk, p, q) is at ((b*K + kk)*P + p)*Q + q -
    // which is idx itself: the flat index was chosen to walk the output in memory order.
    const int out_off = ((b * k + kk) * P + p) * Q + q;
    output[out_off] = acc;  // element 25: the store; consecutive threads, consecutive floats.
}

// The launch geometry, evaluated by the compiler for every test case.
constexpr Launch launch(Problem p) {
    // element 26: 256 threads = 8 warps, a multiple of 32. This kernel uses few registers, so
    // an H100 SM holds 8 such blocks (2048 threads): plenty of loads in flight to hide the
    // latency of L1 and L2.
    constexpr unsigned threads = 256;

    // element 27: one thread per output element: N*K*P*Q, with P and Q from the same formula
    // as in the kernel. (In 64 bits here: launch() runs on the compiler, for free.)
    const long long outputs = p.n * p.k * out_extent(p.h, p.r, p.pad, p.stride) *
                              out_extent(p.w, p.s, p.pad, p.stride);

    // element 28: ceil(outputs / threads) blocks, so the last, partial block runs too.
    // Case "one" (1 output) -> 1 block; the timed case (6,422,528 outputs) -> 25,088 blocks.
    const unsigned blocks = unsigned((outputs + threads - 1) / threads);

    // element 29: a 1D grid of `blocks` blocks of `threads` threads; y, z and shared_bytes keep
    // their defaults (1, 1, 0).
    return Launch{.grid = {blocks}, .block = {threads}};
}
