// Control for missing-elements/05 - expected verdict: PASSED.
//
// What it demonstrates: a different, faster organisation that must still pass - the filter
// staged in shared memory, and each thread computing several output channels at once.
//
// A block takes one image b, kOutCh = 4 consecutive output channels kk0..kk0+3 and 128
// consecutive output positions (p, q) (flattened, q fastest: coalesced input loads); each
// thread computes the 4 outputs (b, kk0..kk0+3, p, q). The grid is 3D:
//     x: ceil(P*Q / 128) position tiles    y: ceil(K / 4) channel groups    z: N images
// The 4 filters the block needs are copied into shared memory kChunk = 16 input channels at a
// time (their filters for 16 channels are 4 * 16 * R * S floats: 2.3 KB for 3x3, 6.4 KB for
// 5x5), and every input value a thread loads is used for 4 multiply-adds instead of 1: per
// 4 FMAs, 1 global load of input plus 4 shared-memory reads of filter (one broadcast each)
// instead of 4 + 4 global loads. Each output is still one thread's sum over ch, i, j in the
// same order, so the result is deterministic.
//
// Shared memory is dynamic (extern __shared__), sized by launch() for the case's R and S:
// kOutCh * min(kChunk, C) * R * S * 4 bytes, within the default 48 KB per block while
// R * S <= 192 (true for every case of this module). Output channels past K (K not a multiple
// of 4) get zero filters in shared memory and are not stored.

#include "kernelcoach.h"

constexpr unsigned kThreads = 128;  // output positions per block, one per thread
constexpr int kOutCh = 4;           // output channels per block, and per thread (accumulators)
constexpr int kChunk = 16;          // input channels of the filter staged per round

constexpr long long out_extent(long long in, long long f, long long pad, long long stride) {
    return (in + 2 * pad - f) / stride + 1;
}

extern "C" __global__ void conv2d(const float* __restrict__ input, const float* __restrict__ filter,
                                  float* __restrict__ output,
                                  int n, int c, int h, int w, int k, int r, int s, int pad, int stride)
{
    // (min(kChunk, C), R, S, kOutCh): the kOutCh filter values of one tap sit side by side.
    extern __shared__ float s_filter[];

    const int P = int(out_extent(h, r, pad, stride));
    const int Q = int(out_extent(w, s, pad, stride));
    const int rs = r * s;

    const int pq = blockIdx.x * blockDim.x + threadIdx.x;  // this thread's output position
    const int kk0 = blockIdx.y * kOutCh;                    // the block's first output channel
    const int b = blockIdx.z;                               // the block's image
    // No early return: every thread of the block must reach the barriers below, including
    // those past the last position, which help with the copy and then compute nothing.
    const bool active = pq < P * Q;
    const int p = pq / Q;
    const int q = pq % Q;
    const int row0 = p * stride - pad;
    const int col0 = q * stride - pad;

    float acc[kOutCh];
    for (int o = 0; o < kOutCh; ++o) acc[o] = 0.0f;

    for (int c0 = 0; c0 < c; c0 += kChunk) {
        const int cc = c - c0 < kChunk ? c - c0 : kChunk;  // channels in this round
        const int per_kk = cc * rs;                         // floats of one filter in this round

        // The copy: filter (kk0 + o, c0 .. c0+cc-1, all i, all j) is per_kk consecutive floats
        // in KCRS, so consecutive threads read consecutive floats (coalesced).
        for (int e = threadIdx.x; e < kOutCh * per_kk; e += blockDim.x) {
            const int o = e / per_kk;
            const int tap = e % per_kk;  // (ch - c0) * R * S + i * S + j
            const int kk = kk0 + o;
            s_filter[tap * kOutCh + o] = kk < k ? filter[(kk * c + c0) * rs + tap] : 0.0f;
        }
        // Barrier: the whole chunk must be in shared memory before any thread reads it - each
        // thread reads values that other threads copied.
        __syncthreads();

        if (active) {
            for (int ch = 0; ch < cc; ++ch) {
                const float* plane = input + (b * c + c0 + ch) * h * w;  // (b, c0 + ch), H x W
                for (int i = 0; i < r; ++i) {
                    const int row = row0 + i;
                    if (row < 0 || row >= h) continue;
                    for (int j = 0; j < s; ++j) {
                        const int col = col0 + j;
                        if (col < 0 || col >= w) continue;
                        const float x = plane[row * w + col];
                        const float* f = &s_filter[((ch * r + i) * s + j) * kOutCh];  // same for the whole block: broadcast
                        for (int o = 0; o < kOutCh; ++o) acc[o] += x * f[o];
                    }
                }
            }
        }
        // Barrier: every thread must be done reading this chunk before the next round's copy
        // overwrites it.
        __syncthreads();
    }

    if (active) {
        for (int o = 0; o < kOutCh; ++o) {
            const int kk = kk0 + o;
            if (kk < k) output[((b * k + kk) * P + p) * Q + q] = acc[o];
        }
    }
}

constexpr Launch launch(Problem p) {
    const long long P = out_extent(p.h, p.r, p.pad, p.stride);
    const long long Q = out_extent(p.w, p.s, p.pad, p.stride);
    const long long chunk = p.c < kChunk ? p.c : kChunk;
    return Launch{
        .grid = {unsigned((P * Q + kThreads - 1) / kThreads), unsigned((p.k + kOutCh - 1) / kOutCh), unsigned(p.n)},
        .block = {kThreads},
        .shared_bytes = unsigned(kOutCh * chunk * p.r * p.s * sizeof(float)),
    };
}
