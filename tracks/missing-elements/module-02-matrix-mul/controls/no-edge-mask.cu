// Control for missing-elements/02 - expected verdict: WRONG.
//
// What it demonstrates: tile loads without the mask on the k edge. This is the module's
// kernel with the tests `gc < k` (A) and `gr < k` (B) dropped from the loads; the row test on
// A and the column test on B stay. Whenever k is not a multiple of BK = 8, the last step along
// k reads columns of A past column k - 1 (the start of the next row; for the last row, past
// the end of a) and rows of B past row k - 1 (past the end of b: its guard zone). Those values
// are garbage, they are multiplied together, and their products are added to every element of
// C: for k = 131 the last tile holds 3 real columns and 5 of garbage. Nothing is written out
// of bounds (the store keeps its mask); only the comparison with the truth catches it. The
// cases with k a multiple of 8 (1000, 4096) pass: the ragged cases are the ones that catch it.
//
// Dropping the row and column tests as well reads much further (up to 127 rows past the end of
// a); reads that far past a buffer may fault, CRASHED instead of WRONG. Both fail.

#include "kernelcoach.h"

constexpr int BM = 128, BN = 128, BK = 8;  // the block's tile of C, and the depth along k
constexpr int TM = 8, TN = 8;              // each thread's piece of C
constexpr int THREADS_X = BN / TN, THREADS_Y = BM / TM, THREADS = THREADS_X * THREADS_Y;
constexpr int A_LOADS = BM * BK / THREADS, B_LOADS = BK * BN / THREADS;

extern "C" __global__ void __launch_bounds__(THREADS, 2)
matmul(const float* __restrict__ a, const float* __restrict__ b, float* __restrict__ c,
       int m, int n, int k)
{
    __shared__ float As[BM][BK];  // (BM, BK)
    __shared__ float Bs[BK][BN];  // (BK, BN)

    const int tx = threadIdx.x, ty = threadIdx.y;
    const int tid = ty * THREADS_X + tx;
    const int block_row = blockIdx.y * BM;
    const int block_col = blockIdx.x * BN;

    float acc[TM][TN] = {};
    for (int k0 = 0; k0 < k; k0 += BK) {
#pragma unroll
        for (int p = 0; p < A_LOADS; ++p) {
            const int e = tid + p * THREADS;
            const int r = e / BK, q = e % BK;
            const int gr = block_row + r, gc = k0 + q;
            As[r][q] = (gr < m) ? a[gr * k + gc] : 0.0f;  // BUG: no test gc < k
        }
#pragma unroll
        for (int p = 0; p < B_LOADS; ++p) {
            const int e = tid + p * THREADS;
            const int r = e / BN, q = e % BN;
            const int gr = k0 + r, gc = block_col + q;
            Bs[r][q] = (gc < n) ? b[gr * n + gc] : 0.0f;  // BUG: no test gr < k
        }
        __syncthreads();  // the tiles are complete before anyone reads them

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
                for (int j = 0; j < TN; ++j) acc[i][j] += a_frag[i] * b_frag[j];
        }

        __syncthreads();  // everyone is done reading before the next step overwrites them
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
