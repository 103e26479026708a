// Control: right in every checked run, lazy once it is timed. A launch counter in device
// memory lets the first 12 launches compute everything (the checked runs launch 10 times: two
// runs of each of the 5 cases); from then on every other element is skipped, counting on the
// output still holding the answer from an earlier run. Timing reloads the module, so the count
// starts again and the first timed runs are right too. Expected: WRONG: before every timed run
// the output is refilled with the sentinel, and every run's output is compared with the first
// timed run's.
#include "kernelcoach.h"

__device__ unsigned int launches;  // starts at 0 each time the module is loaded

extern "C" __global__ void vector_add(const float* a, const float* b, float* out, int n)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    const bool lazy = launches >= 12;  // the count of earlier launches
    if (i == 0) atomicAdd(&launches, 1u);
    if (i >= n || (lazy && (i & 1))) return;
    out[i] = a[i] + b[i];
}

constexpr Launch launch(Problem p) {
    constexpr unsigned threads = 256;
    return Launch{.grid = {unsigned((p.n + threads - 1) / threads)}, .block = {threads}};
}
