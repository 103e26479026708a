// Control for optimization/01 - expected verdict: PASSED (correct, and fast enough for the gate).
//
// What it demonstrates: another block tile and another register tile that work as well. This
// is the reference solution reshaped: one block per 128 x 256 tile of C, still 256 threads
// (2 x 4 warps), each warp a 64 x 64 piece, so each thread owns 8 x 16 outputs: rows
// tm0 + {0..3} and tm0 + 32 + {0..3}, columns tn0 + {0, 16, 32, 48} + {0..3}.
//   per step kk:  2 float4 reads of A + 4 of B feed 128 FMAs (6 LDS for 128 FFMA: 95.5% of
//                 the issue slots; the solution: 4 for 64, 94%)
//   global:       (128 + 256) * 8 floats per k-tile for 128 * 256 * 8 FMAs: 43 flops per byte
//                 (the solution's 128 x 128: 32), 3.2 GB through L2 for the 4096^3 product
//   registers:    128 accumulators + 24 fragment values + 12 of the next tile + addresses
//                 (ptxas, CUDA 13, sm_90: about 228, no spills), so one block (8 warps) per SM; the
//                 long run of independent FMAs per warp (128 per step) hides the latency that
//                 the solution hides with a second block
//   shared:       2 x (8 x 132 + 8 x 256) x 4 B = 24.3 KiB
// 4096^2 is 32 x 16 = 512 blocks: 3.9 waves on 132 SMs. Any tile shape is correct when the
// masks and the barrier are right; this one must also clear 0.60x cuBLAS.

#include "kernelcoach.h"

constexpr int BM = 128;  // rows of C per block
constexpr int BN = 256;  // columns of C per block
constexpr int BK = 8;    // depth of a k-tile
constexpr int WM = 64;   // rows of C per warp
constexpr int WN = 64;   // columns of C per warp

// The thread tile: 8 x 16 outputs as 2 x 4 sub-tiles of 4 x 4; a warp's 32 lanes form an
// 8 x 4 grid and own 32 * 128 = 4096 outputs = WM * WN.
constexpr int TN = 16;                   // columns of C per thread
constexpr int LANES_N = 4;               // lanes across a warp's tile
constexpr int LANES_M = 8;               // lanes down a warp's tile
constexpr int WARPS_N = BN / WN;         // warps across the block's tile
constexpr int WARPS_M = BM / WM;         // warps down the block's tile
constexpr int THREADS = WARPS_M * WARPS_N * 32;  // 256
constexpr int MIN_BLOCKS = 1;            // one block per SM: up to 255 registers per thread
constexpr int PAD = 4;                   // As rows are BM + 4 floats: conflict-free stores
constexpr int A_CHUNKS = BK / 4;         // float4s in one row of the A tile (BK floats)
constexpr int A_LOADS = BM * A_CHUNKS / THREADS;  // float4s of the A tile per thread per k-tile
constexpr int B_LOADS = BK * BN / 4 / THREADS;    // float4s of the B tile per thread per k-tile

static_assert(WM * WN == 32 * 8 * TN && LANES_M * LANES_N == 32 && WN == LANES_N * TN,
              "8 x 16 outputs per lane");
static_assert(WM % 8 == 0 && WN % 8 == 0 && BM % WM == 0 && BN % WN == 0, "warps tile the block");
static_assert(THREADS == 256, "8 warps");
static_assert(BK % 8 == 0, "a warp's A loads cover 16 rows x 2 float4s (see a_row)");
static_assert(BM % 16 == 0 && BN % 4 == 0, "the A loads walk 16 rows at a time");
static_assert(A_LOADS >= 1 && A_LOADS * THREADS == BM * A_CHUNKS, "the A tile splits evenly");
static_assert(B_LOADS >= 1 && B_LOADS * THREADS * 4 == BK * BN, "the B tile splits evenly");
static_assert(2 * BK * (BM + PAD + BN) * 4 <= 48 * 1024, "static shared memory: at most 48 KiB");

// A thread's share of one k-tile is LOADS float4s: numbers 0 .. A_LOADS - 1 are pieces of the
// A tile, the rest pieces of the B tile. They wait in registers between the global load and the
// store to shared memory: LOADS * 4 registers on top of the 128 accumulators.
constexpr int LOADS = A_LOADS + B_LOADS;  // 1 + 2

// The A tile is BM rows x BK columns, BM * BK / 4 float4s. Float4 number f (0, 1, ...) is
// row (f / (16 * A_CHUNKS)) * 16 + f % 16, chunk (f / 16) % A_CHUNKS. So the 32 lanes of a
// warp take 16 consecutive rows x 2 consecutive chunks: each row's 32 bytes come from one
// sector (coalesced), and the transposed stores below land in 32 different banks.
__device__ __forceinline__ int a_row(int f) { return (f / (16 * A_CHUNKS)) * 16 + f % 16; }
__device__ __forceinline__ int a_chunk(int f) { return (f / 16) % A_CHUNKS; }
// The B tile is BK rows x BN columns, row-major: float4 f is row f / (BN / 4), chunk
// f % (BN / 4), so consecutive lanes read consecutive 16 bytes of one row of B.
__device__ __forceinline__ int b_row(int f) { return f / (BN / 4); }
__device__ __forceinline__ int b_chunk(int f) { return f % (BN / 4); }

// Global -> register: this thread's float4 number q of the k-tile that starts at column k0 of A
// (row k0 of B). Zeros outside the matrices. A_VEC: rows of A are 16-byte aligned (k % 4 == 0),
// B_VEC: rows of B are (n % 4 == 0); then the 4 floats are one float4 load, else 4 loads.
template <bool A_VEC, bool B_VEC>
__device__ __forceinline__ float4 load_piece(int q, const float* __restrict__ a,
                                             const float* __restrict__ b, int m, int n, int k,
                                             int block_row, int block_col, int k0, int tid)
{
    float4 v = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
    if (q < A_LOADS) {
        const int f = tid + q * THREADS;
        const int gr = block_row + a_row(f);  // row of A
        const int gc = k0 + 4 * a_chunk(f);   // first of 4 columns of A
        if (gr < m) {
            const float* src = a + gr * k + gc;
            if (A_VEC) {
                // k % 4 == 0 and gc % 4 == 0: the 4 columns are all inside A or all outside,
                // and src is 16-byte aligned.
                if (gc < k) v = *reinterpret_cast<const float4*>(src);
            } else {
                if (gc + 0 < k) v.x = src[0];
                if (gc + 1 < k) v.y = src[1];
                if (gc + 2 < k) v.z = src[2];
                if (gc + 3 < k) v.w = src[3];
            }
        }
    } else {
        const int f = tid + (q - A_LOADS) * THREADS;
        const int gr = k0 + b_row(f);               // row of B
        const int gc = block_col + 4 * b_chunk(f);  // first of 4 columns of B
        if (gr < k) {
            const float* src = b + gr * n + gc;
            if (B_VEC) {
                if (gc < n) v = *reinterpret_cast<const float4*>(src);  // n % 4 == 0: all or none
            } else {
                if (gc + 0 < n) v.x = src[0];
                if (gc + 1 < n) v.y = src[1];
                if (gc + 2 < n) v.z = src[2];
                if (gc + 3 < n) v.w = src[3];
            }
        }
    }
    return v;
}

// The shared-memory tiles, two copies of each: the warps read one while the other is filled.
struct Tiles {
    float a[2][BK][BM + PAD];  // (2, BK, BM + 4): the A tile, TRANSPOSED: a[buf][kk][row]
    float b[2][BK][BN];        // (2, BK, BN): the B tile, row-major: b[buf][kk][col]
};

// Register -> shared memory: float4 number q into copy `buf`. A goes in transposed: the 4
// floats of a chunk are 4 consecutive k of one row, stored down a column of the A tile. Lanes
// 0-15 store rows r..r+15 of chunk c, lanes 16-31 the same rows of chunk c + 1, 4 * (BM + 4)
// floats further: an offset of 16 banks, so the warp's 32 stores hit 32 different banks.
// (Without the padding, 4 * 128 floats is a multiple of 32 banks: every store a 2-way conflict.)
__device__ __forceinline__ void store_piece(Tiles& s, int buf, int q, float4 v, int tid)
{
    if (q < A_LOADS) {
        const int f = tid + q * THREADS;
        const int r = a_row(f), c = 4 * a_chunk(f);
        s.a[buf][c + 0][r] = v.x;
        s.a[buf][c + 1][r] = v.y;
        s.a[buf][c + 2][r] = v.z;
        s.a[buf][c + 3][r] = v.w;
    } else {
        const int f = tid + (q - A_LOADS) * THREADS;
        *reinterpret_cast<float4*>(&s.b[buf][b_row(f)][4 * b_chunk(f)]) = v;
    }
}

// The whole kernel, for one choice of the float4 paths (the entry kernel below picks one).
template <bool A_VEC, bool B_VEC>
__device__ __forceinline__ void gemm(const float* __restrict__ a, const float* __restrict__ b,
                                     float* __restrict__ c, int m, int n, int k, Tiles& s)
{
    const int tid = threadIdx.x;
    const int lane = tid % 32;
    const int warp = tid / 32;
    const int block_row = blockIdx.y * BM;  // first row of C of this block
    const int block_col = blockIdx.x * BN;  // first column of C of this block
    const int wm0 = (warp / WARPS_N) * WM;  // the warp's tile inside the block's
    const int wn0 = (warp % WARPS_N) * WN;
    const int ly = lane / LANES_N;          // the lane's place in its warp's LANES_M x LANES_N grid
    const int lx = lane % LANES_N;
    // The thread's rows of the block tile: tm0 + {0..3} and tm0 + 32 + {0..3}; its columns
    // tn0 + 16 h + {0..3}, h = 0..3.
    const int tm0 = wm0 + ly * 4;
    const int tn0 = wn0 + lx * 4;

    float acc[8][TN] = {};  // acc[i][j]: the thread's row i (of 8) and column j (of 16)

    const int tiles = (k + BK - 1) / BK;  // k-tiles; the last may be partial (zero-filled)

    // The prologue: tile 0 into copy 0.
#pragma unroll
    for (int q = 0; q < LOADS; ++q)
        store_piece(s, 0, q,
                    load_piece<A_VEC, B_VEC>(q, a, b, m, n, k, block_row, block_col, 0, tid),
                    tid);
    // Barrier: tile 0 is complete in copy 0 before any warp reads it.
    __syncthreads();

    for (int t = 0; t < tiles; ++t) {
        const int cur = t & 1;
        const bool more = t + 1 < tiles;  // uniform across the block
        const int k_next = (t + 1) * BK;

        // Start the loads of tile t + 1. Nothing uses these registers until after the
        // multiplications below, so their latency (hundreds of cycles) hides behind them:
        // 512 FMAs per thread for the defaults.
        float4 staged[LOADS];
        if (more) {
#pragma unroll
            for (int q = 0; q < LOADS; ++q)
                staged[q] = load_piece<A_VEC, B_VEC>(q, a, b, m, n, k, block_row, block_col,
                                                                 k_next, tid);
        }

        // Multiply tile t out of copy `cur`: per step kk, 2 float4s of A (the thread's 8 rows)
        // and 4 float4s of B (its 16 columns), then 128 FMAs. Within a quarter warp (8 lanes)
        // the lanes read 2 distinct float4s of A and 4 of B: no conflicts.
#pragma unroll
        for (int kk = 0; kk < BK; ++kk) {
            const float4 a0 = *reinterpret_cast<const float4*>(&s.a[cur][kk][tm0]);
            const float4 a1 = *reinterpret_cast<const float4*>(&s.a[cur][kk][tm0 + WM / 2]);
            const float av[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
            float bv[TN];
#pragma unroll
            for (int h = 0; h < TN / 4; ++h) {
                const float4 bh = *reinterpret_cast<const float4*>(&s.b[cur][kk][tn0 + 16 * h]);
                bv[4 * h + 0] = bh.x;
                bv[4 * h + 1] = bh.y;
                bv[4 * h + 2] = bh.z;
                bv[4 * h + 3] = bh.w;
            }
#pragma unroll
            for (int i = 0; i < 8; ++i)
#pragma unroll
                for (int j = 0; j < TN; ++j)
                    acc[i][j] = fmaf(av[i], bv[j], acc[i][j]);
        }

        // Tile t + 1 into the other copy. Its last readers were the multiplications of tile
        // t - 1, and the barrier at the end of iteration t - 1 has passed: nobody reads it now.
        if (more) {
#pragma unroll
            for (int q = 0; q < LOADS; ++q) store_piece(s, cur ^ 1, q, staged[q], tid);
        }

        // Barrier: (1) tile t + 1 is complete in copy cur ^ 1 before iteration t + 1 reads it;
        // (2) every warp has finished reading copy `cur` before iteration t + 1 overwrites it
        // with tile t + 2. One barrier per k-tile does both jobs, because the copies alternate.
        __syncthreads();
    }

    // The store: 8 rows x 4 groups of 4 columns. Outputs outside C are not stored.
#pragma unroll
    for (int i = 0; i < 8; ++i) {
        const int row = block_row + tm0 + (i / 4) * (WM / 2) + i % 4;
        if (row >= m) continue;
#pragma unroll
        for (int h = 0; h < TN / 4; ++h) {
            const int col = block_col + tn0 + 16 * h;
            float* dst = c + row * n + col;
            if (B_VEC) {
                // n % 4 == 0 (rows of C are 16-byte aligned too) and col % 4 == 0: the 4
                // columns are all inside C or all outside.
                if (col < n)
                    *reinterpret_cast<float4*>(dst) = make_float4(
                        acc[i][4 * h + 0], acc[i][4 * h + 1], acc[i][4 * h + 2], acc[i][4 * h + 3]);
            } else {
#pragma unroll
                for (int j = 0; j < 4; ++j)
                    if (col + j < n) dst[j] = acc[i][4 * h + j];
            }
        }
    }
    // (int indices: exact while m * k, k * n and m * n stay below 2^31, as in every case here.)
}

// __launch_bounds__(256, 1): one block per SM, so up to 255 registers per thread.
extern "C" __global__ void __launch_bounds__(THREADS, MIN_BLOCKS)
matmul(const float* __restrict__ a, const float* __restrict__ b, float* __restrict__ c,
       int m, int n, int k)
{
    __shared__ __align__(16) Tiles s;  // 24.3 KiB

    // One of four copies of the kernel, by which rows are 16-byte aligned (uniform: no warp
    // diverges).
    if (k % 4 == 0) {
        if (n % 4 == 0) gemm<true, true>(a, b, c, m, n, k, s);
        else            gemm<true, false>(a, b, c, m, n, k, s);
    } else {
        if (n % 4 == 0) gemm<false, true>(a, b, c, m, n, k, s);
        else            gemm<false, false>(a, b, c, m, n, k, s);
    }
}

// One block per BM x BN tile of C, rounded up: x walks the columns of C, y its rows.
// 4096^2 -> 16 x 32 blocks of 256 threads; 127 x 129 -> 1 x 1; 1 x 1 -> 1 x 1.
constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.n + BN - 1) / BN), unsigned((p.m + BM - 1) / BM)},
                  .block = {unsigned(THREADS)}};
}
