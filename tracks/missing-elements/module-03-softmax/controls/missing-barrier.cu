// Control for missing-elements/03 - expected verdict: WRONG.
//
// What it demonstrates: a missing __syncthreads(). Each warp's lane 0 writes its partial sum
// into partial[warp], and every thread then adds up all 8 slots - without waiting for the
// other warps to write theirs. A warp that gets there first reads the slots of slower warps
// while they still hold their partial MAXES (the previous use of partial[]), so its threads
// normalise by a wrong sum, and different warps of one row use different sums.
//
// A race is timing-dependent: no plain run is guaranteed to show it, and this one can pass a
// plain run. On a single short row it often comes out right: only warp 0 has elements, and the
// other warps publish their zeros long before it reads. It fails the larger cases reliably:
// when every warp has elements, the 8 warps of a block finish their loops tens to hundreds of
// cycles apart, and with thousands of rows some warp always reads too early. Another missing
// barrier can pass every plain run: leave out the one between the two reductions instead
// (element 14 of the solution), and a warp would have to finish a whole pass before a slow
// one has read 8 slots, which almost never happens. That is why kernelcoach will also run
// shared-memory kernels under compute-sanitizer's racecheck, which reports the unordered write
// and read whether or not they collided.

#include "kernelcoach.h"
#include <cuda/std/limits>  // numeric_limits, for infinity

constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;
constexpr float kNegInf = -cuda::std::numeric_limits<float>::infinity();

float warp_max(float v) {
    for (int offset = 16; offset > 0; offset /= 2) {
        v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
    }
    return v;
}

float warp_sum(float v) {
    for (int offset = 16; offset > 0; offset /= 2) {
        v += __shfl_xor_sync(0xffffffffu, v, offset);
    }
    return v;
}

extern "C" __global__ void softmax(const float* __restrict__ x, float* __restrict__ y, int rows,
                                   int cols) {
    __shared__ float partial[kWarps];  // one slot per warp
    const float* xr = x + static_cast<long long>(blockIdx.x) * cols;  // this block's row
    float* yr = y + static_cast<long long>(blockIdx.x) * cols;
    const int lane = threadIdx.x % 32;
    const int warp = threadIdx.x / 32;

    float m = kNegInf;
    for (int j = threadIdx.x; j < cols; j += kThreads) {
        m = fmaxf(m, xr[j]);
    }
    m = warp_max(m);
    if (lane == 0) partial[warp] = m;
    __syncthreads();  // every slot written before any is read
    m = partial[0];
    for (int w = 1; w < kWarps; ++w) m = fmaxf(m, partial[w]);
    __syncthreads();  // every slot read before the sum overwrites them

    float s = 0.0f;
    for (int j = threadIdx.x; j < cols; j += kThreads) {
        s += expf(xr[j] - m);
    }
    s = warp_sum(s);
    if (lane == 0) partial[warp] = s;
    // BUG: no __syncthreads() here, so a warp reads the slots before every warp has written
    s = partial[0];
    for (int w = 1; w < kWarps; ++w) s += partial[w];

    const float inv = 1.0f / s;
    for (int j = threadIdx.x; j < cols; j += kThreads) {
        yr[j] = expf(xr[j] - m) * inv;
    }
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned(p.rows)}, .block = {unsigned(kThreads)}};
}
