// Worked example, step 2 of 7: two stages with cp.async (double buffering), still WMMA.
// Run: kernelcoach bench optimization/02 --examples
//
// What changed from 01-wmma-one-stage.cu: two copies of each tile in shared memory, and the
// copies go through cp.async instead of registers. Each k-tile t:
//   wait for tile t's copies (cp.async.wait_group 0); barrier;
//   START the copies of tile t + 1 into the other buffer (cp.async, then commit_group);
//   multiply tile t on the tensor cores while they fly.
// One barrier per k-tile does the work of the starter's two: it makes tile t visible to every
// warp, and it keeps the copies of tile t + 1 out of the buffer that tile t - 1 was read from
// until every warp has finished reading it.
//
// cp.async.cg.shared.global [dst], [src], 16, src_bytes copies 16 bytes from global memory
// straight into shared memory: no registers hold them, so the thread goes on at once (no
// scoreboard wait on a load), and the copy of a chunk outside A or B is src_bytes = 0, which
// writes 16 zero bytes. commit_group closes this thread's copies since the last commit into a
// group; wait_group N waits until at most N of its groups are still in flight.
//
// Napkin math at 4096^3 on an H200: a 128 x 128 x 32 tile is 16 KiB for 1 M flops, 64 flops
// per byte, so 300 TFLOP/s asks L2 for 4.7 TB/s; at ~0.6 us of latency that is 2.8 MB in
// flight (Little's law), 21 KiB per SM. A block now has one tile (16 KiB) in flight while it
// multiplies the other, and 2 blocks share an SM: 32 KiB, enough. Expect most of the latency
// hidden, and the speed set by the math itself: roughly 1.5-2x step 1. Measured on an H200:
// 1.18x (655.6 us against 772.6): WMMA's own loads and stores through shared memory now limit it.
//
// Rows that are not 16-byte aligned (k % 8 != 0 or n % 8 != 0) cannot use a 16-byte cp.async:
// there the chunks are loaded one bf16 at a time through registers, as in step 1, into the same
// buffers, with the same barriers. Correct, not pipelined; only the small cases take it.
#include <cuda_bf16.h>
#include <mma.h>

#include "kernelcoach.h"

using namespace nvcuda;
using bf16 = __nv_bfloat16;

constexpr int BM = 128, BN = 128, BK = 32;   // the block's tile of C, the k-tile depth
constexpr int WARPS_N = 4;                   // 8 warps: 2 down the block tile, 4 across
constexpr int THREADS = 256;
constexpr int WM = 64, WN = 32;              // a warp's tile of C: 4 x 2 WMMA tiles of 16 x 16
constexpr int FM = WM / 16, FN = WN / 16;
constexpr int PAD = 8;                       // bf16 of padding per shared row (16 bytes)
constexpr int A_CHUNKS = BK / 8, B_CHUNKS = BN / 8;  // 16-byte chunks per tile row
constexpr int A_COPIES = BM * A_CHUNKS / THREADS;  // 2 chunks of A per thread per k-tile
constexpr int B_COPIES = BK * B_CHUNKS / THREADS;  // 2 chunks of B

static_assert(A_COPIES * THREADS == BM * A_CHUNKS && B_COPIES * THREADS == BK * B_CHUNKS,
              "the chunks of a tile split evenly over the threads");

// Two buffers of each tile: 2 x 18.5 KiB, plus 8 KiB of output staging: 45 KiB, static.
struct Tiles {
    bf16 a[2][BM][BK + PAD];       // (2, BM, BK): the A tiles, row-major, k contiguous
    bf16 b[2][BK][BN + PAD];       // (2, BK, BN): the B tiles, row-major, n contiguous
    float out[8][16][16];          // (warp, 16, 16): each warp's staging for its outputs
};

__device__ __forceinline__ unsigned smem_addr(const void* p)
{
    return static_cast<unsigned>(__cvta_generic_to_shared(p));
}
__device__ __forceinline__ void cp_async_16(unsigned dst, const void* src, bool valid)
{
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src),
                 "r"(valid ? 16 : 0)
                 : "memory");
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }
template <int N>
__device__ __forceinline__ void cp_async_wait()
{
    asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory");
}

// The fallback: 8 bf16 one at a time (ok_count of them inside the matrix, zeros for the rest).
__device__ __forceinline__ uint4 load_chunk_scalar(const bf16* src, int ok_count)
{
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

// Tile k0 / BK of A and B into buffer `buf`. ALIGNED: cp.async, zero-filled outside the
// matrices (k % 8 == 0 and n % 8 == 0: a chunk is all inside or all outside). Otherwise the
// fallback, through registers.
template <bool ALIGNED>
__device__ __forceinline__ void load_tile(Tiles& s, int buf, const bf16* __restrict__ a,
                                          const bf16* __restrict__ b, int m, int n, int k,
                                          int block_row, int block_col, int k0, int tid)
{
#pragma unroll
    for (int q = 0; q < A_COPIES; ++q) {
        const int f = tid + q * THREADS, row = f / A_CHUNKS, ch = f % A_CHUNKS;
        const int gr = block_row + row, gc = k0 + ch * 8;
        bf16* dst = &s.a[buf][row][ch * 8];
        if constexpr (ALIGNED) {
            const bool ok = gr < m && gc < k;
            cp_async_16(smem_addr(dst), ok ? a + gr * k + gc : a, ok);  // a: a valid address
        } else {
            const int ok = gr < m ? k - gc : 0;
            *reinterpret_cast<uint4*>(dst) = load_chunk_scalar(ok > 0 ? a + gr * k + gc : a, ok);
        }
    }
#pragma unroll
    for (int q = 0; q < B_COPIES; ++q) {
        const int f = tid + q * THREADS, row = f / B_CHUNKS, ch = f % B_CHUNKS;
        const int gr = k0 + row, gc = block_col + ch * 8;
        bf16* dst = &s.b[buf][row][ch * 8];
        if constexpr (ALIGNED) {
            const bool ok = gr < k && gc < n;
            cp_async_16(smem_addr(dst), ok ? b + gr * n + gc : b, ok);
        } else {
            const int ok = gr < k ? n - gc : 0;
            *reinterpret_cast<uint4*>(dst) = load_chunk_scalar(ok > 0 ? b + gr * n + gc : b, ok);
        }
    }
}

template <bool ALIGNED>
__device__ __forceinline__ void gemm_block(const bf16* __restrict__ a, const bf16* __restrict__ b,
                                           bf16* __restrict__ c, int m, int n, int k, Tiles& s)
{
    const int tid = threadIdx.x, lane = tid % 32, warp = tid / 32;
    const int block_row = blockIdx.y * BM, block_col = blockIdx.x * BN;
    const int wm0 = (warp / WARPS_N) * WM, wn0 = (warp % WARPS_N) * WN;

    wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[FM][FN];
#pragma unroll
    for (int i = 0; i < FM; ++i)
#pragma unroll
        for (int j = 0; j < FN; ++j) wmma::fill_fragment(acc[i][j], 0.0f);

    const int tiles = (k + BK - 1) / BK;

    // The prologue: tile 0 into buffer 0, one group.
    load_tile<ALIGNED>(s, 0, a, b, m, n, k, block_row, block_col, 0, tid);
    cp_async_commit();

    for (int t = 0; t < tiles; ++t) {
        const int cur = t & 1;
        // Tile t's group is the newest one committed: wait for all of them.
        cp_async_wait<0>();
        // Barrier: (1) every thread's copies of tile t have landed; (2) every warp has finished
        // multiplying tile t - 1, whose buffer (cur ^ 1) is refilled next.
        __syncthreads();

        if (t + 1 < tiles)
            load_tile<ALIGNED>(s, cur ^ 1, a, b, m, n, k, block_row, block_col, (t + 1) * BK, tid);
        cp_async_commit();  // (an empty group on the last tile: harmless, and it keeps the count)

        // Multiply tile t out of buffer `cur` while tile t + 1 flies.
#pragma unroll
        for (int ks = 0; ks < BK / 16; ++ks) {
            wmma::fragment<wmma::matrix_b, 16, 16, 16, bf16, wmma::row_major> fb[FN];
#pragma unroll
            for (int j = 0; j < FN; ++j)
                wmma::load_matrix_sync(fb[j], &s.b[cur][16 * ks][wn0 + 16 * j], BN + PAD);
#pragma unroll
            for (int i = 0; i < FM; ++i) {  // one A fragment at a time: fewer live registers
                wmma::fragment<wmma::matrix_a, 16, 16, 16, bf16, wmma::row_major> fa;
                wmma::load_matrix_sync(fa, &s.a[cur][wm0 + 16 * i][16 * ks], BK + PAD);
#pragma unroll
                for (int j = 0; j < FN; ++j) wmma::mma_sync(acc[i][j], fa, fb[j], acc[i][j]);
            }
        }
    }

    // The store, as in step 1: each 16 x 16 result through the warp's own staging area.
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
    __shared__ __align__(128) Tiles s;  // 45 KiB

    if (k % 8 == 0 && n % 8 == 0)
        gemm_block<true>(a, b, c, m, n, k, s);
    else
        gemm_block<false>(a, b, c, m, n, k, s);
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.n + BN - 1) / BN), unsigned((p.m + BM - 1) / BM)},
                  .block = {unsigned(THREADS)}};
}
