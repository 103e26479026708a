// debugging/04, memory debugging: a 256-bin histogram of bytes and its prefix sum.
//
//     kernelcoach run debugging/04
//
// These two kernels are complete and compile, and they are wrong: there are bugs in them, of
// the kind that memory, not arithmetic, hides. Find them with what kernelcoach reports (its
// guard zones around every buffer, a crash's message), with compute-sanitizer (`--sanitize`
// runs memcheck, racecheck, initcheck and synccheck on one case) and with the debug kit
// (`#include <kc/debug.cuh>`: kc::at and KC_ASSERT check inside the kernel); then fix them.
// README.md shows how, one worked session at a time; `kernelcoach hint debugging/04` gives hints
// one at a time.
//
// What it computes (the `histogram` exercise). Two kernels, launched in this order:
//     histogram: hist[v] += how many x[i] == v, for the n bytes of x
//     scan:      offsets[v] = hist[0] + ... + hist[v - 1], the exclusive prefix sum of 256 bins
// hist starts at zero (kernelcoach restores it before every run), so the histogram adds into it
// with atomics. offsets[v] is where the bytes of value v would start in a sorted copy of x: the
// first two steps of a counting sort. Counts are integers: one count lost or added is wrong.
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
    __syncthreads();  // every bin is zero before any thread counts into it

    // A grid-stride loop: the grid is at most one wave of blocks (launch_histogram below), and
    // each thread takes every stride-th byte or vector.
    const long long first = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    const long long stride = (long long)gridDim.x * blockDim.x;

    // The head: the first n % 16 bytes, one at a time, so that what is left is a whole number of
    // 16-byte vectors.
    const long long head = n % 16;
    for (long long i = first; i < head; i += stride) atomicAdd(&bins[x[i]], 1);
    // The body: the rest, 16 bytes at a time.
    const uint4* body = reinterpret_cast<const uint4*>(x + head);
    const long long vectors = (n - head) / 16;
    for (long long i = first; i < vectors; i += stride) count_vector(bins, body[i]);
    __syncthreads();  // every count of this block is in before the bins are read

    // One global atomic per bin this block saw, instead of one per byte.
    for (int b = threadIdx.x; b < kBins; b += blockDim.x)
        if (bins[b] != 0) atomicAdd(&hist[b], bins[b]);
}

extern "C" __global__ void scan(int* __restrict__ hist, int* __restrict__ offsets)
{
    __shared__ int s[kBins];  // (256,) the counts, then their running sums
    const int t = threadIdx.x;

    // Copy the counts into shared memory.
    s[t] = hist[t];
    __syncthreads();  // every count is in shared memory before any thread reads another's

    // Hillis-Steele: after the step of distance d, s[v] is the sum of the 2d counts that end at v
    // (fewer at the start). 8 steps for 256 bins.
    for (int d = 1; d < kBins; d *= 2) {
        int add[kPerThread];
        for (int k = 0; k < kPerThread; ++k) {
            const int v = t + k * kScanThreads;
            add[k] = v >= d ? s[v - d] : 0;
        }
        for (int k = 0; k < kPerThread; ++k) s[t + k * kScanThreads] += add[k];
        __syncthreads();  // every sum of this step is written before the next step reads it
    }

    // s[v] = hist[0] + ... + hist[v], the inclusive sum; the exclusive one is it shifted up a bin.
    if (t == 0) offsets[0] = 0;
    for (int v = t; v < kBins; v += kScanThreads) offsets[v + 1] = s[v];
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
