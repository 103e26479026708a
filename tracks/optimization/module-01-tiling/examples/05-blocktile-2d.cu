// Worked example, step 5 of 7: 2D register tile. Each thread computes 8 x 8 outputs: the kernel
// you completed in missing-elements/02 (the same algorithm and tile sizes as its solution).
// Run: kernelcoach bench optimization/01 --examples
//
// What changed from 04-blocktile-1d.cu: a block of 16 x 16 = 256 threads computes a 128 x 128
// tile of C in k-tiles 8 deep (As: 128 x 8, Bs: 8 x 128, 4 KiB each). Thread (tx, ty) owns the
// 8 rows ty, ty + 16, ..., ty + 112 and the 8 columns tx, tx + 16, ..., tx + 112. At each step
// kk it loads its 8 values of A and its 8 values of B into registers and does all 64 products:
//
//     acc[i][j] += a_frag[i] * b_frag[j]      16 shared loads for 64 FMAs
//
// Why it is faster.
//   shared memory: per warp and step, 16 warp-wide reads for 64 warp-wide FMAs, 1/4 per FMA
//                  (04: 9/8). At one access per clock against four FMAs, shared memory stops
//                  being the cap; the issue slots are: 64 FFMA + 16 LDS = 80 instructions,
//                  so at most 80% of them do FMAs.
//   global memory: each value loaded is used 128 times; 2 * 4 * 4096^3 / 128 = 4.3 GB for the
//                  timed product, a few hundred MB of it from HBM (the rest hits L2).
//   registers:     64 accumulators + 16 fragments + addresses: __launch_bounds__(256, 2)
//                  keeps it at 128, so 2 blocks (16 warps) fit on an SM.
// Why the outputs are strided (ty + 16 i, not 8 ty + i): the 16 threads with the same ty then
// read 16 consecutive floats of Bs, in 16 different banks. With contiguous columns (8 tx + j)
// they would read every 8th float: 4 threads per bank, a 4-way conflict.
// Measured in missing-elements/02 on an H200: 4.67 ms, 29.4 TFLOP/s, 0.57x cuBLAS SGEMM at
// 4096^3 - just under this module's gate. Every read is still one float (LDS.32); the next
// step reads 4 at a time.
#include "kernelcoach.h"

constexpr int BM = 128, BN = 128, BK = 8;   // the block's tile of C, and the k-tile depth
constexpr int TM = 8, TN = 8;               // the thread's tile of C
constexpr int THREADS_X = BN / TN;          // 16
constexpr int THREADS_Y = BM / TM;          // 16
constexpr int THREADS = THREADS_X * THREADS_Y;  // 256
constexpr int A_LOADS = BM * BK / THREADS;  // 4 floats of the A tile per thread
constexpr int B_LOADS = BK * BN / THREADS;  // 4 floats of the B tile per thread

static_assert(A_LOADS * THREADS == BM * BK && B_LOADS * THREADS == BK * BN, "tiles split evenly");
static_assert(THREADS_X == 16, "16 consecutive tx read 16 consecutive floats of Bs");

extern "C" __global__ void __launch_bounds__(THREADS, 2)
matmul(const float* __restrict__ a, const float* __restrict__ b, float* __restrict__ c,
       int m, int n, int k)
{
    __shared__ float As[BM][BK];  // (128, 8)
    __shared__ float Bs[BK][BN];  // (8, 128)

    const int tx = threadIdx.x, ty = threadIdx.y;
    const int tid = ty * THREADS_X + tx;
    const int block_row = blockIdx.y * BM;
    const int block_col = blockIdx.x * BN;

    float acc[TM][TN] = {};
    for (int k0 = 0; k0 < k; k0 += BK) {
        // A tile: element e is row e / 8, column e % 8 (a warp: 4 rows x 8 floats).
#pragma unroll
        for (int p = 0; p < A_LOADS; ++p) {
            const int e = tid + p * THREADS;
            const int r = e / BK, q = e % BK;
            const int gr = block_row + r, gc = k0 + q;
            As[r][q] = (gr < m && gc < k) ? a[gr * k + gc] : 0.0f;
        }
        // B tile: element e is row e / 128, column e % 128 (a warp: 32 consecutive floats).
#pragma unroll
        for (int p = 0; p < B_LOADS; ++p) {
            const int e = tid + p * THREADS;
            const int r = e / BN, q = e % BN;
            const int gr = k0 + r, gc = block_col + q;
            Bs[r][q] = (gr < k && gc < n) ? b[gr * n + gc] : 0.0f;
        }
        // Barrier 1: the tiles are complete before anyone reads them.
        __syncthreads();

#pragma unroll
        for (int kk = 0; kk < BK; ++kk) {
            float a_frag[TM], b_frag[TN];
#pragma unroll
            for (int i = 0; i < TM; ++i) a_frag[i] = As[ty + i * THREADS_Y][kk];
#pragma unroll
            for (int j = 0; j < TN; ++j) b_frag[j] = Bs[kk][tx + j * THREADS_X];
#pragma unroll
            for (int i = 0; i < TM; ++i)
#pragma unroll
                for (int j = 0; j < TN; ++j)
                    acc[i][j] += a_frag[i] * b_frag[j];
        }
        // Barrier 2: everyone has finished reading before the next tiles are stored.
        __syncthreads();
    }

#pragma unroll
    for (int i = 0; i < TM; ++i) {
        const int row = block_row + ty + i * THREADS_Y;
#pragma unroll
        for (int j = 0; j < TN; ++j) {
            const int col = block_col + tx + j * THREADS_X;
            if (row < m && col < n) c[row * n + col] = acc[i][j];
        }
    }
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.n + BN - 1) / BN), unsigned((p.m + BM - 1) / BM)},
                  .block = {unsigned(THREADS_X), unsigned(THREADS_Y)}};
}
