// optimization/02 - pipelining: make this bf16 matrix multiply fast. C = A B, row-major, bf16
// in and out, the products accumulated in fp32 on the tensor cores.
//
// This file is CORRECT and SLOW: it gets TOO_SLOW, not WRONG. Each block copies a k-tile of A
// and of B into shared memory, waits for the copy, multiplies it on the tensor cores (WMMA),
// waits again, and only then starts copying the next tile. While the copies are in flight
// (hundreds of cycles) the block's tensor cores have nothing to do. The module passes when
// your kernel is correct on every case AND, on the timed 4096 x 4096 x 4096 case, on your GPU:
//   - at least 0.35x as fast as cuBLASLt's bf16 GEMM, and
//   - at least 1.25x as fast as YOUR OWN FILE built again with -DSTAGES=1.
// The second gate is the lesson: keep STAGES k-tiles in shared memory, copy tile t + STAGES - 1
// while you multiply tile t, and make STAGES = 1 still a correct kernel with no overlap.
//
//     kernelcoach run optimization/02       # the verdict: correctness, then the two gates
//     kernelcoach bench optimization/02     # against cuBLASLt: time, TFLOP/s, registers, ...
//     kernelcoach bench optimization/02 --examples   # the worked examples, one stage to four
//     kernelcoach tune optimization/02      # every combination of your tunables, ranked
//
// README.md explains latency hiding, cp.async, commit and wait groups, and the napkin math
// (Little's law: the bytes in flight must cover bandwidth x latency). examples/ holds each step
// as a complete kernel; hints.md says what to try next, one hint at a time. Rewrite as much of
// this file as you like: only the kernel's name and arguments and launch() are fixed
// (tracks/README.md, "The learner-kernel contract").
//
// Fixed by the module:
//     gemm(a, b, c, m, n, k)
//     a   A, m x k bf16, row-major: element (i, kk) is a[i * k + kk]
//     b   B, k x n bf16, row-major: element (kk, j) is b[kk * n + j]
//     c   C, m x n bf16, row-major: element (i, j)  is c[i * n + j]
//     m, n, k   any sizes from 1 up (1 x 1 x 1, 131 x 136 x 129, 4099 x 8 x 264, ...). Rows
//               start 16-byte aligned only when their length is a multiple of 8 bf16: a 16-byte
//               load (or cp.async) needs that, so keep a path that loads one bf16 at a time.
//
// Napkin math for the timed case: 2 * 4096^3 = 137 GFLOP. cuBLASLt does it in about 0.2 ms on an
// H100 or H200 (its 8192^3 rate on our H200 is 841 TFLOP/s); 0.35x of that is about 0.5 ms.

#include <cuda_bf16.h>
#include <mma.h>

#include "kernelcoach.h"

using namespace nvcuda;

// The pipeline depth: how many k-tiles the block keeps in shared memory. This kernel has ONE
// buffer, so STAGES is 1 and nothing overlaps. kernelcoach builds your file a second time with
// -DSTAGES=1 for the second gate: once your kernel has a ring of STAGES buffers, give STAGES a
// default of 2 to 4 here and keep STAGES = 1 correct.
#ifndef STAGES
#define STAGES 1
#endif
static_assert(STAGES == 1, "this kernel has one shared-memory buffer per operand: give it STAGES "
                           "of them first (README.md, 'A ring of STAGES buffers')");

// Tunables: `kernelcoach tune optimization/02` builds this file once per value (with -DBK=16
// ...), checks and times each, and ranks them. Add your own (STAGES, once it means something):
// an `#ifndef NAME` default and a `// tune: NAME=a,b` line (tracks/README.md, section 4).
// tune: BK=16,32,64
#ifndef BK
#define BK 32  // depth of a k-tile, a multiple of 16 (the WMMA fragment's k)
#endif

using bf16 = __nv_bfloat16;

constexpr int BM = 128, BN = 128;            // the block's tile of C
constexpr int WARPS_N = 4;                   // 8 warps: 2 down the block tile, 4 across
constexpr int THREADS = 256;
constexpr int WM = 64, WN = 32;              // a warp's tile of C: 4 x 2 WMMA tiles of 16 x 16
constexpr int FM = WM / 16, FN = WN / 16;
constexpr int PAD = 8;                       // bf16 of padding per shared row (16 bytes)
constexpr int A_CHUNKS = BK / 8;             // 16-byte chunks (8 bf16) per row of the A tile
constexpr int B_CHUNKS = BN / 8;             // per row of the B tile
constexpr int A_COPIES = BM * A_CHUNKS / THREADS;  // chunks of A per thread per k-tile
constexpr int B_COPIES = BK * B_CHUNKS / THREADS;  // chunks of B per thread per k-tile

static_assert(BK % 16 == 0 && BK >= 16 && BK <= 64, "BK: 16, 32 or 64");
static_assert(A_COPIES * THREADS == BM * A_CHUNKS && B_COPIES * THREADS == BK * B_CHUNKS,
              "the chunks of a tile split evenly over the threads");

// The shared-memory tiles, one buffer each. Rows are padded by 8 bf16 (16 bytes): WMMA wants
// rows that are a multiple of 16 bytes, and the padding spreads the rows of a fragment over the
// banks (with (BK + 8) x 2 = 80-byte rows, 8 rows start in 8 different 16-byte bank groups).
struct Tiles {
    bf16 a[BM][BK + PAD];          // (BM, BK): the A tile, row-major, k contiguous
    bf16 b[BK][BN + PAD];          // (BK, BN): the B tile, row-major, n contiguous
    float out[8][16][16];          // (warp, 16, 16): each warp's staging for its outputs
};

// 8 bf16 from `src` as 16 bytes, zeros for those not inside the matrix: ok_count of them are
// (8 or more: all; 0 or less: none). ALIGNED: src is 16-byte aligned and ok_count is 0 or >= 8
// (rows are multiples of 8 bf16), so one 16-byte load does it; otherwise one bf16 at a time.
template <bool ALIGNED>
__device__ __forceinline__ uint4 load_chunk(const bf16* src, int ok_count)
{
    if constexpr (ALIGNED) {
        return ok_count > 0 ? *reinterpret_cast<const uint4*>(src) : make_uint4(0, 0, 0, 0);
    } else {
        const unsigned short* s = reinterpret_cast<const unsigned short*>(src);
        unsigned w[4];
#pragma unroll
        for (int e = 0; e < 4; ++e) {
            const unsigned lo = 2 * e < ok_count ? s[2 * e] : 0u;  // bf16 +0.0 is 0x0000
            const unsigned hi = 2 * e + 1 < ok_count ? s[2 * e + 1] : 0u;
            w[e] = lo | (hi << 16);
        }
        return make_uint4(w[0], w[1], w[2], w[3]);
    }
}

template <bool ALIGNED>
__device__ __forceinline__ void gemm_block(const bf16* __restrict__ a, const bf16* __restrict__ b,
                                           bf16* __restrict__ c, int m, int n, int k, Tiles& s)
{
    const int tid = threadIdx.x, lane = tid % 32, warp = tid / 32;
    const int block_row = blockIdx.y * BM, block_col = blockIdx.x * BN;
    const int wm0 = (warp / WARPS_N) * WM, wn0 = (warp % WARPS_N) * WN;  // the warp's piece

    wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[FM][FN];
#pragma unroll
    for (int i = 0; i < FM; ++i)
#pragma unroll
        for (int j = 0; j < FN; ++j) wmma::fill_fragment(acc[i][j], 0.0f);

    // (int offsets into a, b and c: exact while m k, k n and m n stay below 2^31, as in every
    // case here.)
    const int tiles = (k + BK - 1) / BK;  // k-tiles; the last may be partial (zero-filled)
    for (int t = 0; t < tiles; ++t) {
        const int k0 = t * BK;

        // (1) Copy tile t: global -> registers -> shared. Chunk f of the A tile is row
        //     f / A_CHUNKS, chunk f % A_CHUNKS; consecutive threads take consecutive 16 bytes.
        //     THIS IS WHERE THE TIME GOES: each load takes hundreds of cycles to arrive, the
        //     stores below wait for it, and the barrier waits for the slowest thread. A pipeline
        //     issues these copies STAGES - 1 tiles AHEAD, into another buffer, with cp.async
        //     (global straight to shared, no registers), so that they fly during (2).
        uint4 va[A_COPIES], vb[B_COPIES];
#pragma unroll
        for (int q = 0; q < A_COPIES; ++q) {
            const int f = tid + q * THREADS, row = f / A_CHUNKS, ch = f % A_CHUNKS;
            const int gr = block_row + row, gc = k0 + ch * 8;
            const int ok = gr < m ? k - gc : 0;  // columns of this chunk inside A
            va[q] = load_chunk<ALIGNED>(ok > 0 ? a + gr * k + gc : a, ok);
        }
#pragma unroll
        for (int q = 0; q < B_COPIES; ++q) {
            const int f = tid + q * THREADS, row = f / B_CHUNKS, ch = f % B_CHUNKS;
            const int gr = k0 + row, gc = block_col + ch * 8;
            const int ok = gr < k ? n - gc : 0;  // columns of this chunk inside B
            vb[q] = load_chunk<ALIGNED>(ok > 0 ? b + gr * n + gc : b, ok);
        }
#pragma unroll
        for (int q = 0; q < A_COPIES; ++q) {
            const int f = tid + q * THREADS;
            *reinterpret_cast<uint4*>(&s.a[f / A_CHUNKS][(f % A_CHUNKS) * 8]) = va[q];
        }
#pragma unroll
        for (int q = 0; q < B_COPIES; ++q) {
            const int f = tid + q * THREADS;
            *reinterpret_cast<uint4*>(&s.b[f / B_CHUNKS][(f % B_CHUNKS) * 8]) = vb[q];
        }
        // Barrier: the whole tile is in shared memory before any warp reads it.
        __syncthreads();

        // (2) Multiply tile t: per 16-deep step, each warp loads 2 fragments of B (16 x 16) and,
        //     one at a time, 4 of A, and does 4 x 2 tensor-core products of 16 x 16 x 16.
#pragma unroll
        for (int ks = 0; ks < BK / 16; ++ks) {
            wmma::fragment<wmma::matrix_b, 16, 16, 16, bf16, wmma::row_major> fb[FN];
#pragma unroll
            for (int j = 0; j < FN; ++j)
                wmma::load_matrix_sync(fb[j], &s.b[16 * ks][wn0 + 16 * j], BN + PAD);
#pragma unroll
            for (int i = 0; i < FM; ++i) {  // one A fragment at a time: fewer live registers
                wmma::fragment<wmma::matrix_a, 16, 16, 16, bf16, wmma::row_major> fa;
                wmma::load_matrix_sync(fa, &s.a[wm0 + 16 * i][16 * ks], BK + PAD);
#pragma unroll
                for (int j = 0; j < FN; ++j) wmma::mma_sync(acc[i][j], fa, fb[j], acc[i][j]);
            }
        }
        // Barrier: every warp has finished reading the tile before (1) overwrites it. With
        // STAGES buffers, the next tile goes into ANOTHER buffer and this barrier can merge with
        // the one above: one per k-tile.
        __syncthreads();
    }

    // The store. WMMA does not say which thread holds which element of a fragment, so each
    // warp stages each 16 x 16 result in shared memory (its own 1 KiB) and reads it back: lane
    // L converts row L / 2, columns 8 (L % 2) .. + 7 to bf16 and stores them, as one 16-byte
    // store when C's rows are 16-byte aligned (n % 8 == 0), else one at a time.
#pragma unroll
    for (int i = 0; i < FM; ++i) {
#pragma unroll
        for (int j = 0; j < FN; ++j) {
            wmma::store_matrix_sync(&s.out[warp][0][0], acc[i][j], 16, wmma::mem_row_major);
            __syncwarp();  // the fragment is in s.out before any lane reads it
            const int r = lane / 2, c0 = (lane % 2) * 8;
            const int row = block_row + wm0 + 16 * i + r, col = block_col + wn0 + 16 * j + c0;
            if (row < m) {
                bf16* dst = c + row * n + col;
                if constexpr (ALIGNED) {
                    if (col < n) {  // n % 8 == 0: all 8 columns inside C, or none
                        unsigned w[4];
#pragma unroll
                        for (int e = 0; e < 4; ++e) {
                            const __nv_bfloat162 p = __floats2bfloat162_rn(s.out[warp][r][c0 + 2 * e],
                                                                           s.out[warp][r][c0 + 2 * e + 1]);
                            w[e] = *reinterpret_cast<const unsigned*>(&p);
                        }
                        *reinterpret_cast<uint4*>(dst) = make_uint4(w[0], w[1], w[2], w[3]);
                    }
                } else {
#pragma unroll
                    for (int e = 0; e < 8; ++e)
                        if (col + e < n) dst[e] = __float2bfloat16_rn(s.out[warp][r][c0 + e]);
                }
            }
            __syncwarp();  // every lane has read s.out before the next fragment overwrites it
        }
    }
}

extern "C" __global__ void __launch_bounds__(THREADS, 2)
gemm(const bf16* __restrict__ a, const bf16* __restrict__ b, bf16* __restrict__ c, int m, int n,
     int k)
{
    __shared__ __align__(128) Tiles s;  // 10 + 8.5 + 8 KiB for BK = 32

    // 16-byte loads need the rows of A (k % 8 == 0) and of B and C (n % 8 == 0) 16-byte
    // aligned. The test is the same for every thread of the grid, so no warp diverges.
    if (k % 8 == 0 && n % 8 == 0)
        gemm_block<true>(a, b, c, m, n, k, s);
    else
        gemm_block<false>(a, b, c, m, n, k, s);
}

// One block per 128 x 128 tile of C, rounded up: x walks the columns of C, y its rows.
// 4096^2 -> 32 x 32 blocks of 256 threads.
constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.n + BN - 1) / BN), unsigned((p.m + BM - 1) / BM)},
                  .block = {unsigned(THREADS)}};
}
