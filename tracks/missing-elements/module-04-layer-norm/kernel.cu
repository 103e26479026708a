// missing-elements/04 - layer norm. For every row r of a row-major rows x cols matrix x:
//
//     mean_r = sum_j x[r][j] / cols
//     var_r  = sum_j (x[r][j] - mean_r)^2 / cols          (biased: divided by cols, not cols - 1)
//     y[r][j] = (x[r][j] - mean_r) * rsqrt(var_r + eps) * gamma[j] + beta[j]
//
// What it teaches: a row-wise reduction done by a whole block - a strided loop over the row,
// a thread-local sum, a warp reduction with shuffles, a cross-warp reduction through shared
// memory with its barriers, the broadcast of the result - and the numerics of mean and
// variance: two passes (mean first, then squared deviations) instead of E[x^2] - E[x]^2,
// which loses everything on a row with a large mean; eps, which keeps a constant row finite;
// and rsqrt. Then the affine part (gamma, beta) and the launch geometry: one block per row.
//
// This file has 26 missing elements. Each is marked with a numbered TODO comment that says
// WHAT is missing, not how to write it. As it stands the file does not compile. Fill them in,
// then run
//
//     kernelcoach run missing-elements/04
//
// and read the verdict: COMPILE_ERROR points at a line of this file; WRONG says which rows and
// columns of y are wrong and how. hints.md, beside this file, has one hint per group of TODOs;
// read them in order, one at a time. The README explains mean, variance, the block reduction
// and the napkin math; tracks/README.md states the rules this file must follow.
//
// Fixed by the module (kernelcoach launches the kernel by this name, with these arguments):
//     layer_norm(x, gamma, beta, y, rows, cols, eps)
//     x      rows * cols input floats, row-major      gamma, beta   cols floats each
//     y      rows * cols output floats, row-major     eps           1e-5, passed by kernelcoach

#include "kernelcoach.h"

constexpr int kWarp = 32;  // threads per warp on every NVIDIA GPU so far

// ---------------------------------------------------------------------------------------
// Pack<W>: W consecutive floats, moved by one load or store instruction. (Complete.)
// ---------------------------------------------------------------------------------------
// W = 4 is a float4: one 16-byte instruction, so a warp moves 512 bytes per load instead of
// 128. It needs 16-byte alignment: every buffer starts on a 256-byte boundary, and a row
// starts at element row * cols. W = 1 is a plain float, for rows that are not aligned.
template <int W>
struct Pack {
    float v[W];
};

// The i-th pack of p: elements W*i .. W*i + W - 1.
template <int W>
Pack<W> load(const float* __restrict__ p, int i) {
    static_assert(W == 1 || W == 4, "a pack is one float or one float4");
    Pack<W> out;
    if constexpr (W == 4) {
        const float4 f = reinterpret_cast<const float4*>(p)[i];
        out.v[0] = f.x;
        out.v[1] = f.y;
        out.v[2] = f.z;
        out.v[3] = f.w;
    } else {
        out.v[0] = p[i];
    }
    return out;
}

template <int W>
void store(float* __restrict__ p, int i, const Pack<W>& a) {
    static_assert(W == 1 || W == 4, "a pack is one float or one float4");
    if constexpr (W == 4) {
        reinterpret_cast<float4*>(p)[i] = make_float4(a.v[0], a.v[1], a.v[2], a.v[3]);
    } else {
        p[i] = a.v[0];
    }
}

// ---------------------------------------------------------------------------------------
// Reductions: a warp with shuffles, a block with shared memory.
// ---------------------------------------------------------------------------------------

// The sum of v over the 32 lanes of a warp; EVERY lane must end up with the whole sum.
// A butterfly: at each step, every lane adds the value held by the lane whose number differs
// from its own in one bit (`offset`: 16, 8, 4, 2, 1). After 5 steps every lane has all 32.
// The whole warp must call it together.
float warp_sum(float v) {
    for (int offset = kWarp / 2; offset > 0; offset /= 2) {
        // TODO(1): the value of the partner lane (lane number XOR offset), read from its register
        v += ;
    }
    return v;
}

// The sum of v over the whole block; every thread gets the result. Every thread of the block
// must call it, and blockDim.x is a multiple of 32. Each warp sums its own 32 values; the
// warp sums go through shared memory to warp 0, which sums them and leaves the total in
// shared memory for every thread to read.
float block_sum(float v) {
    __shared__ float partial[kWarp];  // (32,): one per warp; a block has at most 1024/32 = 32
    __shared__ float total;           // the block's sum, for every thread to read

    const int lane = threadIdx.x % kWarp;   // my place in my warp:  0 .. 31
    const int warp = threadIdx.x / kWarp;   // my warp in the block: 0 .. warps - 1
    const int warps = blockDim.x / kWarp;   // 8 for 256 threads

    v = warp_sum(v);                        // every lane: the sum of its warp
    // TODO(2): one lane per warp puts its warp's sum in this warp's slot of shared memory

    // TODO(3): what must happen before warp 0 may read the slots the other warps wrote

    if (warp == 0) {
        // TODO(4): this lane's slot, or nothing for a lane with no warp behind it
        v = ;
        v = warp_sum(v);
        if (lane == 0) total = v;
    }

    // TODO(5): what must happen before any thread may read total

    // TODO(6): the block's sum, the same for every thread
    const float result = ;
    return result;
}

// ---------------------------------------------------------------------------------------
// One row: mean, variance, normalise + affine. W = 4 (float4) or 1 (float).
// ---------------------------------------------------------------------------------------
// Every thread of the block calls this for the same row. The row is read three times; only
// the first read comes from DRAM, the other two find the row in the L1 cache (see README).
template <int W>
void normalize_row(const float* __restrict__ x,      // this row of x: cols floats
                   const float* __restrict__ gamma,  // cols floats
                   const float* __restrict__ beta,   // cols floats
                   float* __restrict__ y,            // this row of y: cols floats
                   int cols, float eps)
{
    const int packs = cols / W;  // the caller guarantees that W divides cols

    // The three sweeps below share one loop: the block's threads split the row's packs so
    // that each pack is handled by exactly one thread, and the 32 threads of a warp touch
    // 32 consecutive packs at every step (coalesced).
    // TODO(7): the first pack this thread handles
    const int first = ;
    // TODO(8): the distance between two packs handled by the same thread
    const int stride = ;

    // Sweep 1: the mean.
    float sum = 0.0f;
#pragma unroll 4
    for (int i = first; i < packs; i += stride) {
        const Pack<W> a = load<W>(x, i);
#pragma unroll
        for (int k = 0; k < W; ++k) {
            // TODO(9): this element added to the thread's own running sum
            sum += ;
        }
    }
    // TODO(10): the row's mean, from the sums of all threads of the block
    const float mean = ;

    // Sweep 2: the variance, from the deviations from the mean computed above.
    float sq = 0.0f;
#pragma unroll 4
    for (int i = first; i < packs; i += stride) {
        const Pack<W> a = load<W>(x, i);
#pragma unroll
        for (int k = 0; k < W; ++k) {
            // TODO(11): this element's deviation from the row's mean
            const float d = ;
            // TODO(12): the deviation's contribution to the thread's running sum of squares
            sq += ;
        }
    }
    // TODO(13): the row's (biased) variance, from the sums of squares of all threads
    const float var = ;

    // TODO(14): the variance made safe for a constant row, whose variance is 0
    const float var_eps = ;
    // TODO(15): the reciprocal of the standard deviation, in one instruction
    const float rstd = ;

    // Sweep 3: normalise, scale, shift, store.
#pragma unroll 2
    for (int i = first; i < packs; i += stride) {
        const Pack<W> a = load<W>(x, i);
        const Pack<W> g = load<W>(gamma, i);  // column j's scale
        const Pack<W> b = load<W>(beta, i);   // column j's shift
        Pack<W> out;
#pragma unroll
        for (int k = 0; k < W; ++k) {
            // TODO(16): this element normalised: mean 0, variance about 1 over the row
            const float xhat = ;
            // TODO(17): the normalised element scaled by its column's gamma
            const float scaled = ;
            // TODO(18): the scaled element shifted by its column's beta
            out.v[k] = ;
        }
        // TODO(19): the pack of results written to y
    }
}

// ---------------------------------------------------------------------------------------
// The entry kernel: one block per row.
// ---------------------------------------------------------------------------------------
extern "C" __global__ void layer_norm(const float* __restrict__ x,
                                      const float* __restrict__ gamma,
                                      const float* __restrict__ beta,
                                      float* __restrict__ y,
                                      int rows, int cols, float eps)
{
    // TODO(20): the row this block normalises
    const int row = ;
    // A whole block returns together, so returning before a __syncthreads() is safe here.
    if (row >= rows) return;

    // TODO(21): the first element of this row in x (the offset can outgrow an int)
    const float* xr = ;
    // TODO(22): the first element of this row in y
    float* yr = ;

    // TODO(23): the condition under which every row starts on a 16-byte boundary
    if () {
        normalize_row<4>(xr, gamma, beta, yr, cols, eps);
    } else {
        normalize_row<1>(xr, gamma, beta, yr, cols, eps);
    }
}

// The launch geometry, evaluated at compile time for every test case (see tracks/README.md).
constexpr Launch launch(Problem p) {
    // TODO(24): the number of threads in one block
    constexpr unsigned threads = ;
    static_assert(threads % kWarp == 0, "block_sum needs whole warps");
    static_assert(threads <= 1024, "at most 1024 threads per block");

    // TODO(25): the number of blocks, so that every one of the p.rows rows has one
    const unsigned blocks = ;

    // TODO(26): the grid and block sizes in the returned Launch
    return Launch{};
}
