// basics/00 - your first kernel: vector add, out[i] = a[i] + b[i].
//
// This file is complete and correct. Run it first, before changing anything:
//
//     kernelcoach run basics
//
// kernelcoach compiles this file with NVRTC, launches the kernel on your GPU for every test
// case in module.json, compares the result with a float64 answer computed on the host, and
// times the large case against cuBLAS and against a plain memory copy (the speed of light).
// Then read the file top to bottom: every line is explained. The same shape - one kernel
// plus one launch() function - is what every module of the course asks you to write.
//
// The contract between your file and kernelcoach is written out in tracks/README.md.

// kernelcoach generates this header when it compiles your file (it is not a file on disk).
// It defines three small structs:
//   Dim     { x, y, z }                   - a 3D size, every field 1 unless you set it
//   Launch  { grid, block, shared_bytes } - how many blocks, how many threads per block
//   Problem { n }                         - the size of the test case (for vector add: n)
#include "kernelcoach.h"

// ---------------------------------------------------------------------------------------
// The kernel: the code every GPU thread runs.
// ---------------------------------------------------------------------------------------
//
// extern "C"  keeps the name "vector_add" exactly as written in the compiled module.
//             Without it the C++ compiler "mangles" the name (into something like
//             _Z10vector_addPKfS0_Pfi) and kernelcoach cannot find your kernel.
// __global__  makes this function a kernel: code that runs on the GPU and is launched from
//             the host (by kernelcoach). A kernel always returns void; it hands results back
//             by writing to memory.
//
// The name and the argument list are fixed by the module (module.json and this file):
//   a, b   the two inputs, n floats each. `const float*`: the kernel only reads them
//          (kernelcoach checksums the inputs and would catch a kernel that changes them).
//   out    the output, n floats. kernelcoach fills it with NaN before the launch, so an
//          element your kernel forgets to write is caught.
//   n      the number of elements. It is NOT a multiple of the block size in general.
//
// `__restrict__` promises the compiler that a, b and out do not overlap, which lets it read
// a and b through the read-only path and reorder loads freely. It is optional here.
extern "C" __global__ void vector_add(const float* __restrict__ a,
                                      const float* __restrict__ b,
                                      float* __restrict__ out,
                                      int n)
{
    // The thread hierarchy. A launch is a GRID of BLOCKS; a block is a group of THREADS.
    // Every thread runs this same function; the only difference between threads is where
    // they are, given by three built-in variables:
    //   blockIdx.x   which block this thread belongs to:      0 .. gridDim.x - 1
    //   blockDim.x   how many threads each block has          (the launch's block.x)
    //   threadIdx.x  which thread it is inside its block:     0 .. blockDim.x - 1
    //
    // Blocks are laid side by side along the vector, so this thread's element is
    //
    //   i = (first element of my block) + (my position in the block)
    //
    // With 256 threads per block, block 0 covers 0..255, block 1 covers 256..511, and so on.
    // (blockIdx.x * blockDim.x fits in an int for every n this module uses; a vector of more
    // than 2^31 elements would need a 64-bit index.)
    const int i = blockIdx.x * blockDim.x + threadIdx.x;

    // The bounds check. The grid is made of whole blocks, so it has
    //   gridDim.x * blockDim.x >= n threads.
    // Unless n is a multiple of 256, the LAST block is only partly inside the vector: for
    // n = 1000 the grid is 4 blocks = 1024 threads, and threads 1000..1023 have no element.
    // Without this check they would read past the end of a and b and write past the end of
    // out; kernelcoach puts guard zones after every buffer and reports such writes.
    if (i < n) {
        // Coalesced loads. The 32 threads of a warp (threads 0-31, 32-63, ... of a block) run
        // each instruction together. Here they read 32 CONSECUTIVE floats: 128 bytes in one
        // go, which the memory system serves as a single request. That is "coalescing", and
        // it is why element i belongs to thread i and not, say, to thread i * 7.
        const float x = a[i];
        const float y = b[i];

        // One fp32 addition. kernelcoach computes a[i] + b[i] in float64 on the host and
        // accepts your result if it is within the rounding of one fp32 addition.
        out[i] = x + y;  // the store: also coalesced, 128 bytes per warp
    }
}

// ---------------------------------------------------------------------------------------
// launch(): the launch geometry, chosen by you, evaluated at COMPILE time.
// ---------------------------------------------------------------------------------------
//
// kernelcoach owns the launch; you only say how big it is. For every test case it appends
//     extern "C" __device__ const Launch kc_launch_<i> = launch(Problem{<n>});
// to this file, so the compiler evaluates launch() for each size and stores the answer in
// the compiled module. That is why it must be `constexpr` and may not call anything that
// only exists at run time (no CUDA API calls, no device queries): the geometry is known
// without a GPU, and `kernelcoach check` on a machine without one still shows it.
constexpr Launch launch(Problem p) {
    // Threads per block: at most 1024, and a multiple of 32 (the warp size), or the last warp
    // of every block runs with idle lanes.
    // 256 = 8 warps is a good default. An H100 SM holds at most 2048 threads and 32 blocks,
    // so 256-thread blocks fill it completely (8 blocks per SM). 32-thread blocks hit the
    // 32-block limit with only 1024 threads resident, and this kernel runs 4x slower.
    constexpr unsigned threads = 256;

    // Blocks: enough to cover all n elements, so divide and round UP (ceil division):
    //     n = 1000  ->  (1000 + 255) / 256 = 4 blocks (1024 threads, 24 idle)
    //     n = 1     ->  1 block
    // Plain n / threads would round down and leave the last partial block out entirely:
    // for n = 1000 the elements 768..999 would never be written.
    const unsigned blocks = unsigned((p.n + threads - 1) / threads);

    // Fields left out keep their defaults: grid.y = grid.z = 1, block.y = block.z = 1,
    // shared_bytes = 0 (this kernel uses no shared memory).
    return Launch{.grid = {blocks}, .block = {threads}};
}

// ---------------------------------------------------------------------------------------
// Napkin math: how fast can this be?
// ---------------------------------------------------------------------------------------
//
// Each element costs 12 bytes of memory traffic (read 4 from a, read 4 from b, write 4 to
// out) and one addition. A GPU adds far faster than it moves bytes, so the kernel is
// MEMORY-BOUND: its time is bytes / bandwidth.
//
//   large case: n = 64M = 67,108,864 elements, 256 MiB per buffer
//   bytes:      12 * 67,108,864 = 805 MB
//   H100 HBM3:  3.35 TB/s peak; a device-to-device copy reaches about 3.0 TB/s
//   time:       805 MB / 3.0 TB/s = about 0.27 ms, the floor for any vector add
//
// kernelcoach measures that copy on your GPU and reports your kernel as a percentage of it.
// On an H100 SXM this kernel takes about 0.30 ms, about 90% of the copy: for an operation this
// simple, moving the bytes is the whole cost. (Loading 16 bytes per thread instead of 4
// closes the rest of the gap: in missing-elements/01's measurements a float4 version ran as
// fast as the copy. That module has it as an exercise.)
