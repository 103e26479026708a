// missing-elements/02 - matrix multiply, the reference solution: C = A * B, fp32.
//
// Row-major: A is m x k (element (i, kk) at a[i * k + kk]), B is k x n, C is m x n. Each block
// computes one 128 x 128 tile of C; each of its 16 x 16 = 256 threads computes 8 x 8 = 64
// elements of that tile in registers. A and B are streamed through shared memory in tiles 8
// deep along k, zero-filled wherever a tile sticks out past the edge of a matrix. The
// comments name the missing element each line fills in, numbered as in the starter.
//
//     kernelcoach run missing-elements/02    # grades your kernel.cu, not this file
//
// Napkin math for the timed case, m = n = k = 4096 (README.md has the long version):
//   flops       2 * 4096^3 = 137 GFLOP
//   bytes       A, B and C once each: 3 * 64 MiB = 201 MB   -> 683 flops per byte
//   H100 SXM    ~67 TFLOP/s fp32 (no tensor cores), 3.35 TB/s HBM3 -> 20 flops per byte to
//               stay compute-bound. Matmul CAN be compute-bound; a kernel is only if each value
//               it loads is reused many times on chip. This one reuses every value of A that it
//               loads 128 times (once per column of its C tile) and every value of B 128 times.
//   floor       137 GFLOP / 67 TFLOP/s = 2.1 ms; cuBLAS SGEMM (TF32 off) takes ~2.7 ms.

#include "kernelcoach.h"

// The tile sizes. Every thread owns TM x TN outputs; the block's threads form a
// (BM / TM) x (BN / TN) = 16 x 16 grid.
constexpr int BM = 128;  // rows of C per block
constexpr int BN = 128;  // columns of C per block
constexpr int BK = 8;    // depth of one tile along k
constexpr int TM = 8;    // rows of C per thread
constexpr int TN = 8;    // columns of C per thread

constexpr int THREADS_X = BN / TN;                // 16 threads along a row of C
constexpr int THREADS_Y = BM / TM;                // 16 threads along a column of C
constexpr int THREADS = THREADS_X * THREADS_Y;    // 256 threads = 8 warps
constexpr int A_LOADS = BM * BK / THREADS;        // 4 elements of the A tile per thread
constexpr int B_LOADS = BK * BN / THREADS;        // 4 elements of the B tile per thread

static_assert(BM % TM == 0 && BN % TN == 0, "a thread's outputs must tile the block's tile");
static_assert(THREADS <= 1024, "at most 1024 threads per block");
static_assert(THREADS_X % 16 == 0, "16 consecutive tx read 16 consecutive floats of Bs");
static_assert((BM * BK) % THREADS == 0 && (BK * BN) % THREADS == 0,
              "every thread loads the same number of tile elements");

// __launch_bounds__(256, 2): blocks have at most 256 threads, and two of them must fit on one
// SM. An SM has 65536 registers, so that caps the kernel at 65536 / 512 = 128 registers per
// thread: 64 accumulators, 16 fragment values and the addresses fit (ptxas, CUDA 13, sm_90:
// 128 registers and no spills; 151 registers without the bound, which would leave room for
// only one block per SM). Two resident blocks (16 warps) let one block compute while the
// other waits for its loads or at a barrier.
extern "C" __global__ void __launch_bounds__(THREADS, 2)
matmul(const float* __restrict__ a, const float* __restrict__ b, float* __restrict__ c,
       int m, int n, int k)
{
    // elements 1-2, the tiles in shared memory, 8 KiB per block. Each value is loaded from
    // global memory by ONE thread and then read by the 16 threads that need it.
    __shared__ float As[BM][BK];  // (BM, BK): rows block_row.. of A, columns k0..k0+7
    __shared__ float Bs[BK][BN];  // (BK, BN): rows k0..k0+7 of B, columns block_col..

    // elements 3-4, the thread's place in the block's 16 x 16 grid of threads.
    const int tx = threadIdx.x;  // 0..15, along the columns of C
    const int ty = threadIdx.y;  // 0..15, along the rows of C
    // element 5, the thread's number in the block, 0..255, for the cooperative loads, which
    // treat the block as one row of 256 threads. Consecutive tx are consecutive tid, so a warp
    // is tid 32w..32w+31 (two values of ty).
    const int tid = ty * THREADS_X + tx;

    // elements 6-7, the 2D block index: blockIdx.x walks the columns of C, blockIdx.y its rows
    // (launch() builds the grid the same way round).
    const int block_row = blockIdx.y * BM;  // first row of C (and of A) this block computes
    const int block_col = blockIdx.x * BN;  // first column of C (and of B)

    // element 8, the accumulators: thread (tx, ty) owns the 8 x 8 outputs in rows
    // block_row + ty + 16 * i and columns block_col + tx + 16 * j, i, j = 0..7. Strided, not
    // contiguous: the 16 threads with the same ty then read 16 CONSECUTIVE floats of Bs
    // (16 banks, no conflict) and store 16 consecutive floats of C (coalesced).
    float acc[TM][TN] = {};  // 64 registers, all 0.0f

    // element 9, the loop over the tiles along k: k0 = 0, 8, 16, ... For k = 131 the last tile
    // (k0 = 128) has only 3 real columns of A and rows of B; the masks below zero the rest, and
    // zeros add nothing to the sum.
    for (int k0 = 0; k0 < k; k0 += BK) {
        // The A tile, 128 x 8 = 1024 floats: 4 per thread. Element e of the tile is row
        // e / 8, column e % 8, so a warp loads 4 rows x 8 columns: 4 runs of 32 bytes.
#pragma unroll
        for (int p = 0; p < A_LOADS; ++p) {
            const int e = tid + p * THREADS;
            const int r = e / BK;  // 0..127
            const int q = e % BK;  // 0..7
            const int gr = block_row + r;  // element 10: the row of A
            const int gc = k0 + q;         // element 11: the column of A, a k index
            // element 12, the masked load: inside A it is a[gr][gc]; outside (the last block
            // row, the last k tile) it is 0, so the tile holds no garbage and the load never
            // reads past the end of a. (The ?: only evaluates the load when the test is true.)
            As[r][q] = (gr < m && gc < k) ? a[gr * k + gc] : 0.0f;
        }
        // The B tile, 8 x 128 = 1024 floats: 4 per thread. Element e is row e / 128, column
        // e % 128, so a warp loads 32 consecutive floats of one row of B: coalesced.
#pragma unroll
        for (int p = 0; p < B_LOADS; ++p) {
            const int e = tid + p * THREADS;
            const int r = e / BN;  // 0..7
            const int q = e % BN;  // 0..127
            const int gr = k0 + r;         // element 13: the row of B, a k index
            const int gc = block_col + q;  // element 14: the column of B
            Bs[r][q] = (gr < k && gc < n) ? b[gr * n + gc] : 0.0f;  // element 15
        }

        // element 16, barrier 1: every thread reads values that OTHER threads stored (the 64
        // values of As that thread (tx, ty) reads were stored by 16 threads, those of Bs by 16
        // more, mostly in other warps). Nobody may start computing until every store is done.
        __syncthreads();

        // The compute: 8 steps along k, each an outer product of 8 values of A (a column of
        // the thread's rows) and 8 values of B (a row of its columns): 16 shared loads for 64
        // fused multiply-adds. One output per thread would need 2 loads per FMA, 8x more
        // shared-memory traffic: that is what register tiling buys.
#pragma unroll
        for (int kk = 0; kk < BK; ++kk) {
            float a_frag[TM];  // A(block_row + ty + 16 i, k0 + kk), i = 0..7
            float b_frag[TN];  // B(k0 + kk, block_col + tx + 16 j), j = 0..7
#pragma unroll
            for (int i = 0; i < TM; ++i)
                a_frag[i] = As[ty + i * THREADS_Y][kk];  // element 17 (2 words per warp)
#pragma unroll
            for (int j = 0; j < TN; ++j)
                b_frag[j] = Bs[kk][tx + j * THREADS_X];  // element 18 (16 consecutive floats)
#pragma unroll
            for (int i = 0; i < TM; ++i)
#pragma unroll
                for (int j = 0; j < TN; ++j)
                    acc[i][j] += a_frag[i] * b_frag[j];  // element 19: one FMA each
        }

        // element 20, barrier 2: the next iteration overwrites As and Bs. A fast warp that
        // got there while a slow warp is still in the compute above would change the tile
        // under its feet (a write-after-read race). Everyone finishes reading first.
        __syncthreads();
    }

    // The store. The last block row and block column of the grid stick out past the edge of
    // C (m = 127: block row 0 covers rows 0..127, and row 127 does not exist); the outputs
    // there hold sums of zeros and are simply not stored.
#pragma unroll
    for (int i = 0; i < TM; ++i) {
        const int row = block_row + ty + i * THREADS_Y;  // element 21: the row of C
#pragma unroll
        for (int j = 0; j < TN; ++j) {
            const int col = block_col + tx + j * THREADS_X;  // element 22: the column of C
            if (row < m && col < n)                          // element 23: inside C?
                c[row * n + col] = acc[i][j];                // element 24: the store
        }
    }
    // (int indices: exact while m * k, k * n and m * n stay below 2^31, true for every case of
    // this module; 4096 * 4096 = 2^24.)
}

// The launch geometry, evaluated by the compiler for every test case.
constexpr Launch launch(Problem p) {
    // element 25: a 2D block, 16 x 16 = 256 threads, one per 8 x 8 piece of the 128 x 128 tile.
    constexpr Dim block = {unsigned(THREADS_X), unsigned(THREADS_Y)};

    // elements 26-27: one block per 128 x 128 tile of C, rounded UP in both directions, so the
    // last partial tiles are computed too. x counts columns of C (n), y counts rows (m).
    // 4096^2 -> 32 x 32 = 1024 blocks; 127 x 129 -> 2 x 1; 1 x 1 -> 1 x 1.
    const unsigned blocks_x = unsigned((p.n + BN - 1) / BN);
    const unsigned blocks_y = unsigned((p.m + BM - 1) / BM);

    // element 28: the grid and the block. No dynamic shared memory: the tiles are static.
    return Launch{.grid = {blocks_x, blocks_y}, .block = block};
}
