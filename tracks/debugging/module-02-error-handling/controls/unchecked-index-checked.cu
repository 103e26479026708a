// debugging/02 control: bug 1 with every table read made through kc::at (one float at a time).
// The first read outside the table is stopped and reported, with the index, the thread, the
// block and the line, instead of reading the guard zone's bytes.
#include "kernelcoach.h"
#include <kc/debug.cuh>

constexpr unsigned kThreads = 256;                 // 8 warps per block
constexpr unsigned kRowsPerBlock = kThreads / 32;  // one warp per output row at a time
constexpr unsigned kBlocksPerSm = 8;

extern "C" __global__ void gather(const float* __restrict__ table, const int* __restrict__ index,
                                  float* __restrict__ out, int* __restrict__ error, int n, int rows, int dim,
                                  int ld, float scale)
{
    const int first = blockIdx.x * kRowsPerBlock + threadIdx.x / 32;
    const int warps = gridDim.x * kRowsPerBlock;
    const int lane = threadIdx.x % 32;

    for (long long i = first; i < n; i += warps) {
        const int r = index[i];
        float* dst = out + (size_t)i * dim;
        // bug 1: the index is not checked; every read goes through kc::at instead.
        const long long row = (long long)r * ld, elements = (long long)rows * ld;
        for (int j = lane; j < dim; j += 32) dst[j] = kc::at(table, row + j, elements) * scale;
    }
}

// A grid-stride loop: 8 blocks of 256 threads per SM, whatever n is (for n = 0 they find no row).
constexpr Launch launch(Problem) {
    return Launch{.grid = {unsigned(kc::device.sm_count) * kBlocksPerSm}, .block = {kThreads}};
}
