// missing-elements/02 - matrix multiply: C = A * B in fp32, row-major.
//
// What it teaches: 2D indexing (a 2D grid of 2D blocks), tiling for data reuse, shared memory
// and the two barriers that make it safe, masks at the ragged edges of a matrix, and register
// tiling (each thread computes an 8 x 8 piece of C) - the structure of every fast GEMM.
//
// This file has 28 missing elements. Each is marked with a numbered TODO comment that says
// WHAT is missing, not how to write it. As it stands the file does not compile. Fill them in,
// then run
//
//     kernelcoach run missing-elements/02
//
// and read the verdict: COMPILE_ERROR points at a line of this file; WRONG says which
// elements of C are wrong and where (a heatmap over C, never-written elements, writes past the
// end, a race found by compute-sanitizer). hints.md, beside this file, has one hint per group
// of TODOs; read them in order, one at a time. README.md explains every idea used here, with
// the napkin math; tracks/README.md states the rules this file must follow.
//
// Fixed by the module (kernelcoach launches the kernel by this name, with these arguments):
//     matmul(a, b, c, m, n, k)
//     a   A, m x k floats, row-major: element (i, kk) is a[i * k + kk]
//     b   B, k x n floats, row-major: element (kk, j) is b[kk * n + j]
//     c   C, m x n floats, row-major: element (i, j)  is c[i * n + j]
//     m, n, k   any sizes from 1 up; they need not be multiples of anything
//
// The plan. The grid is a 2D array of blocks, one per 128 x 128 tile of C. A block's 256
// threads form a 16 x 16 grid, and thread (tx, ty) computes the 8 x 8 elements of the tile in
// rows ty, ty + 16, ..., ty + 112 and columns tx, tx + 16, ..., tx + 112. The block walks
// along k in steps of 8: it copies a 128 x 8 tile of A and an 8 x 128 tile of B into shared
// memory (every thread copies 4 elements of each), waits, lets every thread multiply what it
// needs out of shared memory into its 64 accumulators, waits again, and moves on. At the end
// each thread writes its 64 results.

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

// __launch_bounds__(256, 2): at most 256 threads per block, and two blocks must fit on one SM,
// which caps the kernel at 128 registers per thread (README.md, "Register tiling").
extern "C" __global__ void __launch_bounds__(THREADS, 2)
matmul(const float* __restrict__ a, const float* __restrict__ b, float* __restrict__ c,
       int m, int n, int k)
{
    // TODO(1): the tile of A in shared memory, named As: BM rows of BK floats, (BM, BK)
    // TODO(2): the tile of B in shared memory, named Bs: BK rows of BN floats, (BK, BN)

    // TODO(3): this thread's column position in the block's 16 x 16 grid of threads, 0..15
    const int tx = ;
    // TODO(4): this thread's row position in the block's 16 x 16 grid of threads, 0..15
    const int ty = ;
    // TODO(5): this thread's number in the block, 0..255, consecutive for consecutive tx
    const int tid = ;

    // TODO(6): the first row of C (and of A) that this block computes
    const int block_row = ;
    // TODO(7): the first column of C (and of B) that this block computes
    const int block_col = ;

    // Thread (tx, ty) owns the outputs in rows block_row + ty + 16 * i and columns
    // block_col + tx + 16 * j, for i, j = 0..7; acc[i][j] is the running sum of one of them.
    // TODO(8): the TM x TN accumulators, every one starting at zero
    float acc[TM][TN] = ;

    // TODO(9): the loop over the tiles along k: k0 = 0, BK, 2 * BK, ...,
    // the last, partial tile included
    for () {
        // The A tile, 128 x 8 = 1024 floats, 4 per thread: element e of the tile is row
        // e / BK, column e % BK.
#pragma unroll
        for (int p = 0; p < A_LOADS; ++p) {
            const int e = tid + p * THREADS;
            const int r = e / BK;  // row in the tile, 0..127
            const int q = e % BK;  // column in the tile, 0..7
            // TODO(10): the row of A (in the whole matrix) that tile row r holds
            const int gr = ;
            // TODO(11): the column of A (a k index) that tile column q holds
            const int gc = ;
            // TODO(12): A's element (gr, gc), or 0 where (gr, gc) lies outside A
            As[r][q] = ;
        }
        // The B tile, 8 x 128 = 1024 floats, 4 per thread: element e is row e / BN, column
        // e % BN.
#pragma unroll
        for (int p = 0; p < B_LOADS; ++p) {
            const int e = tid + p * THREADS;
            const int r = e / BN;  // row in the tile, 0..7
            const int q = e % BN;  // column in the tile, 0..127
            // TODO(13): the row of B (a k index) that tile row r holds
            const int gr = ;
            // TODO(14): the column of B (in the whole matrix) that tile column q holds
            const int gc = ;
            // TODO(15): B's element (gr, gc), or 0 where (gr, gc) lies outside B
            Bs[r][q] = ;
        }

        // TODO(16): the wait that keeps every thread from reading the tiles
        // before all of them are stored

        // The compute: 8 steps along k; each multiplies 8 values of A by 8 values of B.
#pragma unroll
        for (int kk = 0; kk < BK; ++kk) {
            float a_frag[TM];  // A(block_row + ty + 16 i, k0 + kk), i = 0..7
            float b_frag[TN];  // B(k0 + kk, block_col + tx + 16 j), j = 0..7
#pragma unroll
            for (int i = 0; i < TM; ++i) {
                // TODO(17): the tile's value of A in this thread's i-th row, at step kk
                a_frag[i] = ;
            }
#pragma unroll
            for (int j = 0; j < TN; ++j) {
                // TODO(18): the tile's value of B at step kk, in this thread's j-th column
                b_frag[j] = ;
            }
#pragma unroll
            for (int i = 0; i < TM; ++i) {
#pragma unroll
                for (int j = 0; j < TN; ++j) {
                    // TODO(19): this step's contribution added into output (i, j)
                }
            }
        }

        // TODO(20): the wait that keeps every thread from overwriting the tiles
        // while others still read them
    }

    // The store: each thread writes its 64 results.
#pragma unroll
    for (int i = 0; i < TM; ++i) {
        // TODO(21): the row of C that acc[i][...] belongs to
        const int row = ;
#pragma unroll
        for (int j = 0; j < TN; ++j) {
            // TODO(22): the column of C that acc[...][j] belongs to
            const int col = ;
            // TODO(23): the condition that keeps the threads of the last, partial tiles inside C
            if () {
                // TODO(24): the store of the result into C
            }
        }
    }
}

// The launch geometry, evaluated at compile time for every test case (see tracks/README.md).
constexpr Launch launch(Problem p) {
    // TODO(25): the block: THREADS_X threads along x, THREADS_Y along y
    constexpr Dim block = ;

    // TODO(26): the number of blocks along x, so that every one of the p.n columns of C is covered
    const unsigned blocks_x = ;
    // TODO(27): the number of blocks along y, so that every one of the p.m rows of C is covered
    const unsigned blocks_y = ;

    // TODO(28): the 2D grid and the block in the returned Launch
    return Launch{};
}
