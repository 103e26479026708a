// Control for debugging/04 - expected verdict: PASSED.
//
// What it demonstrates: a correct scan with warp shuffles, one thread per bin (256 threads).
// Each warp scans its 32 counts in registers with __shfl_up_sync, which needs no barrier (the
// lanes named in the mask exchange values as one step); only the 8 warp totals go through
// shared memory, with one barrier between writing them and reading them. Each thread writes its
// own offsets[t], so exactly 256 elements are written.
#include "kernelcoach.h"

constexpr int kBins = 256;               // one bin per byte value
constexpr unsigned kThreads = 256;       // histogram: 8 warps per block
constexpr unsigned kScanThreads = kBins; // scan: one block, one thread per bin
constexpr int kScanWarps = kScanThreads / 32;

// Counts the four bytes of w into the block's bins.
__device__ void count_word(int* bins, unsigned w) {
    atomicAdd(&bins[w & 0xffu], 1);
    atomicAdd(&bins[(w >> 8) & 0xffu], 1);
    atomicAdd(&bins[(w >> 16) & 0xffu], 1);
    atomicAdd(&bins[w >> 24], 1);
}

// Counts the sixteen bytes of v.
__device__ void count_vector(int* bins, uint4 v) {
    count_word(bins, v.x);
    count_word(bins, v.y);
    count_word(bins, v.z);
    count_word(bins, v.w);
}

extern "C" __global__ void histogram(const unsigned char* __restrict__ x, int* __restrict__ hist, int n)
{
    __shared__ int bins[kBins];  // (256,) this block's counts

    for (int b = threadIdx.x; b < kBins; b += blockDim.x) bins[b] = 0;
    __syncthreads();  // every bin is zero before any thread counts into it

    // A grid-stride loop: the grid is at most one wave of blocks (launch_histogram below), and
    // each thread takes every stride-th vector.
    const long long first = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    const long long stride = (long long)gridDim.x * blockDim.x;

    // The body: the first n / 16 * 16 bytes, 16 at a time. x starts on a 256-byte boundary (every
    // buffer does, like cudaMalloc's), so vector i, at byte 16 i, is 16-byte aligned.
    const uint4* body = reinterpret_cast<const uint4*>(x);
    const long long vectors = n / 16;
    for (long long i = first; i < vectors; i += stride) count_vector(bins, body[i]);
    // The tail: the last n % 16 bytes, one at a time.
    for (long long i = vectors * 16 + first; i < n; i += stride) atomicAdd(&bins[x[i]], 1);
    __syncthreads();  // every count of this block is in before the bins are read

    // One global atomic per bin this block saw, instead of one per byte.
    for (int b = threadIdx.x; b < kBins; b += blockDim.x)
        if (bins[b] != 0) atomicAdd(&hist[b], bins[b]);
}

extern "C" __global__ void scan(int* __restrict__ hist, int* __restrict__ offsets)
{
    __shared__ int warp_total[kScanWarps];  // (8,) the sum of each warp's 32 bins
    const int t = threadIdx.x, lane = t % 32, warp = t / 32;

    // Each warp scans its 32 bins in registers: after the step of distance d, incl is the sum of
    // the 2d counts that end at this lane (fewer at the start of the warp).
    const int count = hist[t];
    int incl = count;
    for (int d = 1; d < 32; d *= 2) {
        const int below = __shfl_up_sync(0xffffffffu, incl, d);
        if (lane >= d) incl += below;
    }
    if (lane == 31) warp_total[warp] = incl;
    __syncthreads();  // every warp's total is written before any warp adds up those before it

    int before = 0;  // the counts of every bin of the warps before this one
    for (int w = 0; w < warp; ++w) before += warp_total[w];
    offsets[t] = before + incl - count;  // exclusive: every bin before t, not t itself
}

// The histogram: enough blocks for one vector per thread, at most one wave of resident blocks
// (8 blocks of 256 threads per SM: 1056 on an H200's 132 SMs); the grid-stride loop does the rest.
constexpr Launch launch_histogram(Problem p) {
    const long long per_block = (long long)kThreads * 16;  // bytes a block reads per pass
    const long long wanted = (p.n + per_block - 1) / per_block;
    const long long wave = (long long)kc::device.sm_count * (kc::device.max_threads_per_sm / kThreads);
    return Launch{.grid = {unsigned(wanted < wave ? wanted : wave)}, .block = {kThreads}};
}

// The scan: one block for all 256 bins.
constexpr Launch launch_scan(Problem) {
    return Launch{.grid = {1}, .block = {kScanThreads}};
}
