// missing-elements/03 - softmax, the reference solution:
//     y[r][j] = exp(x[r][j] - max_r) / sum_k exp(x[r][k] - max_r)   for every row r.
//
// One block of 256 threads per row. Three passes over the row: (1) the row max, reduced over
// the block; (2) the sum of exp(x - max), reduced over the block; (3) the normalised write.
// Each block reduction is a warp shuffle (32 lanes -> 1, no memory) followed by one slot per
// warp in shared memory. Rows whose length is a multiple of 4 are read and written as float4
// packs of 16 bytes; the others one float at a time. The comments name the missing element
// each line fills in, numbered as in the starter.
//
//     kernelcoach run missing-elements/03    # grades your kernel.cu, not this file
//
// Napkin math for the timed case, 16384 rows x 4096 columns (256 MiB per buffer):
//   DRAM traffic  = read x once + write y once = 8 bytes per element = 537 MB
//   H100 SXM HBM3: 3.35 TB/s peak, about 2.95 TB/s for a device-to-device copy
//   floor         = 537 MB / 2.95 TB/s = 0.18 ms; 80% of the copy rate is 0.23 ms
// Passes 2 and 3 read the row again, but a row is 4096 x 4 = 16 KiB, and the 8 blocks an SM
// holds at a time read 8 x 16 KiB = 128 KiB, which stays in the SM's L1 cache (up to 256 KiB,
// shared with shared memory, of which this kernel uses 64 bytes): the re-reads cost L1
// bandwidth, not DRAM bandwidth. Instructions: at 2.95 TB/s an SM's share is 22 bytes per ns,
// so a row's 32 KiB (16 in, 16 out) take 1.5 us, 2600 cycles at 1.75 GHz, in which the SM's 4
// schedulers issue 10 400 warp instructions: 80 thread instructions per element. The work (a
// max, two expf of about 9 instructions each, an add, a multiply, a share of the loads and
// stores) is about 25 per element: the kernel stays memory-bound, and computing each exp twice
// (passes 2 and 3) costs less than storing it and reading it back.

#include "kernelcoach.h"
#include <cuda/std/limits>  // numeric_limits, for infinity

// element 1: 256 threads = 8 warps per block. An SM holds at most 2048 threads: 8 of these
// blocks, i.e. 8 rows in flight per SM, 16 KiB each: enough bytes in flight to keep HBM busy
// (see the README's napkin math), and few enough that the rows stay in L1 for the second and
// third passes. 4096 columns = 1024 float4 packs = 4 per thread per pass.
constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;  // one shared-memory slot per warp in the reductions
static_assert(kThreads % 32 == 0, "whole warps: the shuffles use all 32 lanes");
static_assert(kThreads <= 1024, "at most 1024 threads per block");

// max(-inf, v) == v for every float v: the value a max starts from, and what the max of a
// thread that owns no element of the row (cols < kThreads) must stay.
constexpr float kNegInf = -cuda::std::numeric_limits<float>::infinity();

// W consecutive floats of a row, moved by one load or one store. Pack<4> is 16 bytes with
// 16-byte alignment, so the compiler emits one 128-bit access (like a float4): a warp moves
// 512 bytes per instruction instead of 128. Pack<1> is a plain float.
template <int W>
struct alignas(4 * W) Pack {
    float v[W];
};

// The max over the 32 lanes of a warp, in every lane. A butterfly: at each step lane l takes
// the value of lane l ^ offset (offset = 16, 8, 4, 2, 1), so after log2(32) = 5 steps every
// lane has combined all 32 values, in registers, with no shared memory and no barrier.
float warp_max(float v) {
    for (int offset = 16; offset > 0; offset /= 2) {
        v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));  // element 2
    }
    return v;
}

// The sum over the 32 lanes of a warp, in every lane; the same butterfly. Every lane adds the
// same values in the same order, so all 32 lanes end with the bit-identical sum.
float warp_sum(float v) {
    for (int offset = 16; offset > 0; offset /= 2) {
        v += __shfl_xor_sync(0xffffffffu, v, offset);  // element 3
    }
    return v;
}

// The softmax of one row, by one whole block. W = 4 when every row starts on a 16-byte
// boundary (cols % 4 == 0), else W = 1. W divides cols, so a row is exactly cols / W packs:
// there is no partial pack to handle.
template <int W>
void softmax_row(const float* __restrict__ x, float* __restrict__ y, int cols) {
    // element 4: shared memory, one float per warp: each warp's partial max, then its partial
    // sum. 8 floats = 32 bytes per block.
    __shared__ float partial[kWarps];

    // element 5: one block per row, so the block's index is the row's index.
    const int row = blockIdx.x;
    // element 6: rows are cols floats apart (row-major). In 64 bits: rows * cols fits an int
    // for every case of this module, but a 50000 x 50000 matrix would not.
    const long long first = static_cast<long long>(row) * cols;

    const Pack<W>* in = reinterpret_cast<const Pack<W>*>(x + first);  // (packs) of x's row
    Pack<W>* out = reinterpret_cast<Pack<W>*>(y + first);             // (packs) of y's row
    const int packs = cols / W;
    const int lane = threadIdx.x % 32;  // position in the warp
    const int warp = threadIdx.x / 32;  // which warp of the block

    // ---- pass 1: the row max (reads the row from DRAM) ----
    // Without it, exp(x) overflows to inf for x > 88.7 and the row becomes inf / inf = NaN.
    // Subtracting the max makes every exponent <= 0: every exp is in (0, 1], and the largest
    // is exactly 1, so the sum is at least 1 and at most cols.
    float m = kNegInf;  // element 7: the identity of max (a thread with no element keeps it)
    // element 8: a block-stride loop. Thread t takes packs t, t + 256, t + 512, ...: at each
    // step the 256 threads read 256 consecutive packs (4 KiB with float4), coalesced.
    // 4096 columns = 1024 packs = 4 per thread. Unrolled by 4 so that a thread has 4 loads
    // (64 bytes) in flight before it needs the first: 2048 threads x 64 B = 128 KB per SM,
    // far more than the ~16 KB it takes to cover DRAM latency at full bandwidth.
#pragma unroll 4
    for (int i = threadIdx.x; i < packs; i += kThreads) {
        const Pack<W> p = in[i];
#pragma unroll
        for (int k = 0; k < W; ++k) {
            m = fmaxf(m, p.v[k]);  // element 9: this thread's max
        }
    }
    m = warp_max(m);                  // element 10: this warp's max, in all its lanes
    if (lane == 0) partial[warp] = m; // element 11: one lane per warp publishes it
    // element 12: every warp's slot must be written before any thread reads the slots.
    // Without this barrier a fast warp reads the slots of slow warps before they are written
    // (stale values: the partial sums of the previous row that used this shared memory).
    __syncthreads();
    // element 13: the row max, in every thread: each thread combines the 8 slots itself (all
    // threads read the same addresses: a shared-memory broadcast, no bank conflict). All do
    // it in the same order, so all get the same value.
    m = partial[0];
    for (int w = 1; w < kWarps; ++w) m = fmaxf(m, partial[w]);
    // element 14: partial[] is overwritten by the sum below. Without this barrier a warp that
    // finishes pass 2 early overwrites its slot while a slow warp is still reading the maxes.
    // (Rarely hit, so it can pass many runs: a race.)
    __syncthreads();

    // ---- pass 2: the sum of exp(x - max) (re-reads the row, from L1) ----
    float s = 0.0f;
    for (int i = threadIdx.x; i < packs; i += kThreads) {  // element 15: the same loop
        const Pack<W> p = in[i];
#pragma unroll
        for (int k = 0; k < W; ++k) {
            const float e = expf(p.v[k] - m);  // element 16: <= 1, never overflows
            s += e;                            // element 17: this thread's sum
        }
    }
    s = warp_sum(s);                   // element 18: this warp's sum
    if (lane == 0) partial[warp] = s;  // element 19: published in the warp's slot
    // element 20: as element 12: all slots written before any is read.
    __syncthreads();
    // element 21: the row sum, in every thread, in the same order (bit-identical everywhere).
    // No barrier after this one: partial[] is not written again by this block.
    s = partial[0];
    for (int w = 1; w < kWarps; ++w) s += partial[w];

    // element 22: one division per thread, then a multiply per element. s >= 1 (the max's own
    // term is exp(0) = 1), so 1 / s is finite and never a division by zero.
    const float inv = 1.0f / s;

    // ---- pass 3: the normalised write (re-reads the row from L1, writes y to DRAM) ----
    for (int i = threadIdx.x; i < packs; i += kThreads) {  // element 23: the same loop
        const Pack<W> p = in[i];
        Pack<W> q;
#pragma unroll
        for (int k = 0; k < W; ++k) {
            q.v[k] = expf(p.v[k] - m) * inv;  // element 24: the same exp as pass 2, scaled
        }
        out[i] = q;  // element 25: the store, coalesced like the loads
    }
}

// The entry kernel: picks the pack width for this matrix and normalises this block's row.
// rows is not needed: launch() gives exactly one block per row, so no block is past the end.
extern "C" __global__ void softmax(const float* __restrict__ x, float* __restrict__ y, int rows,
                                   int cols) {
    // element 26: buffers start on a 256-byte boundary and row r starts r * cols floats in, so
    // every row starts on a 16-byte boundary exactly when cols is a multiple of 4. Then (and
    // only then) a row can be read as float4 packs; cols = 5 puts row 1 at byte 20.
    if (cols % 4 == 0) {
        softmax_row<4>(x, y, cols);
    } else {
        softmax_row<1>(x, y, cols);
    }
}

// The launch geometry, evaluated by the compiler for every test case.
constexpr Launch launch(Problem p) {
    // element 27: one block per row (16384 rows -> 16384 blocks, 124 per SM on an H100), of
    // kThreads threads: the count the kernel's loops and slots assume.
    return Launch{.grid = {unsigned(p.rows)}, .block = {unsigned(kThreads)}};
}
