// mastery/01, part glu - the reference solution: y[r][c] = x[r][c] * sigmoid(x[r][cols + c]).
//
//     kernelcoach run mastery/01/glu                   # grades your glu.cu, not this file
//     kernelcoach run mastery/01/glu --file tracks/mastery/module-01-custom-kernels/solution/glu.cu
//
// Each row r of x is [ values (cols floats) | gates (cols floats) ]; row r of y is cols floats:
//
//     x row r:  [ v0 v1 ... v(cols-1) | g0 g1 ... g(cols-1) ]     at x + r * 2 cols
//     y row r:  [ v0 s(g0)  v1 s(g1)  ...  v(cols-1) s(g(cols-1)) ] at y + r * cols
//
// So a row is three contiguous streams, values, gates and outputs, and column c of all three
// can be read with the same index: a thread handles column c of a row's three streams. The
// grid is two-dimensional, with no division in the kernel:
//   - blockIdx.y picks rows r = blockIdx.y, + gridDim.y, ... (a grid-stride loop over rows);
//   - blockIdx.x and threadIdx.x pick columns, in a grid-stride loop along the row;
//   - when cols is a multiple of 4, every row of x, its gate half and every row of y start on
//     a 16-byte boundary (x and y start on 256 bytes; 2 cols, cols and cols floats are whole
//     float4s), so the columns go 4 at a time, as float4s; otherwise one at a time.
// The timed case, cols = 8192, is the float4 path: 2048 float4s per row, a grid of 8 x 132 =
// 1056 blocks of 256 (one wave), each thread one float4 of values, one of gates and one of y
// per row, 124 or 125 rows.
//
// Napkin math for the timed case, 16384 x 8192:
//   bytes    = 12 per output (value, gate, y): 12 x 2^27 = 1.61 GB
//   H200     : ~4.3 TB/s for a copy -> about 375 us; the gate (80%) allows about 468 us
//   in flight: two float4 loads per thread per row, 2048 x 32 B = 64 KiB per SM, twice what
//              Little's law asks (~32 KiB)
//   indices  : r * 2 cols reaches 2^28 here, and passes 2^31 for rows x cols > 2^30: 64 bits.
//
// The sigmoid: 1 / (1 + exp(-g)); v * sigmoid(g) is written v / (1 + exp(-g)), one division,
// with the accurate expf and the fast __fdividef (solution/swish.cu says why: the IEEE `/`
// would spill registers under the 32-register cap). __expf is within the bound too
// (controls/glu-fast-math.cu).
//
// tune: THREADS=128,256,512
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
            const float4* value = reinterpret_cast<const float4*>(x + r * 2 * cols);  // x[r][0 .. cols)
            const float4* gate = value + vecs;                                         // x[r][cols .. 2 cols)
            float4* out = reinterpret_cast<float4*>(y + r * cols);                     // y[r][0 .. cols)
#pragma unroll 1  // kept rolled: an unrolled copy costs registers, and the cap is 32
            for (int c = col_first; c < vecs; c += col_stride) out[c] = glu4(value[c], gate[c]);
        }
    } else {
        // Rows that are not whole float4s (cols = 1, 1001, 1003): one float at a time.
        for (long long r = blockIdx.y; r < rows; r += gridDim.y) {
            const float* value = x + r * 2 * cols;
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
