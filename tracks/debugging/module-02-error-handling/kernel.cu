// debugging/02, error handling: an embedding gather that trusts its inputs.
//
//     kernelcoach run debugging/02
//
// This kernel is complete, compiles and is fast on the inputs its author tried, and it is wrong:
// it trusts every index, every pointer's alignment, every size and every value it is given.
// kernelcoach's cases hand it what real callers do (an index out of range, a table that is a
// view with a wider row stride, pointers 4, 8 or 12 bytes past an aligned start, no rows at
// all, NaN in the table, a table of more than 2^31 elements) and each breaks it a different
// way. Find the bugs from the failing cases and what kernelcoach says of them, then fix them.
// README.md shows how, one worked session at a time; `kernelcoach hint debugging/02` gives
// hints one at a time.
//
// What it computes (the `embedding-gather` exercise, tracks/README.md section 12): out holds n
// rows of dim floats, row i a copy of table row index[i] times scale,
//
//     out[i * dim + j] = table[index[i] * ld + j] * scale       for 0 <= j < dim
//
// The table is rows x dim, row r starting at table + r * ld: ld >= dim is its row stride (the
// table may be a slice of a wider matrix; the ld - dim floats after each row are not ours).
// The contract for bad input, which the grader checks exactly:
//   - an index below 0 or at least rows is the caller's error: its output row is all zeros,
//     and *error ends 1. *error starts 0 (the caller zeroes it) and ends 0 when every index is
//     in range, whatever the table holds;
//   - NaN and Inf in the table are data: they are gathered and scaled like any other value
//     (NaN * scale is NaN);
//   - n may be 0: nothing to write, *error stays 0.
//
// Napkin math: each output float is one float written and, once per distinct row, one read, plus
// the indices: for the timed case (n = 65536 rows of dim = 1024 from a table of 100000 rows)
// 533 MB, about 0.124 ms at the H200's 4.3 TB/s copy rate. One warp per row
// reads a row in 128-byte lines (float4: 512 bytes per instruction across the warp), and a grid
// of 8 blocks per SM keeps every SM busy whatever n is.
#include "kernelcoach.h"

constexpr unsigned kThreads = 256;                 // 8 warps per block
constexpr unsigned kRowsPerBlock = kThreads / 32;  // one warp per output row at a time
constexpr unsigned kBlocksPerSm = 8;

// A float4 times a scalar, lane by lane.
__device__ float4 scaled(float4 v, float s) {
    return make_float4(v.x * s, v.y * s, v.z * s, v.w * s);
}

// A table value made safe to use: anything that is not a finite number is reported as an
// error and replaced by 0, so that one bad value cannot spread through the model.
__device__ float sanitized(float v, int* error) {
    if (!isfinite(v)) {
        *error = 1;
        return 0.0f;
    }
    return v;
}

// One output row: dst[j] = src[j] * scale for j < dim, by the 32 lanes of a warp.
__device__ void copy_row(const float* src, float* dst, int dim, float scale, int* error, int lane) {
    if (dim % 4 == 0) {
        // Whole float4s: four floats per load and per store.
        const float4* src4 = reinterpret_cast<const float4*>(src);
        float4* dst4 = reinterpret_cast<float4*>(dst);
        for (int j = lane; j < dim / 4; j += 32) {
            float4 v = src4[j];
            v.x = sanitized(v.x, error);
            v.y = sanitized(v.y, error);
            v.z = sanitized(v.z, error);
            v.w = sanitized(v.w, error);
            dst4[j] = scaled(v, scale);
        }
    } else {
        for (int j = lane; j < dim; j += 32) dst[j] = sanitized(src[j], error) * scale;
    }
}

extern "C" __global__ void gather(const float* __restrict__ table, const int* __restrict__ index,
                                  float* __restrict__ out, int* __restrict__ error, int n, int rows, int dim,
                                  int ld, float scale)
{
    // This warp's first output row, the warps of the grid, and this thread's lane.
    const unsigned first = blockIdx.x * kRowsPerBlock + threadIdx.x / 32;
    const unsigned warps = gridDim.x * kRowsPerBlock;
    const int lane = threadIdx.x % 32;

    // Every warp takes every warps-th row, up to the last one.
    const unsigned last = n - 1;
    for (unsigned i = first; i <= last; i += warps) {
        const int r = index[i];
        copy_row(table + r * ld, out + i * dim, dim, scale, error, lane);
    }
}

// A grid-stride loop: 8 blocks of 256 threads per SM, whatever n is.
constexpr Launch launch(Problem) {
    return Launch{.grid = {unsigned(kc::device.sm_count) * kBlocksPerSm}, .block = {kThreads}};
}
