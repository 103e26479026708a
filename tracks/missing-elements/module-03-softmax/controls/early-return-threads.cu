// Control for missing-elements/03 - expected verdict: WRONG.
//
// What it demonstrates: an early return that tests the wrong index. One thread per row, and a
// guard copied from a kernel where threads walked the columns: `threadIdx.x >= cols` instead
// of `row >= rows`. The grid is big enough (ceil(rows / 256) blocks of 256 threads: 1 block of
// 256 threads for the 7 rows of the case `column`), but with cols = 1 only thread 0 passes the
// guard, so rows 1 to 6 keep kernelcoach's NaN sentinel. With cols >= 256 no thread returns
// and every row is right, which is why the module's cases include narrow rows (1 and 123
// columns). The diagnosis must blame the early return, not the grid: 256 threads for 7
// elements is enough to cover them (issue 11, point 3).

#include "kernelcoach.h"

extern "C" __global__ void softmax(const float* __restrict__ x, float* __restrict__ y, int rows,
                                   int cols) {
    const int row = blockIdx.x * blockDim.x + threadIdx.x;  // one row per thread
    // BUG: the guard tests the thread against the columns; it should be `row >= rows` alone.
    if (row >= rows || threadIdx.x >= cols) return;
    const float* xr = x + static_cast<long long>(row) * cols;
    float* yr = y + static_cast<long long>(row) * cols;

    float m = xr[0];  // a row has at least one element
    for (int j = 1; j < cols; ++j) m = fmaxf(m, xr[j]);

    float s = 0.0f;
    for (int j = 0; j < cols; ++j) s += expf(xr[j] - m);

    const float inv = 1.0f / s;
    for (int j = 0; j < cols; ++j) yr[j] = expf(xr[j] - m) * inv;
}

constexpr Launch launch(Problem p) {
    constexpr unsigned threads = 256;
    return Launch{.grid = {unsigned((p.rows + threads - 1) / threads)}, .block = {threads}};
}
