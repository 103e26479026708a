// debugging/03, performance profiling: the sum of every row of a matrix.
//
//     kernelcoach run debugging/03
//     kernelcoach bench debugging/03 --ncu
//
// This kernel is complete, it compiles, and it is correct: every case passes its check. This
// module also has a speed gate: the timed case (16384 x 4096) must run at 80% or more of your
// GPU's speed of light, a device-to-device copy of the same bytes. Measure it (run, bench,
// bench --ncu), name what limits it from the numbers, then make it fast enough. README.md
// shows how, one worked profiling session at a time; `kernelcoach hint debugging/03` gives
// hints one at a time.
//
// What it computes (the `row-sum` exercise). x is rows x cols floats, row by row: element
// (row r, column c) is x[r * cols + c]. Each output is the sum of one row,
//
//     out[r] = x[r][0] + x[r][1] + ... + x[r][cols - 1]
//
// The inputs are small integers (+-1 to +-8), so every order of adding them gives the exact
// sum, and the check is exact.
//
// Napkin math: every element of x is read once (4 bytes) and every row writes one float:
// 4 (rows x cols + rows) bytes. The timed case reads 16384 x 4096 x 4 = 256 MiB and writes
// 64 KiB: 268.5 MB. A copy of that many bytes takes about 63 us on an H200 (~4.3 TB/s) and
// 90 us on an H100 (~3.0 TB/s); the gate asks for 80% of the copy's rate, a time of at most
// 1.25 times the copy's (estimates: kernelcoach measures the copy on your GPU).
#include "kernelcoach.h"

// Threads per block: 8 warps, a common default.
constexpr unsigned kThreads = 256;
static_assert(kThreads % 32 == 0, "whole warps");

extern "C" __global__ void row_sum(const float* __restrict__ x, float* __restrict__ out, int rows, int cols)
{
    // One thread per row: each thread owns one output, so no thread needs another's result
    // (no shared memory, no barrier, no shuffle, no atomic).
    const int r = blockIdx.x * blockDim.x + threadIdx.x;
    if (r >= rows) return;

    // This thread's row, read from its first column to its last, into one register.
    const float* row = x + (long long)r * cols;
    float acc = 0.0f;
    for (int c = 0; c < cols; ++c) acc += row[c];
    out[r] = acc;
}

// A 1D grid: ceil(rows / 256) blocks of 256 threads, one thread per row.
constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.rows + kThreads - 1) / kThreads)}, .block = {kThreads}};
}
