// Control for optimization/01 - expected verdict: TOO_SLOW (correct, far below 0.60x cuBLAS).
//
// What it demonstrates: a register tile only works if it stays in registers. This is
// examples/05-blocktile-2d.cu with `#pragma unroll 1` on the two loops of the outer product.
// Registers cannot be indexed by a value known only at run time, so the compiler puts the 64
// accumulators (and the 16 fragment values) in local memory: per-thread memory that lives in
// the L1 cache and, past it, in DRAM. Each FMA now needs a load and a store of its accumulator,
// the same shared-memory-like traffic the register tile was built to remove, through L1, which
// is slower still. kernelcoach's TOO_SLOW report names it: "local memory per thread", from the
// kernel's attributes; `kernelcoach bench` shows the same number in its spills column. Read
// ptxas's "bytes stack frame" (or bench's column) whenever a kernel is mysteriously slow.

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
            // THE SLOW PART: loops that are not unrolled. acc[i][j] with i and j known only at
            // run time cannot be a register (registers have no addresses), so acc, a_frag and
            // b_frag live in local memory: every FMA becomes a load, an FMA and a store.
#pragma unroll 1
            for (int i = 0; i < TM; ++i)
#pragma unroll 1
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
