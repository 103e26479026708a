// Worked example, step 5 of 7: mma.sync instead of WMMA, fragments built by hand.
// Run: kernelcoach bench optimization/02 --examples
//
// What changed from 04-wmma-4-stages.cu: the same 4-stage ring and padded tiles, but the warps
// talk to the tensor cores in PTX, mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32: one
// instruction multiplies a 16 x 16 piece of A by a 16 x 8 piece of B into a 16 x 8 fp32 tile,
// each operand spread over the warp's 32 lanes in a layout the PTX ISA fixes. With g = lane / 4
// and t = lane % 4, each 32-bit register holding two bf16 (lower k or column in the low half):
//
//   A (16 x 16, row-major)   a[0] = A(g, 2t..2t+1)     a[1] = A(g + 8, 2t..2t+1)
//                            a[2] = A(g, 2t+8..2t+9)   a[3] = A(g + 8, 2t+8..2t+9)
//   B (16 x 8, "col")        b[0] = B(2t..2t+1, g)     b[1] = B(2t+8..2t+9, g)
//   C (16 x 8, fp32)         c[0], c[1] = C(g, 2t..2t+1)    c[2], c[3] = C(g + 8, 2t..2t+1)
//
// Knowing the layout is what WMMA hides, and what buys three things: (1) the output needs no
// trip through shared memory (each lane stores its own C values, two at a time); (2) no 8 KiB of
// staging; (3) steps 6 and 7 can choose how the fragments are loaded. Here they are loaded the
// plain way: A's pairs are adjacent in a row of the A tile (one 32-bit load each), but B's
// pairs are two rows apart (B is stored k-major, as in global memory): two 16-bit loads and a
// pack per register. Per 16-deep step a warp issues 16 + 16 loads for 16 mma.
//
// Napkin math: the loads are conflict-free (80-byte A rows and 272-byte B rows put the 8 rows
// a quarter-warp reads in 8 different bank groups), but they are many instructions: 32 shared
// loads and 8 packs next to 16 mma. Expect about step 4's speed: the win of this step is the
// control it gives, which step 6 cashes in. Measured on an H200: 1.19x step 4 (574.9 us).
#include <cuda_bf16.h>

#include "kernelcoach.h"

using bf16 = __nv_bfloat16;

#ifndef STAGES
#define STAGES 4  // k-tiles in the ring
#endif
constexpr int BM = 128, BN = 128, BK = 32;   // the block's tile of C, the k-tile depth
constexpr int WARPS_N = 4;                   // 8 warps: 2 down the block tile, 4 across
constexpr int THREADS = 256;
constexpr int WM = 64, WN = 32;              // a warp's tile of C: 4 x 4 mma tiles of 16 x 8
constexpr int MT = WM / 16, NT = WN / 8;
constexpr int PAD = 8;                       // bf16 of padding per shared row (16 bytes)
constexpr int A_CHUNKS = BK / 8, B_CHUNKS = BN / 8;  // 16-byte chunks per tile row
constexpr int A_COPIES = BM * A_CHUNKS / THREADS;  // 2 chunks of A per thread per k-tile
constexpr int B_COPIES = BK * B_CHUNKS / THREADS;  // 2 chunks of B

static_assert(A_COPIES * THREADS == BM * A_CHUNKS && B_COPIES * THREADS == BK * B_CHUNKS,
              "the chunks of a tile split evenly over the threads");

// The dynamic shared memory: STAGES stages of (A tile, B tile), nothing else.
//   stage s      bytes s * STAGE_BYTES ..: A tile (BM, BK + PAD) bf16, then B tile (BK, BN + PAD)
constexpr int A_PITCH = BK + PAD, B_PITCH = BN + PAD;  // bf16 per shared row
constexpr int A_BYTES = BM * A_PITCH * 2;              // 10 KiB
constexpr int STAGE_BYTES = A_BYTES + BK * B_PITCH * 2;  // 18.5 KiB
constexpr unsigned SMEM_BYTES = STAGES * STAGE_BYTES;     // 74 KiB
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

// d += a b on the tensor cores: one 16 x 8 tile of C, a 16-deep slice of k, fp32 accumulation.
__device__ __forceinline__ void mma_bf16_16816(float (&d)[4], const unsigned (&a)[4],
                                               const unsigned (&b)[2])
{
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
        "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

// Two bf16 side by side in shared memory as one 32-bit register.
__device__ __forceinline__ unsigned ld_pair(const bf16* p) { return *reinterpret_cast<const unsigned*>(p); }
// Two bf16 from different places: lo in the low half, hi in the high half.
__device__ __forceinline__ unsigned pack(const bf16* lo, const bf16* hi)
{
    return unsigned(*reinterpret_cast<const unsigned short*>(lo)) |
           (unsigned(*reinterpret_cast<const unsigned short*>(hi)) << 16);
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

    const int g = lane / 4, t4 = lane % 4;  // the lane's place in the fragment layouts

    float acc[MT][NT][4];  // acc[i][j]: the 16 x 8 tile (wm0 + 16 i, wn0 + 8 j), 4 per lane
#pragma unroll
    for (int i = 0; i < MT; ++i)
#pragma unroll
        for (int j = 0; j < NT; ++j)
#pragma unroll
            for (int e = 0; e < 4; ++e) acc[i][j][e] = 0.0f;

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
            const int kc = 16 * ks + 2 * t4;  // the lane's first k column in this step
            unsigned af[MT][4], bfr[NT][2];
#pragma unroll
            for (int i = 0; i < MT; ++i) {
                const bf16* r0 = sa + (wm0 + 16 * i + g) * A_PITCH + kc;  // row g of tile i
                const bf16* r8 = r0 + 8 * A_PITCH;                        // row g + 8
                af[i][0] = ld_pair(r0);
                af[i][1] = ld_pair(r8);
                af[i][2] = ld_pair(r0 + 8);
                af[i][3] = ld_pair(r8 + 8);
            }
#pragma unroll
            for (int j = 0; j < NT; ++j) {
                const bf16* p = sb + kc * B_PITCH + wn0 + 8 * j + g;  // B(kc, column g of tile j)
                bfr[j][0] = pack(p, p + B_PITCH);
                bfr[j][1] = pack(p + 8 * B_PITCH, p + 9 * B_PITCH);
            }
#pragma unroll
            for (int i = 0; i < MT; ++i)
#pragma unroll
                for (int j = 0; j < NT; ++j) mma_bf16_16816(acc[i][j], af[i], bfr[j]);
        }
        read_stage = read_stage == STAGES - 1 ? 0 : read_stage + 1;
        write_stage = write_stage == STAGES - 1 ? 0 : write_stage + 1;
    }

    // The store: lane (g, t4) of tile (i, j) holds C(g, 2 t4 .. + 1) and C(g + 8, 2 t4 .. + 1):
    // one bf16x2 per pair when C's rows allow it (n % 8 == 0: n and the column even), else two
    // bf16. Outputs outside C are not stored.
#pragma unroll
    for (int i = 0; i < MT; ++i) {
#pragma unroll
        for (int h = 0; h < 2; ++h) {
            const int row = block_row + wm0 + 16 * i + 8 * h + g;
            if (row >= m) continue;
#pragma unroll
            for (int j = 0; j < NT; ++j) {
                const int col = block_col + wn0 + 8 * j + 2 * t4;
                bf16* dst = c + row * n + col;
                const float v0 = acc[i][j][2 * h], v1 = acc[i][j][2 * h + 1];
                if constexpr (ALIGNED) {
                    if (col < n) *reinterpret_cast<__nv_bfloat162*>(dst) = __floats2bfloat162_rn(v0, v1);
                } else {
                    if (col < n) dst[0] = __float2bfloat16_rn(v0);
                    if (col + 1 < n) dst[1] = __float2bfloat16_rn(v1);
                }
            }
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
