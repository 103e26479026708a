// debugging/02 control that must pass: one thread per output element in a grid-stride loop over
// all n * dim of them, with 64-bit indices throughout, the check repeated by each thread of a
// bad row, and the flag raised by the row's first element only.
#include "kernelcoach.h"

constexpr unsigned kThreads = 256;
constexpr unsigned kMaxBlocks = 4096;

extern "C" __global__ void gather(const float* __restrict__ table, const int* __restrict__ index,
                                  float* __restrict__ out, int* __restrict__ error, int n, int rows, int dim,
                                  int ld, float scale)
{
    const long long total = (long long)n * dim;
    const long long stride = (long long)gridDim.x * blockDim.x;
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < total; e += stride) {
        const long long i = e / dim, j = e % dim;
        const int r = index[i];
        if (r < 0 || r >= rows) {
            out[e] = 0.0f;
            if (j == 0) atomicOr(error, 1);
        } else {
            out[e] = table[(long long)r * ld + j] * scale;
        }
    }
}

// At most 4096 blocks, at least one (n = 0 launches one block that finds nothing to do).
constexpr Launch launch(Problem p) {
    const long long total = (long long)p.n * p.dim;
    long long blocks = (total + kThreads - 1) / kThreads;
    if (blocks > kMaxBlocks) blocks = kMaxBlocks;
    if (blocks < 1) blocks = 1;
    return Launch{.grid = {unsigned(blocks)}, .block = {kThreads}};
}
