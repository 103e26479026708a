// Control for mastery/01, part glu - expected verdict: WRONG.
//
// What it demonstrates: a row of x is 2 cols floats long, not cols. This is the solution with
// row r of x taken at x + r * cols, the stride of y. Row r of y then takes floats r cols to
// (r + 1) cols of x as its values and the next cols floats as its gates: for even r those are
// row r / 2's values and gates (the right answer, for the wrong row), for odd r row
// (r - 1) / 2's gates and row (r + 1) / 2's values. Row 0 is right, so the cases of one row
// (one, row) pass. Every read stays inside x (the last is float (rows + 1) cols - 1, below
// 2 rows cols), so nothing faults and no guard zone is touched: only values are wrong, in
// every row but the first. A 1 x N case cannot tell the two strides apart; an N x 1 case can.
#include "kernelcoach.h"

#ifndef THREADS
#define THREADS 256
#endif

constexpr unsigned kThreads = THREADS;
constexpr unsigned kBlocksPerSm = unsigned(kc::device.max_threads_per_sm) / kThreads;
static_assert(kThreads % 32 == 0 && kThreads <= 1024, "whole warps, at most 1024 threads");
static_assert(kBlocksPerSm >= 1, "one block must fit on an SM");

// value * sigmoid(gate)
float glu1(float value, float gate) { return __fdividef(value, 1.0f + expf(-gate)); }

float4 glu4(float4 v, float4 g) {
    return make_float4(glu1(v.x, g.x), glu1(v.y, g.y), glu1(v.z, g.z), glu1(v.w, g.w));
}

extern "C" __global__ void __launch_bounds__(kThreads, kBlocksPerSm)
glu(const float* __restrict__ x, float* __restrict__ y, int rows, int cols)
{
    // Columns fit in an int (cols < 2^31); the row offsets r * 2 cols may not: 64 bits.
    const int col_stride = gridDim.x * kThreads;
    const int col_first = blockIdx.x * kThreads + threadIdx.x;

    if (cols % 4 == 0) {
        const int vecs = cols / 4;  // float4s per row of y, and per half row of x
        for (long long r = blockIdx.y; r < rows; r += gridDim.y) {
            const float4* value = reinterpret_cast<const float4*>(x + r * cols);  // the mistake: cols, not 2 cols
            const float4* gate = value + vecs;                                         // x[r][cols .. 2 cols)
            float4* out = reinterpret_cast<float4*>(y + r * cols);                     // y[r][0 .. cols)
#pragma unroll 1  // kept rolled: an unrolled copy costs registers, and the cap is 32
            for (int c = col_first; c < vecs; c += col_stride) out[c] = glu4(value[c], gate[c]);
        }
    } else {
        // Rows that are not whole float4s (cols = 1, 1001, 1003): one float at a time.
        for (long long r = blockIdx.y; r < rows; r += gridDim.y) {
            const float* value = x + r * cols;  // the mistake: cols, not 2 cols
            const float* gate = value + cols;
            float* out = y + r * cols;
#pragma unroll 1  // kept rolled: an unrolled copy costs registers, and the cap is 32
            for (int c = col_first; c < cols; c += col_stride) out[c] = glu1(value[c], gate[c]);
        }
    }
}

constexpr Launch launch(Problem p) {
    // x: enough blocks to cover one row's items (float4s or floats) once, at most a wave;
    // y: the rest of a wave, at most one block per row and at most 65535 (the limit of grid.y).
    constexpr long long wave = (long long)kc::device.sm_count * kBlocksPerSm;
    const long long items = p.cols % 4 == 0 ? p.cols / 4 : p.cols;
    long long bx = (items + kThreads - 1) / kThreads;
    if (bx > wave) bx = wave;
    if (bx < 1) bx = 1;
    long long by = wave / bx;
    if (by > p.rows) by = p.rows;
    if (by > 65535) by = 65535;
    if (by < 1) by = 1;
    return Launch{.grid = {unsigned(bx), unsigned(by)}, .block = {kThreads}};
}
