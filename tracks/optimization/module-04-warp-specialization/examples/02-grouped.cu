// Worked example, step 2 of 3: grouped tile order. The kernel of step 1 (every warp copies AND
// multiplies, a 4-stage cp.async ring, one __syncthreads() per k-tile), with one change: the
// block -> tile mapping walks GROUP_M = 8 block rows together, column by column.
// Run: kernelcoach bench optimization/04 --examples      (every step, as one table)
//
// What changes in L2 (README.md, "Tile order"), for the timed 2048 x 32768 x 2048 case:
//   16 block rows x 128 block columns of 128 x 256 tiles, 132 blocks running at a time.
//   row-major (step 1)  the 132 running blocks are ~one block row: one A panel (512 KiB) and
//                       ~128 different B panels (1 MiB each, k x 256). The next block row needs
//                       the same B panels again, but 128 MiB have gone through the 50-60 MiB L2
//                       since: every block row reads all of B from DRAM. 16 x 128 MiB = 2 GiB.
//   grouped (this)      the 132 running blocks are 8 block rows x ~16.5 columns: 8 A panels
//                       (4 MiB) and ~17 B panels (17 MiB) serve them all. Each B panel is read
//                       from DRAM once per group of 8 rows: 2 x 128 MiB = 256 MiB.
// DRAM traffic falls from ~2.3 GB to ~0.41 GB (C's 128 MiB of stores included). Measured on an
// NVIDIA H200 (kernelcoach bench optimization/04 --examples, 2026-12-03): 1.180 ms against step
// 1's 1.171 ms, 0.31x cuBLASLt both: at this kernel's speed row-major asks only 2 TB/s of an HBM
// that gives ~4.3, so the bytes saved buy no time there. On a GPU with less bandwidth per flop,
// or for a faster kernel, they can (README.md, "Tile order"); `kernelcoach tune` with
// GROUP_M = 1 against the default measures it on yours. The gate is 0.35x cuBLASLt only.
//
// The next step (03-specialised-mbarrier.cu) splits the warps into a producer and
// consumers.

#include <cuda_bf16.h>

#include "kernelcoach.h"

// tune: GROUP_M=1,4,8,16 STAGES=2,3,4
#ifndef GROUP_M
#define GROUP_M 8  // block rows walked together (1: row-major order)
#endif
#ifndef STAGES
#define STAGES 4   // buffers in the cp.async ring
#endif

constexpr int BM = 128, BN = 256, BK = 32;    // block tile and k-tile depth
constexpr int WM = 64, WN = 64;               // warp tile: 2 x 4 warps
constexpr int WARPS = (BM / WM) * (BN / WN);  // 8
constexpr int THREADS = WARPS * 32;           // 256
constexpr int A_STAGE = BM * BK * 2;          // 8 KiB
constexpr int B_STAGE = BK * BN * 2;          // 16 KiB
constexpr int STAGE = A_STAGE + B_STAGE;      // 24 KiB
constexpr int SMEM = STAGES * STAGE;          // 96 KiB
constexpr int A_CHUNKS = BM * BK / 8, B_CHUNKS = BK * BN / 8;  // 16-byte chunks: 512, 1024

static_assert(GROUP_M >= 1 && STAGES >= 2, "a group has a row; the ring at least two buffers");
static_assert(BK == 32 && WM == 64 && WN == 64, "the swizzles and fragment loops are written for these");
static_assert(A_CHUNKS % THREADS == 0 && B_CHUNKS % THREADS == 0, "copies split evenly");
static_assert(SMEM <= kc::device.shared_per_block_optin, "the ring does not fit in this GPU's shared memory");

// Groups of GROUP_M block rows, one after the other; inside a group, down a column of (at
// most) GROUP_M tiles, then the next column. The last group may be shorter: it uses its own
// height, so every tile is computed exactly once. GROUP_M = 1: the row-major order of step 1.
struct Tile { int m, n; };
__device__ __forceinline__ Tile tile_of(int pid, int tiles_m, int tiles_n) {
    const int per_group = GROUP_M * tiles_n;
    const int first_m = (pid / per_group) * GROUP_M;
    const int rows = min(tiles_m - first_m, GROUP_M);
    const int j = pid % per_group;
    return {first_m + j % rows, j / rows};
}

// A stage: A tile 128 x 32 (64-byte rows, 4 chunks), then B tile 32 x 256 (512-byte rows, 32
// chunks), 16-byte chunks XOR-swizzled so every ldmatrix hits 8 different bank groups.
__device__ __forceinline__ unsigned a_offset(int row, int chunk) { return row * 64 + ((chunk ^ ((row >> 1) & 3)) << 4); }
__device__ __forceinline__ unsigned b_offset(int row, int chunk) { return A_STAGE + row * 512 + ((chunk ^ (row & 7)) << 4); }

__device__ __forceinline__ unsigned smem_u32(const void* p) { return unsigned(__cvta_generic_to_shared(p)); }
__device__ __forceinline__ void cp_async16(unsigned dst, const void* src, bool inside) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src), "r"(inside ? 16 : 0)
                 : "memory");
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }
template <int N>
__device__ __forceinline__ void cp_async_wait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory"); }
__device__ __forceinline__ void st_shared16(unsigned dst, const unsigned (&w)[4]) {
    asm volatile("st.shared.v4.b32 [%0], {%1, %2, %3, %4};\n" ::"r"(dst), "r"(w[0]), "r"(w[1]), "r"(w[2]), "r"(w[3])
                 : "memory");
}
__device__ __forceinline__ void ldmatrix_x4(unsigned (&r)[4], unsigned addr) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(addr));
}
__device__ __forceinline__ void ldmatrix_x4_trans(unsigned (&r)[4], unsigned addr) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(addr));
}
__device__ __forceinline__ void mma_bf16(float (&d)[4], const unsigned (&a)[4], unsigned b0, unsigned b1) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
        "{%0, %1, %2, %3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// This thread's share of k-tile k0 into `stage`: A chunks tid, tid + 256 (2), B chunks tid,
// tid + 256, ... (4). 16-byte cp.async where the operand's rows are 16-byte aligned (VEC_*),
// else 8 masked loads and one st.shared. Zeros outside A and B.
template <bool VEC_A, bool VEC_B>
__device__ __forceinline__ void load_tile(unsigned stage, const unsigned short* a, const unsigned short* b, int m,
                                          int n, int k, int row0, int col0, int k0, int tid) {
#pragma unroll
    for (int q = tid; q < A_CHUNKS; q += THREADS) {
        const int r = q >> 2, c = q & 3, gr = row0 + r, gc = k0 + c * 8;
        const unsigned dst = stage + a_offset(r, c);
        if (VEC_A) {
            const bool inside = gr < m && gc < k;
            cp_async16(dst, inside ? a + (long long)gr * k + gc : a, inside);
        } else {
            unsigned w[4] = {0, 0, 0, 0};
#pragma unroll
            for (int e = 0; e < 8; ++e)
                if (gr < m && gc + e < k) w[e / 2] |= unsigned(a[(long long)gr * k + gc + e]) << (16 * (e % 2));
            st_shared16(dst, w);
        }
    }
#pragma unroll
    for (int q = tid; q < B_CHUNKS; q += THREADS) {
        const int r = q >> 5, c = q & 31, gr = k0 + r, gc = col0 + c * 8;
        const unsigned dst = stage + b_offset(r, c);
        if (VEC_B) {
            const bool inside = gr < k && gc < n;
            cp_async16(dst, inside ? b + (long long)gr * n + gc : b, inside);
        } else {
            unsigned w[4] = {0, 0, 0, 0};
#pragma unroll
            for (int e = 0; e < 8; ++e)
                if (gr < k && gc + e < n) w[e / 2] |= unsigned(b[(long long)gr * n + gc + e]) << (16 * (e % 2));
            st_shared16(dst, w);
        }
    }
}

template <bool VEC_A, bool VEC_B>
__device__ __forceinline__ void mainloop(float (&acc)[WM / 16][WN / 8][4], unsigned ring, const unsigned short* a,
                                         const unsigned short* b, int m, int n, int k, int row0, int col0) {
    const int tid = threadIdx.x, warp = tid / 32, lane = tid % 32;
    const int warp_m = warp / (BN / WN), warp_n = warp % (BN / WN);
    const int lrow = lane & 15, lchunk = lane >> 4;  // this lane's ldmatrix row and chunk
    const int tiles = (k + BK - 1) / BK;

    // Prologue: k-tiles 0 .. STAGES - 2 in flight, one commit group each (empty past the end).
#pragma unroll
    for (int i = 0; i < STAGES - 1; ++i) {
        if (i < tiles) load_tile<VEC_A, VEC_B>(ring + i * STAGE, a, b, m, n, k, row0, col0, i * BK, tid);
        cp_async_commit();
    }
    for (int i = 0; i < tiles; ++i) {
        // Groups committed so far: STAGES - 1 + i, tile j in group j. Waiting until at most
        // STAGES - 2 are pending means groups 0..i have landed: this thread's part of tile i.
        cp_async_wait<STAGES - 2>();
        // Everyone's part of tile i has landed (and its st.shared are visible), AND everyone has
        // finished multiplying tile i - 1, so its buffer may be refilled below.
        __syncthreads();
        const int next = i + STAGES - 1;  // goes into the buffer tile i - 1 used
        if (next < tiles)
            load_tile<VEC_A, VEC_B>(ring + (next % STAGES) * STAGE, a, b, m, n, k, row0, col0, next * BK, tid);
        cp_async_commit();

        const unsigned stage = ring + (i % STAGES) * STAGE;
#pragma unroll
        for (int kk = 0; kk < BK / 16; ++kk) {
            unsigned af[WM / 16][4];
#pragma unroll
            for (int mi = 0; mi < WM / 16; ++mi)
                ldmatrix_x4(af[mi], stage + a_offset(warp_m * WM + mi * 16 + lrow, kk * 2 + lchunk));
#pragma unroll
            for (int nj = 0; nj < WN / 16; ++nj) {
                unsigned bf[4];
                ldmatrix_x4_trans(bf, stage + b_offset(kk * 16 + lrow, (warp_n * WN + nj * 16) / 8 + lchunk));
#pragma unroll
                for (int mi = 0; mi < WM / 16; ++mi) {
                    mma_bf16(acc[mi][2 * nj], af[mi], bf[0], bf[1]);
                    mma_bf16(acc[mi][2 * nj + 1], af[mi], bf[2], bf[3]);
                }
            }
        }
    }
}

extern "C" __global__ void __launch_bounds__(THREADS, 1)
gemm(const __nv_bfloat16* __restrict__ a, const __nv_bfloat16* __restrict__ b, __nv_bfloat16* __restrict__ c, int m,
     int n, int k)
{
    extern __shared__ __align__(128) unsigned char ring_bytes[];  // STAGES x (A tile, B tile)
    const int tiles_m = (m + BM - 1) / BM, tiles_n = (n + BN - 1) / BN;
    const Tile t = tile_of(blockIdx.x, tiles_m, tiles_n);
    const int row0 = t.m * BM, col0 = t.n * BN;
    const unsigned ring = smem_u32(ring_bytes);
    const auto* ua = reinterpret_cast<const unsigned short*>(a);
    const auto* ub = reinterpret_cast<const unsigned short*>(b);

    float acc[WM / 16][WN / 8][4] = {};  // 128 fp32 accumulators per thread
    const bool vec_a = k % 8 == 0, vec_b = n % 8 == 0;  // 16-byte aligned rows; uniform
    if (vec_a && vec_b) mainloop<true, true>(acc, ring, ua, ub, m, n, k, row0, col0);
    else if (vec_a) mainloop<true, false>(acc, ring, ua, ub, m, n, k, row0, col0);
    else if (vec_b) mainloop<false, true>(acc, ring, ua, ub, m, n, k, row0, col0);
    else mainloop<false, false>(acc, ring, ua, ub, m, n, k, row0, col0);

    // Epilogue: thread (g, q) = (lane / 4, lane % 4) holds rows g, g + 8 and columns 2q, 2q + 1
    // of each 16 x 8 mma tile; a bf16 pair is one 4-byte store when n is even.
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int warp_m = warp / (BN / WN), warp_n = warp % (BN / WN), g = lane / 4, q = lane % 4;
#pragma unroll
    for (int mi = 0; mi < WM / 16; ++mi)
#pragma unroll
        for (int ni = 0; ni < WN / 8; ++ni)
#pragma unroll
            for (int h = 0; h < 2; ++h) {
                const int row = row0 + warp_m * WM + mi * 16 + g + 8 * h;
                const int col = col0 + warp_n * WN + ni * 8 + 2 * q;
                if (row >= m || col >= n) continue;
                __nv_bfloat16* dst = c + (long long)row * n + col;
                const float v0 = acc[mi][ni][2 * h], v1 = acc[mi][ni][2 * h + 1];
                if (n % 2 == 0) {
                    *reinterpret_cast<__nv_bfloat162*>(dst) = __floats2bfloat162_rn(v0, v1);
                } else {
                    dst[0] = __float2bfloat16_rn(v0);
                    if (col + 1 < n) dst[1] = __float2bfloat16_rn(v1);
                }
            }
}

constexpr Launch launch(Problem p) {
    const long long tiles = ((p.m + BM - 1) / BM) * ((p.n + BN - 1) / BN);
    return Launch{.grid = {unsigned(tiles)}, .block = {unsigned(THREADS)}, .shared_bytes = unsigned(SMEM)};
}
