// mastery/01, part glu: a gated linear unit, written from a blank kernel.
//
//     kernelcoach run mastery/01/glu
//     kernelcoach hint mastery/01/glu               # hints, one at a time
//
// The spec (exercise glu):
//
//     y[r][c] = x[r][c] * sigmoid(x[r][cols + c]),   0 <= r < rows, 0 <= c < cols
//     sigmoid(g) = 1 / (1 + exp(-g))
//
//   - x is rows x (2 cols), row-major: each row of x holds the row's VALUES in its first
//     half and its GATES in its second half; element (r, k) of x is x[r * 2 cols + k];
//   - y is rows x cols, row-major: element (r, c) of y is y[r * cols + c];
//   - x is uniform in [-6, 6);
//   - the check: float64 truth, and a bound of a few fp32 roundings of the product, wide
//     enough for the fast-math __expf and __fdividef; half precision, or a gate and value
//     mixed up, is far past it;
//   - the cases: 1 x 1, 1 x 1003, 1003 x 1, 3 x 1001, 33 x 1024, 1001 x 1003 and the timed
//     16384 x 8192. x and y start on 256-byte boundaries; a row of x or y starts on a 16-byte
//     boundary only when cols is a multiple of 4.
//
// Napkin math for the timed case, 16384 x 8192 (x: 1 GiB, y: 512 MiB):
//   bytes  = 4 (value) + 4 (gate) + 4 (write y) = 12 per output: 12 x 2^27 = 1.61 GB
//   flops  = an exp, an add, a divide, a multiply per output: a few per 12 bytes, still far
//            below what the SMs can do in the time of the bytes: memory-bound
//   H200   : a copy runs at about 4.3 TB/s: 1.61 GB / 4.3 TB/s = about 375 us
//   gate   : 80% of the copy's rate: about 468 us
//
// The body below is empty: nothing writes y, and the verdict is WRONG. Write the kernel, and
// change launch() to the geometry your kernel wants (it must be a legal launch for every
// case). Products such as r * 2 * cols can pass 2^31 for large matrices: compute them in
// 64 bits (long long).
#include "kernelcoach.h"

extern "C" __global__ void glu(const float* x, float* y, int rows, int cols)
{
}

constexpr Launch launch(Problem p) {
    constexpr unsigned threads = 256;
    return Launch{.grid = {unsigned((p.rows * p.cols + threads - 1) / threads)}, .block = {threads}};
}
