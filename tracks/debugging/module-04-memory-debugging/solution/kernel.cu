// debugging/04, the reference solution: the starter with its four bugs fixed. Each fix is
// marked `fix N` with what was wrong; README.md's worked sessions show how each one shows up in
// kernelcoach's report, in its guard zones, in compute-sanitizer and in the debug kit.
//
//     kernelcoach run debugging/04 --file solution/kernel.cu      # from the module folder
//
// Two kernels, launched in this order on one stream:
//     histogram: hist[v] += how many x[i] == v, for the n bytes of x (hist starts at zero)
//     scan:      offsets[v] = hist[0] + ... + hist[v - 1], the exclusive prefix sum of 256 bins
//
// Napkin math for the timed case (n = 2^24): the histogram reads 16.8 MB once, about 4 us at
// the H200's copy rate of about 4.3 TB/s. Every byte also costs one shared-memory atomic, and
// half the bytes land on 8 hot bins, so the lanes of a warp often add into the same bin and the
// atomics wait for each other: expect the atomics, not the reads, to set the time. The scan
// moves 2 KiB and is a single block: its time is a launch.
#include "kernelcoach.h"

constexpr int kBins = 256;               // one bin per byte value
constexpr unsigned kThreads = 256;       // histogram: 8 warps per block
constexpr unsigned kScanThreads = 128;   // scan: one block of 4 warps, two bins per thread
constexpr int kPerThread = kBins / kScanThreads;
static_assert(kBins % kScanThreads == 0, "the scan's threads share the bins evenly");

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
    // No tool here checks this barrier: racecheck does not record atomics (README.md, "What each
    // tool sees"). Without it, a warp that runs ahead counts into a bin another warp then zeroes.
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
    // fix 2: the bytes a whole vector cannot take are the last n % 16, read one at a time after
    // the body. Peeling n % 16 bytes off the front instead moves every vector to x + n % 16, which
    // is not 16-byte aligned unless n % 16 == 0: the first uint4 load there faults.
    for (long long i = vectors * 16 + first; i < n; i += stride) atomicAdd(&bins[x[i]], 1);
    __syncthreads();  // every count of this block is in before the bins are read

    // One global atomic per bin this block saw, instead of one per byte.
    for (int b = threadIdx.x; b < kBins; b += blockDim.x)
        if (bins[b] != 0) atomicAdd(&hist[b], bins[b]);
}

extern "C" __global__ void scan(int* __restrict__ hist, int* __restrict__ offsets)
{
    __shared__ int s[kBins];  // (256,) the counts, then their running sums
    const int t = threadIdx.x;

    // fix 4: every bin is copied, two per thread (the block has 128 threads for 256 bins); copying
    // only s[t] left s[128..255] as whatever the last block on this SM had left in shared memory.
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
        // fix 3: this barrier was missing. Bin v + d's thread reads s[v] above, and bin v's thread
        // overwrites s[v] below: without a barrier between them, a warp that runs ahead changes a
        // value another warp has yet to read. Warps of one block run nearly in step, so plain runs
        // almost always get it right; racecheck reports it.
        __syncthreads();  // every read of this step is done before any thread overwrites what it read
        for (int k = 0; k < kPerThread; ++k) s[t + k * kScanThreads] += add[k];
        __syncthreads();  // every sum of this step is written before the next step reads it
    }

    // s[v] = hist[0] + ... + hist[v], the inclusive sum; the exclusive one is it shifted up a bin.
    if (t == 0) offsets[0] = 0;
    // fix 1: the last inclusive sum, s[255] (the total), has no place in offsets: shifting every
    // bin up wrote it to offsets[256], one past the end.
    for (int v = t; v < kBins - 1; v += kScanThreads) offsets[v + 1] = s[v];
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
