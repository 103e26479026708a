// Worked example, step 4 of 7: 1D register tile. Each thread computes a column of 8 outputs
// instead of 1, keeping the 8 running sums in registers.
// Run: kernelcoach bench optimization/01 --examples
//
// What changed from 03-smem-tile.cu: a block of 512 threads computes a 64 x 64 tile of C, in
// k-tiles 8 deep (As: 64 x 8, Bs: 8 x 64, 2 KiB each). Thread t owns column t % 64 and the 8
// rows 8 * (t / 64) .. + 7 of the tile. At each step kk it loads ONE value of B,
// Bs[kk][column], into a register and uses it for its 8 FMAs; the 8 values of A it needs are
// As[row][kk] for its 8 rows.
//
// Why it is faster. Count shared-memory accesses per warp and step kk (a warp is 32 threads
// with the same 8 rows and 32 consecutive columns):
//   03: 1 read of As (a broadcast) + 1 of Bs           for 1 warp-wide FMA: 2 per FMA
//   04: 8 reads of As (broadcasts) + 1 of Bs            for 8 warp-wide FMAs: 9 / 8 per FMA
// Shared memory serves about one warp-wide access per clock per SM and the FMA units four
// FMAs: the cap rises from 1/8 of the FMA peak to 8/9 / 4 = 22% of it (~15 TFLOP/s on an
// H200). The 64 x 64 tile also halves global traffic against 32 x 32: each value loaded is
// used 64 times, 2 * 4 * 4096^3 / 64 = 8.6 GB for the timed product. Measured on an H200:
// 17.1 TFLOP/s, 0.35x cuBLAS. The A reads are now most of the shared-memory traffic: the next step
// gives each thread 8 columns too, so each value read from shared memory feeds 8 FMAs.
#include "kernelcoach.h"

constexpr int BM = 64;  // rows of C per block
constexpr int BN = 64;  // columns of C per block
constexpr int BK = 8;   // depth of a k-tile
constexpr int TM = 8;   // rows of C per thread (one column)
constexpr int THREADS = BM * BN / TM;  // 512

static_assert(BM * BK == THREADS && BK * BN == THREADS, "each thread loads one float of each tile");
static_assert(BN % 32 == 0, "a warp shares its 8 rows: its As reads are broadcasts");

extern "C" __global__ void __launch_bounds__(THREADS)
matmul(const float* __restrict__ a, const float* __restrict__ b, float* __restrict__ c,
       int m, int n, int k)
{
    __shared__ float As[BM][BK];  // (64, 8): rows of A of this block, columns k0 .. k0 + 7
    __shared__ float Bs[BK][BN];  // (8, 64): rows k0 .. k0 + 7 of B, columns of this block

    const int tid = threadIdx.x;
    const int tx = tid % BN;       // the thread's column in the tile, 0..63
    const int ty = tid / BN;       // its group of 8 rows, 0..7: rows 8 ty .. 8 ty + 7
    const int block_row = blockIdx.y * BM;
    const int block_col = blockIdx.x * BN;

    // Which tile element this thread loads: A's tile row by row (a warp: 4 rows x 8 floats,
    // 4 sectors), B's tile row by row (a warp: 32 consecutive floats of one row of B).
    const int a_r = tid / BK, a_c = tid % BK;
    const int b_r = tid / BN, b_c = tid % BN;

    float acc[TM] = {};
    for (int k0 = 0; k0 < k; k0 += BK) {
        const int ar = block_row + a_r, ac = k0 + a_c;
        As[a_r][a_c] = (ar < m && ac < k) ? a[ar * k + ac] : 0.0f;
        const int br = k0 + b_r, bc = block_col + b_c;
        Bs[b_r][b_c] = (br < k && bc < n) ? b[br * n + bc] : 0.0f;
        // Barrier 1: the tiles are complete before anyone reads them.
        __syncthreads();

#pragma unroll
        for (int kk = 0; kk < BK; ++kk) {
            const float bv = Bs[kk][tx];  // one load, used by 8 FMAs
#pragma unroll
            for (int i = 0; i < TM; ++i)
                acc[i] += As[ty * TM + i][kk] * bv;  // the same word for the whole warp
        }
        // Barrier 2: everyone has finished reading before the next tiles are stored.
        __syncthreads();
    }

    const int col = block_col + tx;
#pragma unroll
    for (int i = 0; i < TM; ++i) {
        const int row = block_row + ty * TM + i;
        if (row < m && col < n) c[row * n + col] = acc[i];  // a warp: 32 consecutive floats
    }
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.n + BN - 1) / BN), unsigned((p.m + BM - 1) / BM)},
                  .block = {unsigned(THREADS)}};
}
