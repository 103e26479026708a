// Control for debugging/03 - expected verdict: TOO_SLOW.
//
// What it demonstrates: a warp per row is not enough; the lanes must interleave. Here each lane
// takes a contiguous chunk of its row: lane l adds columns l x chunk to (l + 1) x chunk - 1,
// chunk = ceil(cols / 32). It has the solution's launch (a warp per row, 16384 warps for the
// timed case) and its correct shuffle reduction, and it reads every byte once, but at each step
// the 32 lanes read 32 floats `chunk` floats apart (512 bytes for cols = 4096): 32 different
// lines, 32 sectors per load instruction, 4 bytes used of each: the starter's pattern, turned
// by 90 degrees. Which threads share a row does not matter to the memory system; which
// addresses one load instruction of a warp touches does.
#include "kernelcoach.h"

constexpr unsigned kWarpsPerBlock = 8;
constexpr unsigned kThreads = kWarpsPerBlock * 32;

__device__ float warp_sum(float v) {
    for (int offset = 16; offset > 0; offset /= 2) v += __shfl_down_sync(0xffffffffu, v, offset);
    return v;
}

extern "C" __global__ void row_sum(const float* __restrict__ x, float* __restrict__ out, int rows, int cols)
{
    const int lane = threadIdx.x % 32;
    const int r = blockIdx.x * kWarpsPerBlock + threadIdx.x / 32;  // this warp's row
    if (r >= rows) return;                                         // whole warps return

    const float* row = x + (long long)r * cols;
    const int chunk = (cols + 31) / 32;                            // columns per lane
    const int begin = min(lane * chunk, cols), end = min(begin + chunk, cols);
    float acc = 0.0f;
    for (int c = begin; c < end; ++c) acc += row[c];               // lane l: its own chunk, in order
    acc = warp_sum(acc);
    if (lane == 0) out[r] = acc;
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.rows + kWarpsPerBlock - 1) / kWarpsPerBlock)}, .block = {kThreads}};
}
