// Worked example, step 3 of 7: a ring of STAGES = 3 buffers, still WMMA.
// Run: kernelcoach bench optimization/02 --examples
//
// What changed from 02-wmma-2-stages.cu: the two buffers become a ring of STAGES, and the copies
// run STAGES - 1 tiles ahead instead of one. Each k-tile t:
//   wait until tile t's group has landed: cp.async.wait_group STAGES - 2 (the newest STAGES - 2
//     groups, tiles t + 1 .. t + STAGES - 2, may still fly); barrier;
//   start the copies of tile t + STAGES - 1 into the stage tile t - 1 just left; commit;
//   multiply tile t.
// The prologue fills stages 0 .. STAGES - 2 first, one group per tile, and every iteration
// commits one group, empty when there is nothing left to copy, so that "tile t is group t"
// holds to the end and wait_group's count stays right.
//
// The ring no longer fits in 48 KiB of static shared memory (3 x 18.5 + 8 KiB = 63.5 KiB), so
// it is dynamic: `extern __shared__` in the kernel, its size in launch()'s shared_bytes;
// kernelcoach opts the kernel in to more than 48 KiB.
//
// Why deeper: a single tile in flight covers the AVERAGE latency; but a copy that misses L2 and
// goes to HBM, or waits behind other SMs' requests, takes 2-3 times longer, and then the warps
// stall at the barrier. Two tiles in flight (32 KiB per block) cover the slow ones. Expect a
// few percent over step 2, more where the latency is long and irregular (larger k, busy L2).
// Measured on an H200: 684.8 us, a little slower than step 2 (655.6 us); step 4 the same.
#include <cuda_bf16.h>
#include <mma.h>

#include "kernelcoach.h"

using namespace nvcuda;
using bf16 = __nv_bfloat16;

#ifndef STAGES
#define STAGES 3  // k-tiles in the ring
#endif
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

// The dynamic shared memory: STAGES stages of (A tile, B tile), then the output staging.
//   stage s      bytes s * STAGE_BYTES ..: A tile (BM, BK + PAD) bf16, then B tile (BK, BN + PAD)
//   out          bytes STAGES * STAGE_BYTES ..: (8 warps, 16, 16) floats
constexpr int A_PITCH = BK + PAD, B_PITCH = BN + PAD;  // bf16 per shared row
constexpr int A_BYTES = BM * A_PITCH * 2;              // 10 KiB
constexpr int STAGE_BYTES = A_BYTES + BK * B_PITCH * 2;  // 18.5 KiB
constexpr int OUT_BYTES = 8 * 16 * 16 * 4;             // 8 KiB
constexpr unsigned SMEM_BYTES = STAGES * STAGE_BYTES + OUT_BYTES;
static_assert(STAGES >= 2 && STAGES <= 4,
              "this example's ring needs STAGES >= 2: with -DSTAGES=1 (the module's second gate) it does not build; solution/kernel.cu shows STAGES = 1 as its own branch");
static_assert(SMEM_BYTES <= kc::device.shared_per_block_optin, "the ring must fit in shared memory");

__device__ __forceinline__ bf16* stage_a(unsigned char* smem, int s)
{
    return reinterpret_cast<bf16*>(smem + s * STAGE_BYTES);
}
__device__ __forceinline__ bf16* stage_b(unsigned char* smem, int s)
{
    return reinterpret_cast<bf16*>(smem + s * STAGE_BYTES + A_BYTES);
}

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

// Tile k0 / BK of A and B into stage `st`. ALIGNED: cp.async, zero-filled outside the
// matrices (k % 8 == 0 and n % 8 == 0: a chunk is all inside or all outside). Otherwise the
// fallback, through registers.
template <bool ALIGNED>
__device__ __forceinline__ void load_tile(unsigned char* smem, int st, const bf16* __restrict__ a,
                                          const bf16* __restrict__ b, int m, int n, int k,
                                          int block_row, int block_col, int k0, int tid)
{
#pragma unroll
    for (int q = 0; q < A_COPIES; ++q) {
        const int f = tid + q * THREADS, row = f / A_CHUNKS, ch = f % A_CHUNKS;
        const int gr = block_row + row, gc = k0 + ch * 8;
        bf16* dst = stage_a(smem, st) + row * A_PITCH + ch * 8;
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
        bf16* dst = stage_b(smem, st) + row * B_PITCH + ch * 8;
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
                                           bf16* __restrict__ c, int m, int n, int k,
                                           unsigned char* smem)
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

    // The prologue: tiles 0 .. STAGES - 2 into stages 0 .. STAGES - 2, one group each (empty
    // when k has fewer tiles).
#pragma unroll
    for (int st = 0; st < STAGES - 1; ++st) {
        if (st < tiles) load_tile<ALIGNED>(smem, st, a, b, m, n, k, block_row, block_col, st * BK, tid);
        cp_async_commit();
    }

    int read_stage = 0, write_stage = STAGES - 1;  // stages of tiles t and t + STAGES - 1
    for (int t = 0; t < tiles; ++t) {
        // Groups committed: STAGES - 1 + t, tile j in group j. Tile t has landed when at most
        // the newest STAGES - 2 are still in flight.
        cp_async_wait<STAGES - 2>();
        // Barrier: (1) every thread's copies of tile t have landed; (2) every warp has finished
        // multiplying tile t - 1, whose stage (write_stage) is refilled next.
        __syncthreads();

        if (t + STAGES - 1 < tiles)
            load_tile<ALIGNED>(smem, write_stage, a, b, m, n, k, block_row, block_col,
                               (t + STAGES - 1) * BK, tid);
        cp_async_commit();  // always: empty groups keep "tile j is group j" true

        // Multiply tile t while tiles t + 1 .. t + STAGES - 1 fly.
        const bf16* sa = stage_a(smem, read_stage);
        const bf16* sb = stage_b(smem, read_stage);
#pragma unroll
        for (int ks = 0; ks < BK / 16; ++ks) {
            wmma::fragment<wmma::matrix_b, 16, 16, 16, bf16, wmma::row_major> fb[FN];
#pragma unroll
            for (int j = 0; j < FN; ++j)
                wmma::load_matrix_sync(fb[j], sb + 16 * ks * B_PITCH + wn0 + 16 * j, B_PITCH);
#pragma unroll
            for (int i = 0; i < FM; ++i) {  // one A fragment at a time: fewer live registers
                wmma::fragment<wmma::matrix_a, 16, 16, 16, bf16, wmma::row_major> fa;
                wmma::load_matrix_sync(fa, sa + (wm0 + 16 * i) * A_PITCH + 16 * ks, A_PITCH);
#pragma unroll
                for (int j = 0; j < FN; ++j) wmma::mma_sync(acc[i][j], fa, fb[j], acc[i][j]);
            }
        }
        read_stage = read_stage == STAGES - 1 ? 0 : read_stage + 1;
        write_stage = write_stage == STAGES - 1 ? 0 : write_stage + 1;
    }

    // The store, as in step 1: each 16 x 16 result through the warp's own staging area (its own
    // bytes after the ring: no copy in flight can land there).
    float (*out)[16] = reinterpret_cast<float (*)[16]>(smem + STAGES * STAGE_BYTES + warp * 1024);
#pragma unroll
    for (int i = 0; i < FM; ++i) {
#pragma unroll
        for (int j = 0; j < FN; ++j) {
            wmma::store_matrix_sync(&out[0][0], acc[i][j], 16, wmma::mem_row_major);
            __syncwarp();  // the fragment is in `out` before any lane reads it
            const int r = lane / 2, c0 = (lane % 2) * 8;
            const int row = block_row + wm0 + 16 * i + r, col = block_col + wn0 + 16 * j + c0;
            if (row < m) {
                bf16* dst = c + row * n + col;
                if constexpr (ALIGNED) {
                    if (col < n) {  // n % 8 == 0: all 8 columns inside C, or none
                        unsigned w[4];
#pragma unroll
                        for (int e = 0; e < 4; ++e) {
                            const __nv_bfloat162 p = __floats2bfloat162_rn(out[r][c0 + 2 * e],
                                                                           out[r][c0 + 2 * e + 1]);
                            w[e] = *reinterpret_cast<const unsigned*>(&p);
                        }
                        *reinterpret_cast<uint4*>(dst) = make_uint4(w[0], w[1], w[2], w[3]);
                    }
                } else {
#pragma unroll
                    for (int e = 0; e < 8; ++e)
                        if (col + e < n) dst[e] = __float2bfloat16_rn(out[r][c0 + e]);
                }
            }
            __syncwarp();  // every lane has read `out` before the next fragment overwrites it
        }
    }
}

extern "C" __global__ void __launch_bounds__(THREADS, 2)
gemm(const bf16* __restrict__ a, const bf16* __restrict__ b, bf16* __restrict__ c, int m, int n,
     int k)
{
    extern __shared__ __align__(128) unsigned char smem[];  // SMEM_BYTES, from launch()

    if (k % 8 == 0 && n % 8 == 0)
        gemm_block<true>(a, b, c, m, n, k, smem);
    else
        gemm_block<false>(a, b, c, m, n, k, smem);
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.n + BN - 1) / BN), unsigned((p.m + BM - 1) / BM)},
                  .block = {unsigned(THREADS)},
                  .shared_bytes = SMEM_BYTES};
}
