// optimization/02 - pipelining, the reference solution: C = A B in bf16 on tensor cores, fp32
// accumulation, with a STAGES-deep cp.async pipeline. Aimed at 0.50x cuBLASLt's bf16 GEMM at
// 4096^3; measured on an H200 0.41x (0.46x with BN=128 BK=64 STAGES=3, from `tune`). The
// module's gates are 0.35x cuBLASLt and 1.25x this same file built with -DSTAGES=1 (1.68x).
//
//     kernelcoach run optimization/02       # grades your kernel.cu, not this file
//     kernelcoach bench optimization/02 --file solution/kernel.cu
//
// `kernelcoach tune optimization/02` tunes the module's kernel.cu: to tune this file, save your
// kernel.cu elsewhere and copy this file over it.
//
// It is examples/07-swizzled.cu with 128 x 256 block tiles (64 x 64 per warp), a fallback for
// rows that are not 16-byte aligned, and its shape as tunables. The plan, from the outside in:
//
//   block   one block per BM x BN = 128 x 256 tile of C, 256 threads (8 warps, 2 x 4), walking
//           k in tiles BK = 32 deep. Per k-tile the block copies 128 x 32 + 32 x 256 bf16 =
//           24 KiB for 128 * 256 * 32 = 1 M multiply-adds: 87 flops per byte copied.
//   pipe    STAGES = 4 copies of the (A, B) tile pair in shared memory, a ring: while the warps
//           multiply tile t out of stage t % 4, the copies of tiles t + 1, t + 2 and t + 3 are
//           in flight. cp.async copies 16 bytes from global straight into shared memory, no
//           registers on the way; commit_group closes one tile's copies into a group, and
//           wait_group(STAGES - 2) waits until tile t's group has landed.
//   smem    rows are not padded; a 16-byte chunk c of row r is stored at chunk c ^ f(r) of its
//           row (an XOR swizzle), so that the 8 rows ldmatrix reads at once, and the 8 chunks a
//           quarter of a warp copies at once, fall in 8 different 16-byte bank groups.
//   warp    each warp owns a 64 x 64 piece of C: 4 x 8 tensor-core tiles of 16 x 8, 128 fp32
//           accumulators per thread. Per 16-deep step it loads its A rows with 4 ldmatrix.x4
//           and its B columns with 4 ldmatrix.x4.trans, then issues 32 mma.sync.m16n8k16.
//   store   each thread converts its 128 accumulators to bf16 and stores them in pairs.
//
// Sizes are arbitrary (1 x 1 x 1, k = 129, 4099 x 8 x 264, ...). A 16-byte cp.async needs a
// 16-byte aligned source: row i of A starts at a + i * k bf16, byte 2 i k, a multiple of 16 for
// every i only when k % 8 == 0; rows of B only when n % 8 == 0. When both hold (the timed case),
// every copy is a cp.async, and chunks outside A or B (past m, n or k) are zero-filled by
// cp.async itself (src-size 0). Otherwise a fallback loads the 8 bf16 of a chunk one at a time,
// zeros outside, and stores them as one 16-byte word: same layout, same pipeline, slower. The
// choice is uniform for the whole grid, so no warp diverges on it.
//
// Napkin math at 4096^3 on an H200 (132 SMs at ~1.98 GHz):
//   flops        2 * 4096^3 = 137.4 GFLOP; cuBLASLt does about 0.2 ms (its 8192^3 rate is
//                841 TFLOP/s); 0.50x is about 400 TFLOP/s, 0.34 ms
//   blocks       16 x 32 = 512, one per SM (132 at a time): 3.9 waves
//   copies       137.4 GFLOP / 87 flops per byte = 1.6 GB through L2, 4.6 TB/s at 0.34 ms
//   Little       bytes in flight = rate x latency: 4.6 TB/s x ~0.6 us (L2 under load) = 2.8 MB,
//                21 KiB per SM, about one k-tile. STAGES = 4 keeps 3 tiles (72 KiB) in flight;
//                STAGES = 1 keeps none while it computes, and waits the full latency every tile
//   registers    128 accumulators + 32 fragment registers + addresses; __launch_bounds__(256, 1)
//   shared       STAGES x 24 KiB = 96 KiB (dynamic; kernelcoach opts in above 48 KiB)

#include <cuda_bf16.h>

#include "kernelcoach.h"

// Tunables: `kernelcoach tune optimization/02` builds every combination (with -DSTAGES=2 ...),
// checks and times each, and ranks them: 12 variants. kernelcoach also builds this file with
// -DSTAGES=1 for the module's second gate, so STAGES = 1 is a correct (unpipelined) kernel.
// tune: STAGES=2,3,4 BN=128,256 BK=32,64
#ifndef STAGES
#define STAGES 4  // k-tiles in the shared-memory ring: 1 (no pipeline) to 4
#endif
#ifndef BN
#define BN 256    // columns of C per block: 128 (warp tiles 64 x 32) or 256 (64 x 64)
#endif
#ifndef BK
#define BK 32     // depth of a k-tile: 32 or 64
#endif

using bf16 = __nv_bfloat16;

constexpr int BM = 128;                       // rows of C per block
constexpr int WARPS_M = 2, WARPS_N = 4;       // 8 warps: 2 down the block tile, 4 across
constexpr int THREADS = WARPS_M * WARPS_N * 32;
constexpr int WM = BM / WARPS_M;              // 64 rows of C per warp
constexpr int WN = BN / WARPS_N;              // 64 (or 32) columns of C per warp
constexpr int MT = WM / 16;                   // 4 tensor-core tiles down a warp tile (16 rows)
constexpr int NT = WN / 8;                    // 8 (or 4) across (8 columns)
constexpr int KSTEPS = BK / 16;               // mma steps per k-tile (16 deep each)
constexpr int A_CHUNKS = BK / 8;              // 16-byte chunks per row of the A tile: 4 or 8
constexpr int B_CHUNKS = BN / 8;              // per row of the B tile: 32 or 16
constexpr int A_ELEMS = BM * BK;              // (BM, BK) bf16: the A tile of one stage
constexpr int B_ELEMS = BK * BN;              // (BK, BN) bf16: the B tile of one stage
constexpr int STAGE_BYTES = (A_ELEMS + B_ELEMS) * 2;
constexpr unsigned SMEM_BYTES = STAGES * STAGE_BYTES;
constexpr int A_COPIES = BM * A_CHUNKS / THREADS;  // 16-byte copies of A per thread per tile
constexpr int B_COPIES = BK * B_CHUNKS / THREADS;  // of B
// 128 accumulators (BN = 256) need one block per SM; with 64 (BN = 128) two blocks fit in the
// registers: 65536 / 512 = 128 per thread.
constexpr int MIN_BLOCKS = BN == 256 ? 1 : 2;

static_assert(STAGES >= 1 && STAGES <= 4, "1 to 4 stages (wait_group takes STAGES - 2)");
static_assert(BN == 128 || BN == 256, "warp tiles of 64 x 32 or 64 x 64");
static_assert(BK == 32 || BK == 64, "A rows of 4 or 8 chunks: the swizzle below handles those");
static_assert(NT % 2 == 0, "ldmatrix.x4.trans loads B for two 8-column tiles at once");
static_assert(A_COPIES * THREADS == BM * A_CHUNKS && B_COPIES * THREADS == BK * B_CHUNKS,
              "the copies of a tile split evenly over the threads");
static_assert(SMEM_BYTES <= kc::device.shared_per_block_optin,
              "STAGES x (BM x BK + BK x BN) x 2 bytes must fit in this GPU's shared memory");

// ---------------------------------------------------------------------------------------------
// The swizzle. Shared memory serves 16-byte accesses (cp.async writes, ldmatrix rows) in groups
// of 8 lanes, one 128-byte pass each: 8 lanes that hit 8 different 16-byte bank groups ("units",
// address / 16 mod 8) take one pass, 8 lanes in one unit take 8. ldmatrix reads the SAME chunk
// of 8 consecutive rows. Unpadded, a B row is 512 bytes, a multiple of 128: all 8 rows in one
// unit, 8 passes. Storing chunk c of row r at chunk c ^ (r % 8) instead spreads them over the 8
// units, and a row's 8 consecutive chunks (one copy pass) still cover all 8.
// An A row of BK = 32 is 64 bytes, 4 chunks: two rows share a 128-byte line, unit = 4 (r % 2) +
// chunk, so 8 consecutive rows hit 2 units (4 passes); c ^ ((r / 2) % 4) makes it 8.
// Both are bijections inside a row (XOR with a fixed value), so nothing is overwritten.
template <int CHUNKS>  // 16-byte chunks per row
__device__ __forceinline__ int swizzle(int row, int chunk)
{
    if constexpr (CHUNKS >= 8)
        return chunk ^ (row & 7);
    else
        return chunk ^ ((row >> 1) & 3);  // CHUNKS == 4
}

// Byte offsets inside one stage: chunk `chunk` of row `row` of the A tile and of the B tile.
__device__ __forceinline__ unsigned a_offset(int row, int chunk)
{
    return (row * BK + swizzle<A_CHUNKS>(row, chunk) * 8) * 2;
}
__device__ __forceinline__ unsigned b_offset(int row, int chunk)
{
    return A_ELEMS * 2 + (row * BN + swizzle<B_CHUNKS>(row, chunk) * 8) * 2;
}

// ---------------------------------------------------------------------------------------------
// The instructions, as inline PTX. Shared-memory operands are 32-bit shared-window addresses.

// 16 bytes from global `src` to shared `dst`, asynchronously (LDGSTS: no registers on the
// way). src_bytes = 16 copies them; 0 reads nothing and writes 16 zero bytes. .cg: cached in L2
// only (each chunk is used once per block; L1 would only hold it on the way).
__device__ __forceinline__ void cp_async_16(unsigned dst, const void* src, bool valid)
{
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src),
                 "r"(valid ? 16 : 0)
                 : "memory");
}
// Close this thread's cp.asyncs issued since the last commit into one group.
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }
// Wait until at most N of this thread's groups are still in flight (the newest N): every older
// group has landed in shared memory, for this thread's copies. Other threads' copies need a
// __syncthreads() after it.
template <int N>
__device__ __forceinline__ void cp_async_wait()
{
    asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory");
}

// Four 8 x 8 matrices of bf16 from shared memory, one 32-bit register each: lanes 8 j .. 8 j + 7
// give the addresses of the 8 rows (16 bytes each) of matrix j; lane L receives row L / 4,
// columns 2 (L % 4) and 2 (L % 4) + 1 of each matrix. .trans delivers the transpose: column
// L / 4, rows 2 (L % 4) and + 1.
__device__ __forceinline__ void ldmatrix_x4(unsigned (&r)[4], unsigned addr)
{
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(addr)
                 : "memory");
}
__device__ __forceinline__ void ldmatrix_x4_trans(unsigned (&r)[4], unsigned addr)
{
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(addr)
                 : "memory");
}

// d += a b for one 16 x 8 tile of C and a 16-deep slice of k, on the tensor cores, fp32
// accumulation. With g = lane / 4, t = lane % 4 (the PTX ISA's fragment layouts):
//   a[0] = A(g, 2t..2t+1)      a[1] = A(g+8, 2t..2t+1)   a[2] = A(g, 2t+8..)   a[3] = A(g+8, 2t+8..)
//   b[0] = B(2t..2t+1, g)      b[1] = B(2t+8..2t+9, g)
//   d[0], d[1] = C(g, 2t..2t+1)                          d[2], d[3] = C(g+8, 2t..2t+1)
// (two bf16 per register, the lower k or column in the low half).
__device__ __forceinline__ void mma_bf16_16816(float (&d)[4], const unsigned (&a)[4],
                                               const unsigned (&b)[2])
{
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
        "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

// ---------------------------------------------------------------------------------------------
// Copying one k-tile into one stage.

// The fallback for rows that are not 16-byte aligned: the 8 bf16 at `src` (those with ok_count
// > e, i.e. inside the matrix) one at a time, zeros for the rest, stored as one 16-byte word.
__device__ __forceinline__ void copy_chunk_scalar(unsigned char* dst, const bf16* src, int ok_count)
{
    const unsigned short* s = reinterpret_cast<const unsigned short*>(src);
    unsigned w[4];
#pragma unroll
    for (int e = 0; e < 4; ++e) {
        const unsigned lo = 2 * e < ok_count ? s[2 * e] : 0u;      // bf16 +0.0 is 0x0000
        const unsigned hi = 2 * e + 1 < ok_count ? s[2 * e + 1] : 0u;
        w[e] = lo | (hi << 16);
    }
    *reinterpret_cast<uint4*>(dst) = make_uint4(w[0], w[1], w[2], w[3]);
}

// Tile `k0 / BK` of A (rows block_row.., columns k0..) and of B (rows k0.., columns block_col..)
// into the stage at shared address `stage` (generic pointer `stage_ptr`). Chunk f of the A tile
// is row f / A_CHUNKS, chunk f % A_CHUNKS: a warp copies 8 rows x 64 bytes (BK = 32) of A, or
// one 512-byte row of B (BN = 256): whole 32-byte sectors, coalesced.
template <bool ALIGNED>
__device__ __forceinline__ void load_tile(unsigned stage, unsigned char* stage_ptr,
                                          const bf16* __restrict__ a, const bf16* __restrict__ b,
                                          int m, int n, int k, int block_row, int block_col, int k0,
                                          int tid)
{
#pragma unroll
    for (int i = 0; i < A_COPIES; ++i) {
        const int f = tid + i * THREADS;
        const int row = f / A_CHUNKS, chunk = f % A_CHUNKS;
        const int gr = block_row + row, gc = k0 + chunk * 8;  // row and first column in A
        if constexpr (ALIGNED) {
            // k % 8 == 0: the chunk's 8 columns are all inside A or all outside.
            const bool ok = gr < m && gc < k;
            // A chunk outside A reads nothing (src_bytes 0), but its address must still be a
            // valid one: a itself.
            cp_async_16(stage + a_offset(row, chunk), ok ? a + gr * k + gc : a, ok);
        } else {
            const int ok_count = gr < m ? k - gc : 0;  // columns of this chunk inside A
            copy_chunk_scalar(stage_ptr + a_offset(row, chunk),
                              ok_count > 0 ? a + gr * k + gc : a, ok_count);
        }
    }
#pragma unroll
    for (int i = 0; i < B_COPIES; ++i) {
        const int f = tid + i * THREADS;
        const int row = f / B_CHUNKS, chunk = f % B_CHUNKS;
        const int gr = k0 + row, gc = block_col + chunk * 8;  // row and first column in B
        if constexpr (ALIGNED) {
            const bool ok = gr < k && gc < n;  // n % 8 == 0: all 8 columns or none
            cp_async_16(stage + b_offset(row, chunk), ok ? b + gr * n + gc : b, ok);
        } else {
            const int ok_count = gr < k ? n - gc : 0;
            copy_chunk_scalar(stage_ptr + b_offset(row, chunk),
                              ok_count > 0 ? b + gr * n + gc : b, ok_count);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Multiplying one stage: the warp's 64 x WN piece of C += its 64 rows of the A tile times the
// B tile's WN columns, in KSTEPS steps of 16.
__device__ __forceinline__ void compute_tile(unsigned stage, float (&acc)[MT][NT][4], int wm0,
                                             int wn0, int lane)
{
#pragma unroll
    for (int ks = 0; ks < KSTEPS; ++ks) {
        // A: for tile i (rows wm0 + 16 i ..), lanes 0-15 address rows 0-15 of its k columns
        // 16 ks .. + 7 (chunk 2 ks), lanes 16-31 rows 0-15 of columns + 8 .. + 15: the four 8 x 8
        // matrices are (rows 0-7, k 0-7), (8-15, 0-7), (0-7, 8-15), (8-15, 8-15), exactly
        // a[0..3] of the mma's A fragment.
        unsigned af[MT][4];
#pragma unroll
        for (int i = 0; i < MT; ++i) {
            const int row = wm0 + 16 * i + (lane & 15);
            ldmatrix_x4(af[i], stage + a_offset(row, 2 * ks + (lane >> 4)));
        }
        // B: the tile is stored k-major (row = k, as B is in global memory) and the mma wants
        // each lane's two k values of one column: .trans. For columns wn0 + 16 j .., lanes 0-15
        // address k rows 16 ks + 0..15 of the first 8 columns, lanes 16-31 the same rows of the
        // next 8: matrices (k 0-7, n 0-7), (k 8-15, n 0-7), (k 0-7, n 8-15), (k 8-15, n 8-15) =
        // b[0], b[1] of tile 2 j and b[0], b[1] of tile 2 j + 1.
        unsigned bfr[NT][2];
#pragma unroll
        for (int j = 0; j < NT / 2; ++j) {
            const int row = 16 * ks + (lane & 15);
            unsigned r[4];
            ldmatrix_x4_trans(r, stage + b_offset(row, (wn0 + 16 * j) / 8 + (lane >> 4)));
            bfr[2 * j][0] = r[0];
            bfr[2 * j][1] = r[1];
            bfr[2 * j + 1][0] = r[2];
            bfr[2 * j + 1][1] = r[3];
        }
        // 32 (or 16) independent mma: enough work in flight per warp to keep the tensor cores
        // busy while the next step's ldmatrix run.
#pragma unroll
        for (int i = 0; i < MT; ++i)
#pragma unroll
            for (int j = 0; j < NT; ++j)
                mma_bf16_16816(acc[i][j], af[i], bfr[j]);
    }
}

// ---------------------------------------------------------------------------------------------
// The whole kernel, for one choice of copy path (the entry kernel below picks one).
template <bool ALIGNED>
__device__ __forceinline__ void gemm_block(const bf16* __restrict__ a, const bf16* __restrict__ b,
                                           bf16* __restrict__ c, int m, int n, int k,
                                           unsigned char* smem)
{
    const int tid = threadIdx.x, lane = tid % 32, warp = tid / 32;
    const int block_row = blockIdx.y * BM, block_col = blockIdx.x * BN;
    const int wm0 = (warp / WARPS_N) * WM;  // the warp's piece of the block tile
    const int wn0 = (warp % WARPS_N) * WN;
    const unsigned smem_base = static_cast<unsigned>(__cvta_generic_to_shared(smem));

    float acc[MT][NT][4];  // acc[i][j]: the 16 x 8 tile (wm0 + 16 i, wn0 + 8 j), 4 per thread
#pragma unroll
    for (int i = 0; i < MT; ++i)
#pragma unroll
        for (int j = 0; j < NT; ++j)
#pragma unroll
            for (int e = 0; e < 4; ++e) acc[i][j][e] = 0.0f;

    // k-tiles; the last may be partial (zero-filled). (int offsets into a, b and c: exact while
    // m k, k n and m n stay below 2^31, as in every case here.)
    const int tiles = (k + BK - 1) / BK;

    if constexpr (STAGES == 1) {
        // No pipeline: copy, wait, multiply, in turn. While the copies fly (hundreds of
        // cycles), this block's warps have nothing to do.
        for (int t = 0; t < tiles; ++t) {
            load_tile<ALIGNED>(smem_base, smem, a, b, m, n, k, block_row, block_col, t * BK, tid);
            cp_async_commit();
            cp_async_wait<0>();  // this thread's copies have landed
            // Barrier: every thread's copies of tile t have landed before any warp reads it.
            __syncthreads();
            compute_tile(smem_base, acc, wm0, wn0, lane);
            // Barrier: every warp has finished reading the tile before it is overwritten.
            __syncthreads();
        }
    } else {
        // The prologue: tiles 0 .. STAGES - 2 into stages 0 .. STAGES - 2, one group each.
        // A group is committed even when there is no tile left to copy (k shorter than the
        // ring): an empty group completes at once, and the count below stays right.
#pragma unroll
        for (int s = 0; s < STAGES - 1; ++s) {
            if (s < tiles)
                load_tile<ALIGNED>(smem_base + s * STAGE_BYTES, smem + s * STAGE_BYTES, a, b, m, n,
                                   k, block_row, block_col, s * BK, tid);
            cp_async_commit();
        }

        int read_stage = 0;            // stage of tile t
        int write_stage = STAGES - 1;  // stage of tile t + STAGES - 1
        for (int t = 0; t < tiles; ++t) {
            // Groups committed so far: STAGES - 1 + t, tile j in group j. Tile t has landed
            // when at most the newest STAGES - 2 (tiles t + 1 .. t + STAGES - 2) are in flight.
            cp_async_wait<STAGES - 2>();
            // Barrier: (1) every thread's copies of tile t have landed, not only this one's;
            // (2) every warp has finished multiplying tile t - 1, so its stage, write_stage, is
            // free for tile t + STAGES - 1. One barrier per k-tile does both.
            __syncthreads();

            // Refill the stage freed at the barrier, before the multiplications, so that the
            // copies fly while they run. Always commit, as in the prologue.
            const int next = t + STAGES - 1;
            if (next < tiles)
                load_tile<ALIGNED>(smem_base + write_stage * STAGE_BYTES,
                                   smem + write_stage * STAGE_BYTES, a, b, m, n, k, block_row,
                                   block_col, next * BK, tid);
            cp_async_commit();

            compute_tile(smem_base + read_stage * STAGE_BYTES, acc, wm0, wn0, lane);

            read_stage = read_stage == STAGES - 1 ? 0 : read_stage + 1;
            write_stage = write_stage == STAGES - 1 ? 0 : write_stage + 1;
        }
        // Only empty groups can be in flight here: nothing to wait for before the store.
    }

    // The store: thread (g, t) of each 16 x 8 tile holds C(g, 2t..2t+1) and C(g+8, 2t..2t+1).
    // Each pair becomes one bf16x2 (4 bytes) when C's rows allow it (n % 8 == 0: n even, the
    // column even), else two bf16; outputs outside C are not stored.
    const int g = lane / 4, t4 = lane % 4;
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

// __launch_bounds__(256, 1): 256 threads, one block per SM, up to 255 registers per thread.
extern "C" __global__ void __launch_bounds__(THREADS, MIN_BLOCKS)
gemm(const bf16* __restrict__ a, const bf16* __restrict__ b, bf16* __restrict__ c, int m, int n,
     int k)
{
    // STAGES x 24 KiB, sized by launch() below. 128-byte alignment keeps the swizzle's bank
    // arithmetic true (rows start at multiples of 128 bytes) and every chunk 16-byte aligned.
    extern __shared__ __align__(128) unsigned char smem[];

    // The 16-byte path needs the rows of A (k % 8 == 0) and of B (n % 8 == 0) 16-byte aligned.
    // The test is the same for every thread of the grid, so no warp diverges.
    if (k % 8 == 0 && n % 8 == 0)
        gemm_block<true>(a, b, c, m, n, k, smem);
    else
        gemm_block<false>(a, b, c, m, n, k, smem);
}

// One block per BM x BN tile of C, rounded up: x walks the columns of C, y its rows.
// 4096^2 -> 16 x 32 blocks; 200 x 264 -> 2 x 2; 1 x 1 -> 1 x 1. STAGES x 24 KiB of dynamic
// shared memory (96 KiB for the defaults; kernelcoach opts in to more than 48 KiB).
constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.n + BN - 1) / BN), unsigned((p.m + BM - 1) / BM)},
                  .block = {unsigned(THREADS)},
                  .shared_bytes = SMEM_BYTES};
}
