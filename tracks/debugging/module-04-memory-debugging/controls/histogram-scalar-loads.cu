// Control for debugging/04 - expected verdict: PASSED.
//
// What it demonstrates: a correct histogram without vector loads: one byte per thread per pass
// of a grid-stride loop. There is no alignment to get wrong and no tail to handle; each warp
// load fetches 32 bytes instead of 512, so it needs more load instructions for the same bytes.
// Whether that costs time next to the shared atomics, which both versions make one per byte, is
// for `kernelcoach bench` to say.
#include "kernelcoach.h"

constexpr int kBins = 256;               // one bin per byte value
constexpr unsigned kThreads = 256;       // histogram: 8 warps per block
constexpr unsigned kScanThreads = 128;   // scan: one block of 4 warps, two bins per thread
constexpr int kPerThread = kBins / kScanThreads;
static_assert(kBins % kScanThreads == 0, "the scan's threads share the bins evenly");

extern "C" __global__ void histogram(const unsigned char* __restrict__ x, int* __restrict__ hist, int n)
{
    __shared__ int bins[kBins];  // (256,) this block's counts

    for (int b = threadIdx.x; b < kBins; b += blockDim.x) bins[b] = 0;
    __syncthreads();  // every bin is zero before any thread counts into it

    // One byte per thread per pass: a warp reads 32 consecutive bytes, one sector.
    const long long first = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    const long long stride = (long long)gridDim.x * blockDim.x;
    for (long long i = first; i < n; i += stride) atomicAdd(&bins[x[i]], 1);
    __syncthreads();  // every count of this block is in before the bins are read

    for (int b = threadIdx.x; b < kBins; b += blockDim.x)
        if (bins[b] != 0) atomicAdd(&hist[b], bins[b]);
}

extern "C" __global__ void scan(int* __restrict__ hist, int* __restrict__ offsets)
{
    __shared__ int s[kBins];  // (256,) the counts, then their running sums
    const int t = threadIdx.x;

    // Copy the counts into shared memory, two bins per thread.
    for (int v = t; v < kBins; v += kScanThreads) s[v] = hist[v];
    __syncthreads();  // every count is in shared memory before any thread reads another's

    // Hillis-Steele: after the step of distance d, s[v] is the sum of the 2d counts that end at v
    // (fewer at the start). 8 steps for 256 bins.
    for (int d = 1; d < kBins; d *= 2) {
        int add[kPerThread];
        for (int k = 0; k < kPerThread; ++k) {
            const int v = t + k * kScanThreads;
            add[k] = v >= d ? s[v - d] : 0;
        }
        __syncthreads();  // every read of this step is done before any thread overwrites what it read
        for (int k = 0; k < kPerThread; ++k) s[t + k * kScanThreads] += add[k];
        __syncthreads();  // every sum of this step is written before the next step reads it
    }

    // s[v] = hist[0] + ... + hist[v], the inclusive sum; the exclusive one is it shifted up a bin.
    if (t == 0) offsets[0] = 0;
    // s[255], the total, has no place in offsets.
    for (int v = t; v < kBins - 1; v += kScanThreads) offsets[v + 1] = s[v];
}

// The histogram: enough blocks for one byte per thread, at most one wave of resident blocks;
// the grid-stride loop does the rest.
constexpr Launch launch_histogram(Problem p) {
    const long long per_block = kThreads;  // bytes a block reads per pass
    const long long wanted = (p.n + per_block - 1) / per_block;
    const long long wave = (long long)kc::device.sm_count * (kc::device.max_threads_per_sm / kThreads);
    return Launch{.grid = {unsigned(wanted < wave ? wanted : wave)}, .block = {kThreads}};
}

// The scan: one block for all 256 bins.
constexpr Launch launch_scan(Problem) {
    return Launch{.grid = {1}, .block = {kScanThreads}};
}
