// Control for optimization/03, part sum - expected verdict: TOO_SLOW.
//
// What it demonstrates: atomics do not replace a reduction. Every thread adds its element into
// out[0] with atomicAdd: correct (an atomic read-modify-write never loses an update, and the
// integer inputs make every order exact), no shared memory, no barrier, five lines. But every
// atomic on the same word is performed one after another, in the L2 slice that holds it:
// 2^28 of them for the timed case, against the 1056 of the solution. At even one per L2 clock
// (about 1.6-2 GHz) that is over 100 ms, several hundred times CUB's ~265 us.
//
// (kernelcoach times it on the timed case like any other kernel; the part's timeout_s leaves
// room for its few seconds of timed rounds.)
#include "kernelcoach.h"

constexpr unsigned kThreads = 256;

extern "C" __global__ void sum(const float* __restrict__ x, float* __restrict__ out, int n)
{
    const int i = blockIdx.x * kThreads + threadIdx.x;
    if (i < n) atomicAdd(out, x[i]);  // one atomic per element, all into the same word
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.n + kThreads - 1) / kThreads)}, .block = {kThreads}};
}
