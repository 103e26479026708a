// missing-elements/03 - softmax over the rows of a rows x cols matrix (row-major):
//     y[r][j] = exp(x[r][j] - max_r) / sum_k exp(x[r][k] - max_r)
// where max_r is the largest element of row r.
//
// What it teaches: a numerically stable softmax (why the row max is subtracted first), and
// the reduction of one row by one block of threads: a thread-local loop over the row, a warp
// reduction with shuffles (__shfl_xor_sync: registers only, no memory), then one slot per warp
// in shared memory with __syncthreads() around it. Twice: once for the max, once for the sum.
//
// This file has 27 missing elements. Each is marked with a numbered TODO comment that says
// WHAT is missing, not how to write it. As it stands the file does not compile. Fill them in,
// then run
//
//     kernelcoach run missing-elements/03
//
// and read the verdict: COMPILE_ERROR points at a line of this file; WRONG says which
// elements of y are wrong and how (NaN, never written, which rows). hints.md, beside this
// file, has one hint per group of TODOs; read them in order, one at a time. README.md
// explains every idea used here, and tracks/README.md states the rules this file must follow.
//
// Fixed by the module (kernelcoach launches the kernel by this name, with these arguments):
//     softmax(x, y, rows, cols)
//     x      rows * cols input floats         y      rows * cols output floats
//     row r is the floats [r * cols, (r + 1) * cols) of each buffer
//
// The plan: one block per row. Each block makes three passes over its row:
//     pass 1  the row max        thread max -> warp max (shuffles) -> block max (shared memory)
//     pass 2  the sum of exp(x - max), reduced the same way
//     pass 3  y = exp(x - max) / sum
// Rows whose length is a multiple of 4 are read 4 floats at a time (a Pack<4>, 16 bytes);
// the others one float at a time (a Pack<1>). The same code handles both.

#include "kernelcoach.h"
#include <cuda/std/limits>  // numeric_limits, for infinity

// TODO(1): the number of threads in one block: whole warps, 8 of them is a good start
constexpr int kThreads = ;
constexpr int kWarps = kThreads / 32;  // one shared-memory slot per warp in the reductions
static_assert(kThreads % 32 == 0, "whole warps: the shuffles use all 32 lanes");
static_assert(kThreads <= 1024, "at most 1024 threads per block");

// max(-inf, v) == v for every float v.
constexpr float kNegInf = -cuda::std::numeric_limits<float>::infinity();

// W consecutive floats of a row, moved by one load or one store. Pack<4> is 16 bytes with
// 16-byte alignment, so the compiler emits one 128-bit access (like a float4); Pack<1> is a
// plain float.
template <int W>
struct alignas(4 * W) Pack {
    float v[W];
};

// The max over the 32 lanes of a warp, in every lane: 5 butterfly steps, offset 16, 8, 4, 2, 1.
float warp_max(float v) {
    for (int offset = 16; offset > 0; offset /= 2) {
        // TODO(2): the larger of v and the v held by the lane whose index differs from this
        // lane's in the bit `offset`
        v = ;
    }
    return v;
}

// The sum over the 32 lanes of a warp, in every lane: the same butterfly.
float warp_sum(float v) {
    for (int offset = 16; offset > 0; offset /= 2) {
        // TODO(3): the sum of v and the v held by the lane whose index differs from this
        // lane's in the bit `offset`
        v = ;
    }
    return v;
}

// The softmax of one row, by one whole block. W = 4 or 1, and W divides cols, so a row is
// exactly cols / W packs.
template <int W>
void softmax_row(const float* __restrict__ x, float* __restrict__ y, int cols) {
    // TODO(4): a float per warp, shared by the whole block: each warp's partial max, later its
    // partial sum
    float partial[];

    // TODO(5): the row this block normalises
    const int row = ;
    // TODO(6): the index of the row's first element in x and in y, computed in 64 bits
    const long long first = ;

    const Pack<W>* in = reinterpret_cast<const Pack<W>*>(x + first);  // the row of x, as packs
    Pack<W>* out = reinterpret_cast<Pack<W>*>(y + first);             // the row of y, as packs
    const int packs = cols / W;
    const int lane = threadIdx.x % 32;  // position in the warp
    const int warp = threadIdx.x / 32;  // which warp of the block

    // ---- pass 1: the row max ----
    // TODO(7): the value this thread's max starts from (what it must stay for a thread that
    // gets no element of the row)
    float m = ;
    // TODO(8): this thread's packs: its own first pack, then every kThreads-th one after it
#pragma unroll 4
    for (int i = ; i < packs; i += ) {
        const Pack<W> p = in[i];
#pragma unroll
        for (int k = 0; k < W; ++k) {
            // TODO(9): fold the pack's value k into this thread's max
        }
    }
    // TODO(10): the max over this warp's 32 lanes
    m = ;
    // TODO(11): one lane of each warp stores the warp's max in the warp's slot of partial

    // TODO(12): the barrier after which every warp's slot holds its max

    // TODO(13): the row max, in every thread: the max of the kWarps slots, combined in the same
    // order by every thread
    m = ;
    // TODO(14): the barrier after which no thread still reads the slots, so that pass 2 may
    // overwrite them

    // ---- pass 2: the sum of exp(x - max) ----
    float s = 0.0f;
    // TODO(15): the same loop over this thread's packs as in pass 1
    for (int i = ; i < packs; i += ) {
        const Pack<W> p = in[i];
#pragma unroll
        for (int k = 0; k < W; ++k) {
            // TODO(16): the exponential of the pack's value k, shifted by the row max
            const float e = ;
            // TODO(17): add it to this thread's sum
        }
    }
    // TODO(18): the sum over this warp's 32 lanes
    s = ;
    // TODO(19): one lane of each warp stores the warp's sum in the warp's slot of partial

    // TODO(20): the barrier after which every warp's slot holds its sum

    // TODO(21): the row sum, in every thread: the sum of the kWarps slots, added in the same
    // order by every thread
    s = ;

    // TODO(22): what each exponential is multiplied by to normalise the row
    const float inv = ;

    // ---- pass 3: the normalised write ----
    // TODO(23): the same loop over this thread's packs
    for (int i = ; i < packs; i += ) {
        const Pack<W> p = in[i];
        Pack<W> q;
#pragma unroll
        for (int k = 0; k < W; ++k) {
            // TODO(24): the softmax of the pack's value k
            q.v[k] = ;
        }
        // TODO(25): the store of the pack q into the row of y
    }
}

// The entry kernel: picks the pack width for this matrix and normalises this block's row.
extern "C" __global__ void softmax(const float* __restrict__ x, float* __restrict__ y, int rows,
                                   int cols) {
    // TODO(26): the condition under which every row starts on a 16-byte boundary, so that rows
    // can be read as Pack<4> (buffers start on a 256-byte boundary)
    if () {
        softmax_row<4>(x, y, cols);
    } else {
        softmax_row<1>(x, y, cols);
    }
}

// The launch geometry, evaluated at compile time for every test case (see tracks/README.md).
constexpr Launch launch(Problem p) {
    // TODO(27): the grid (one block per row) and the block (kThreads threads) of the returned
    // Launch
    return Launch{};
}
