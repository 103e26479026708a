// Control for missing-elements/02 - expected verdict: WRONG (found by compute-sanitizer racecheck).
//
// What it demonstrates: the classic shared-memory race. This is the module's kernel with the
// SECOND __syncthreads() removed, the one at the end of each step along k. A warp that finishes
// its 64 FMAs early runs on into the next step and overwrites As and Bs while slower warps of
// its block are still reading the current tiles: a write-after-read race.
//
// Plain runs usually give the right answer anyway: the warps of a block run close together,
// and a warp that runs ahead first waits hundreds of cycles for its global loads, so the
// damage needs unlucky timing. Two runs, a NaN pre-fill and a garbage pre-fill do not make it
// visible. compute-sanitizer's racecheck, which kernelcoach runs on kernels that use shared
// memory, does: it records which thread touched which word of shared memory between two
// barriers, and reports the hazard on every run, whatever the timing. That is why "it passed
// ten times" is no proof that a barrier can go.
//
// The race needs a next step to overwrite the tiles: with k <= 8 (one step along k) there is
// none. kernelcoach runs racecheck on the largest case with at most 2^16 outputs, here
// `ragged` (127 x 129 x 131: 17 steps along k), which is why `k-one` is kept smaller.

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
            As[r][q] = (gr < m && gc < k) ? a[gr * k + gc] : 0.0f;
        }
#pragma unroll
        for (int p = 0; p < B_LOADS; ++p) {
            const int e = tid + p * THREADS;
            const int r = e / BN, q = e % BN;
            const int gr = k0 + r, gc = block_col + q;
            Bs[r][q] = (gr < k && gc < n) ? b[gr * n + gc] : 0.0f;
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

        // BUG: no __syncthreads() here: the next step overwrites As and Bs
        // while other warps still read them
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
