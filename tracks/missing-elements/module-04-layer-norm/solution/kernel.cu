// missing-elements/04 - layer norm, the reference solution. For every row r of a row-major
// rows x cols matrix x:
//
//     mean_r = sum_j x[r][j] / cols
//     var_r  = sum_j (x[r][j] - mean_r)^2 / cols          (biased: divided by cols, not cols - 1)
//     y[r][j] = (x[r][j] - mean_r) * rsqrt(var_r + eps) * gamma[j] + beta[j]
//
// One block of 256 threads per row. Three sweeps over the row: (1) the sum, reduced over the
// block, gives the mean; (2) the sum of squared deviations from that mean, reduced over the
// block, gives the variance; (3) normalise, scale by gamma, shift by beta, store. Rows whose
// length is a multiple of 4 move as float4s (16 bytes per instruction); other rows one float
// at a time. The comments name the missing element each line fills in, numbered as in the
// starter.
//
//     kernelcoach run missing-elements/04    # grades your kernel.cu, not this file
//
// Napkin math for the timed case, 16384 rows x 4096 columns (256 MiB for x, 256 MiB for y):
//   bytes that must move  = read x once + write y once (+ 32 KiB of gamma and beta) = 537 MB
//   flops                 = about 8 per element, 8 bytes: 1 flop per byte - memory-bound by far
//                           (an H100 does ~67 fp32 TFLOP/s against 3.35 TB/s: ~20 flop/byte)
//   H100 SXM HBM3         = 3.35 TB/s peak, about 3.0 TB/s for a device-to-device copy
//   floor                 = 537 MB / 3.0 TB/s = about 0.18 ms
// A 16 KiB row is read three times but comes from DRAM only once: sweeps 2 and 3 find it in
// the SM's L1 (or, failing that, in the 50 MB L2). See the notes at normalize_row.

#include "kernelcoach.h"

constexpr int kWarp = 32;  // threads per warp on every NVIDIA GPU so far

// ---------------------------------------------------------------------------------------
// Pack<W>: W consecutive floats, moved by one load or store instruction.
// ---------------------------------------------------------------------------------------
// W = 4 is a float4: one 16-byte instruction, so a warp moves 512 bytes per load instead of
// 128, with a quarter of the instructions. It needs 16-byte alignment: every buffer starts on
// a 256-byte boundary (tracks/README.md, section 7), and a row starts at element row * cols,
// which is a multiple of 4 exactly when cols is. Hence the float4 path only when cols % 4 == 0.
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

// The sum of v over the 32 lanes of a warp; every lane gets the result.
// A butterfly: at each step every lane adds the value of the lane `offset` away (its lane
// number with one bit flipped: lane ^ offset), so after 5 steps (16, 8, 4, 2, 1) every lane
// holds the sum of all 32. Registers only: no shared memory, no barrier. Each lane adds the
// same two numbers (in swapped order, and fp32 addition is commutative), so every lane holds
// bitwise the same sum.
// The whole warp must call it together (0xffffffff: all 32 lanes take part).
float warp_sum(float v) {
    for (int offset = kWarp / 2; offset > 0; offset /= 2) {
        v += __shfl_xor_sync(0xffffffffu, v, offset);  // element 1: the partner lane's value
    }
    return v;
}

// The sum of v over the whole block; every thread gets the result. Every thread of the block
// must call it (it has barriers), and blockDim.x must be a multiple of 32 (launch() asserts).
//
// Two levels: each warp sums its 32 values with shuffles; the (at most 32) warp sums go
// through shared memory to warp 0, which sums them with shuffles again and writes the total
// back to shared memory, where every thread reads it.
float block_sum(float v) {
    __shared__ float partial[kWarp];  // (32,): one per warp; a block has at most 1024/32 = 32
    __shared__ float total;           // the block's sum, for every thread to read

    const int lane = threadIdx.x % kWarp;   // my place in my warp:  0 .. 31
    const int warp = threadIdx.x / kWarp;   // my warp in the block: 0 .. warps - 1
    const int warps = blockDim.x / kWarp;   // 8 for 256 threads

    v = warp_sum(v);                        // every lane: the sum of its warp
    if (lane == 0) partial[warp] = v;       // element 2: one value per warp into shared memory

    // element 3: barrier. Warp 0 is about to read every warp's partial: all of them must have
    // been written first. Shared memory is only coherent between warps across a barrier.
    __syncthreads();

    if (warp == 0) {
        // element 4: one partial per lane; lanes past the last warp add nothing (0).
        v = lane < warps ? partial[lane] : 0.0f;
        v = warp_sum(v);
        if (lane == 0) total = v;
    }

    // element 5: barrier. Every thread is about to read `total`: warp 0 must have written it.
    __syncthreads();

    // element 6: the broadcast - one shared-memory word read by every thread.
    const float result = total;

    // Why no third barrier before returning? The next call writes partial[] only after this
    // barrier, when warp 0 has finished reading partial[] (it read them before writing total).
    // And it writes `total` only after its own first barrier, which every thread reaches only
    // after it has read `total` here. So two barriers per call are enough.
    return result;
}

// ---------------------------------------------------------------------------------------
// One row: mean, variance, normalise + affine. W = 4 (float4) or 1 (float).
// ---------------------------------------------------------------------------------------
// Every thread of the block calls this for the same row (block_sum has barriers).
//
// Why reading the row three times costs one DRAM read: a row is cols * 4 bytes, 16 KiB at
// cols = 4096. An H100 SM holds 8 blocks of 256 threads, so at most 8 rows (128 KiB) are in
// use per SM, and the SM has 256 KiB of L1/shared memory, of which this kernel uses 132 bytes
// as shared memory. Sweep 1 brings the row from DRAM into L1 (and L2); sweeps 2 and 3, a few
// microseconds later, find it there. Even if L1 evicts it, the rows in use on the whole GPU
// (132 SMs x 8 x 16 KiB = 17 MB) fit in the 50 MB L2. L1 traffic per row: 16 (sweep 1) +
// 16 (sweep 2) + 48 KiB (sweep 3: x, gamma, beta) = 80 KiB, at 128 bytes per clock = 640
// clocks; 124 rows per SM = 80k clocks = ~45 us at 1.75 GHz, a quarter of the DRAM time
// (0.18 ms), and it overlaps with it. (Holding the row in registers instead is exercise 5 of
// the README.)
template <int W>
void normalize_row(const float* __restrict__ x,      // this row of x: cols floats
                   const float* __restrict__ gamma,  // cols floats
                   const float* __restrict__ beta,   // cols floats
                   float* __restrict__ y,            // this row of y: cols floats
                   int cols, float eps)
{
    const int packs = cols / W;  // the caller guarantees that W divides cols

    // elements 7-8, the block-strided loop: thread t takes packs t, t + 256, t + 512, ... so
    // at every step the 32 threads of a warp touch 32 consecutive packs (coalesced: 512
    // contiguous bytes for float4s). At cols = 4096 a row is 1024 float4s: 4 per thread. At
    // cols = 1 only thread 0 has a pack; the others add nothing and still join the barriers.
    const int first = threadIdx.x;   // element 7: my first pack
    const int stride = blockDim.x;   // element 8: threads in the block

    // Sweep 1: the mean. Each thread sums its packs in fp32, then the block sums the threads.
    // `#pragma unroll 4` lets the compiler issue up to 4 loads before the first add, so each
    // thread has up to 64 bytes in flight: with 2048 threads per SM that is far more than the
    // ~15 KB per SM that Little's law asks for (3.35 TB/s x ~600 ns / 132 SMs, module 01).
    float sum = 0.0f;
#pragma unroll 4
    for (int i = first; i < packs; i += stride) {
        const Pack<W> a = load<W>(x, i);
#pragma unroll
        for (int k = 0; k < W; ++k) {
            sum += a.v[k];  // element 9: the thread's own running sum
        }
    }
    // element 10: the mean. cols is converted to float exactly (cols < 2^24).
    const float mean = block_sum(sum) / cols;

    // Sweep 2: the variance, as the mean of squared deviations from the mean just computed.
    // This is the second pass that the one-pass formula E[x^2] - E[x]^2 saves, and what it
    // buys: for a row with mean 1e4 and spread 1, x^2 is about 1e8, where the spacing of fp32
    // numbers is 8, so E[x^2] - E[x]^2 subtracts two numbers near 1e8 that are each uncertain
    // by more than the variance itself (1). Here each deviation x - mean is about 1 and
    // computed exactly (x and mean are within a factor of 2 of each other, so the
    // subtraction is exact: Sterbenz's lemma); its square keeps all 24 bits. The mean's own
    // rounding error d enters the variance only as d^2: sum (x - mean - d)^2 / n = var + d^2.
    float sq = 0.0f;
#pragma unroll 4
    for (int i = first; i < packs; i += stride) {
        const Pack<W> a = load<W>(x, i);  // from L1: this block read it a moment ago
#pragma unroll
        for (int k = 0; k < W; ++k) {
            const float d = a.v[k] - mean;  // element 11: the deviation
            sq += d * d;                    // element 12: its square, summed
        }
    }
    // element 13: the biased variance - divided by cols, the number of elements, as layer
    // norm (and PyTorch's nn.LayerNorm) defines it. cols - 1 would be the unbiased estimate of
    // a population's variance: a different quantity. It makes every (x - mean) * rstd too small
    // by a factor sqrt(6/7), 7.4%, in a 7-column row, and gives 0/0 for a 1-column row.
    const float var = block_sum(sq) / cols;

    // element 14: eps. A constant row (or a 1-column row) has variance exactly 0, and without
    // eps the next line would be rsqrt(0) = inf, and (x - mean) * inf = 0 * inf = NaN. With
    // eps = 1e-5: rsqrt(1e-5) = 316, y = 0 * 316 * gamma + beta = beta.
    const float var_eps = var + eps;
    // element 15: 1 / sqrt(var + eps) in one instruction (MUFU.RSQ, at most 2 ulp off). Once
    // per row it costs nothing either way; multiplying by it below is cheaper than dividing
    // every element by sqrt(var + eps).
    const float rstd = rsqrtf(var_eps);

    // Sweep 3: normalise, scale, shift, store. gamma and beta (16 KiB each at cols = 4096) are
    // the same for every row: after the first rows they live in L1 and L2, and only x's
    // sweep-1 read and this y store reach DRAM.
#pragma unroll 2
    for (int i = first; i < packs; i += stride) {
        const Pack<W> a = load<W>(x, i);      // L1 again
        const Pack<W> g = load<W>(gamma, i);  // column j's scale
        const Pack<W> b = load<W>(beta, i);   // column j's shift
        Pack<W> out;
#pragma unroll
        for (int k = 0; k < W; ++k) {
            const float xhat = (a.v[k] - mean) * rstd;  // element 16: mean 0, variance ~1
            const float scaled = xhat * g.v[k];         // element 17: times gamma[j]
            out.v[k] = scaled + b.v[k];                 // element 18: plus beta[j] (one FMA
                                                        //   with the line above)
        }
        store<W>(y, i, out);  // element 19: coalesced store, the only DRAM write
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
    // element 20: block k normalises row k (the grid has exactly `rows` blocks).
    const int row = blockIdx.x;
    // Never true with this launch(); kept so that a larger grid stays safe. Returning early
    // before a __syncthreads() is only allowed because the whole block returns together.
    if (row >= rows) return;

    // elements 21-22: where the row starts, in 64 bits. row * cols is 67,108,864 at the last
    // row of the timed case - fine in an int - but 2^31 elements (8 GiB of floats) overflows
    // an int product, so compute it as size_t.
    const float* xr = x + size_t(row) * cols;
    float* yr = y + size_t(row) * cols;

    // element 23: float4s only when every row starts on a 16-byte boundary, i.e. when cols is
    // a multiple of 4. (cols = 1025: row 1 starts 4100 bytes in, not a multiple of 16 - a
    // float4 load there is a misaligned-address fault.) The condition is the same for every
    // thread of every block, so the whole grid takes one branch.
    if (cols % 4 == 0) {
        normalize_row<4>(xr, gamma, beta, yr, cols, eps);
    } else {
        normalize_row<1>(xr, gamma, beta, yr, cols, eps);
    }
}

// The launch geometry, evaluated by the compiler for every test case.
constexpr Launch launch(Problem p) {
    // element 24: 256 threads = 8 warps. At cols = 4096 a thread handles 4 float4s per sweep;
    // an H100 SM holds 8 such blocks (2048 threads), so 8 rows are in flight per SM and
    // while one block waits at a barrier the other 7 keep the memory busy. 1024-thread blocks
    // would put only 2 rows on an SM, and a barrier stalls half of it.
    constexpr unsigned threads = 256;
    static_assert(threads % kWarp == 0, "block_sum needs whole warps");
    static_assert(threads <= 1024, "at most 1024 threads per block");

    // element 25: one block per row. 16384 rows = 16384 blocks: 15.5 waves of 1056 blocks
    // (132 SMs x 8) on an H100 - enough that the last, partial wave costs ~3%.
    const unsigned blocks = unsigned(p.rows);

    // element 26: a 1D grid of one block per row; the block_sum arrays are static shared
    // memory, so no dynamic shared memory is needed (shared_bytes keeps its default, 0).
    return Launch{.grid = {blocks}, .block = {threads}};
}
