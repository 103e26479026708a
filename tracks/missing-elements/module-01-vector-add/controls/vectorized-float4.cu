// Control for missing-elements/01 - expected verdict: PASSED.
//
// What it demonstrates: vectorized memory access. Each thread loads one float4 (16 bytes)
// from a and from b and stores one float4, so a warp moves 512 bytes per instruction instead
// of 128, with a quarter of the threads and a quarter of the load/store instructions.
//
// It relies on kernelcoach's contract: every buffer starts on a 256-byte boundary (like
// cudaMalloc), so a, b and out are 16-byte aligned and element 4k starts a valid float4.
// (A kernel that might get an offset pointer must check the alignment and fall back to
// scalar loads; the debugging track comes back to this.) n need not be a multiple of 4: the
// last n % 4 elements, the "tail", are done one float at a time by the first threads.

#include "kernelcoach.h"

extern "C" __global__ void vector_add(const float* __restrict__ a,
                                      const float* __restrict__ b,
                                      float* __restrict__ out,
                                      int n)
{
    const int t = blockIdx.x * blockDim.x + threadIdx.x;
    const int n4 = n / 4;  // whole float4s

    if (t < n4) {
        const float4 x = reinterpret_cast<const float4*>(a)[t];
        const float4 y = reinterpret_cast<const float4*>(b)[t];
        reinterpret_cast<float4*>(out)[t] = make_float4(x.x + y.x, x.y + y.y, x.z + y.z, x.w + y.w);
    }

    // The tail: at most 3 elements after the last whole float4.
    const int tail = 4 * n4 + t;
    if (tail < n) {  // true only for t < n % 4
        out[tail] = a[tail] + b[tail];
    }
}

constexpr Launch launch(Problem p) {
    constexpr unsigned threads = 256;
    // One thread per float4, and at least one block so that the tail of a tiny n (n < 4,
    // no whole float4 at all) has a thread.
    const long long n4 = p.n / 4;
    const unsigned blocks = n4 > 0 ? unsigned((n4 + threads - 1) / threads) : 1u;
    return Launch{.grid = {blocks}, .block = {threads}};
}
