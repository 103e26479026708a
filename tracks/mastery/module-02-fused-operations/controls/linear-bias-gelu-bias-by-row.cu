// Control for mastery/02, part linear-bias-gelu - expected verdict: WRONG.
//
// What it demonstrates: the bias indexed by the row of D, bias[row], instead of by its column,
// bias[col]. In a linear layer y = x W + b the bias has one value per OUTPUT feature, the columns
// of D (n of them); every row (every token) adds the same vector. It is
// controls/linear-bias-gelu-mma-sync.cu (a correct portable kernel) with that one change, in its
// store_tile(). The right elements are those where the two biases happen to be close, as on the
// diagonal (row i = column i) and nowhere else in particular; the report's diagnosis names it:
// "the bias is indexed by the row". Where m > n (k-one, tall, mlp) rows past n also read past the
// end of bias (into kernelcoach's guard zone, which reads do not disturb): garbage there as well,
// and one more reason the index must be the column.

#include <cuda_bf16.h>

#include "kernelcoach.h"

// Tunables (optimization/02's): `kernelcoach tune mastery/02/linear-bias-gelu --file ...` builds
// every combination, checks and times each.
// tune: STAGES=2,3,4 BN=128,256 BK=32,64
#ifndef STAGES
#define STAGES 3  // k-tiles in the shared-memory ring: 1 (no pipeline) to 4
#endif
#ifndef BN
#define BN 128    // columns of D per block: 128 (warp tiles 64 x 32) or 256 (64 x 64)
#endif
#ifndef BK
#define BK 64     // depth of a k-tile: 32 or 64
#endif

using bf16 = __nv_bfloat16;

constexpr int BM = 128;                       // rows of D per block
constexpr int WARPS_M = 2, WARPS_N = 4;       // 8 warps: 2 down the block tile, 4 across
constexpr int THREADS = WARPS_M * WARPS_N * 32;
constexpr int WM = BM / WARPS_M;              // 64 rows of D per warp
constexpr int WN = BN / WARPS_N;              // 32 (or 64) columns of D per warp
constexpr int MT = WM / 16;                   // 4 tensor-core tiles down a warp tile (16 rows)
constexpr int NT = WN / 8;                    // 4 (or 8) across (8 columns)
constexpr int KSTEPS = BK / 16;               // mma steps per k-tile (16 deep each)
constexpr int A_CHUNKS = BK / 8;              // 16-byte chunks per row of the A tile: 4 or 8
constexpr int B_CHUNKS = BN / 8;              // per row of the B tile: 16 or 32
constexpr int A_ELEMS = BM * BK;              // (BM, BK) bf16: the A tile of one stage
constexpr int B_ELEMS = BK * BN;              // (BK, BN) bf16: the B tile of one stage
constexpr int STAGE_BYTES = (A_ELEMS + B_ELEMS) * 2;
constexpr unsigned SMEM_BYTES = STAGES * STAGE_BYTES;
constexpr int A_COPIES = BM * A_CHUNKS / THREADS;  // 16-byte copies of A per thread per tile
constexpr int B_COPIES = BK * B_CHUNKS / THREADS;  // of B
// 64 accumulators (BN = 128) let two blocks share an SM's registers (at most 128 a thread);
// 128 (BN = 256) need one block per SM.
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
// The epilogue's function. GELU in the tanh form, in fp32:
//     GELU(z) = 0.5 z (1 + tanh(u)),   u = sqrt(2/pi) (z + 0.044715 z^3) = z (c0 + c1 z^2)
// tanh.approx.f32 is the SFU's tanh (one instruction, relative error about 2^-11; sm_75+): the
// exercise's bound admits it. 0.5 z (1 + t) is written fma(0.5 z, t, 0.5 z): for z far below 0,
// t = -1 and the result is exactly 0, as GELU's -1e-20 rounds to in bf16 anyway.
__device__ __forceinline__ float tanh_approx(float x)
{
    float y;
    asm("tanh.approx.f32 %0, %1;" : "=f"(y) : "f"(x));
    return y;
}

__device__ __forceinline__ float gelu_tanh(float z)
{
    constexpr float c0 = 0.7978845608028654f;             // sqrt(2 / pi)
    constexpr float c1 = 0.7978845608028654f * 0.044715f;  // sqrt(2 / pi) * 0.044715
    const float u = z * fmaf(c1, z * z, c0);
    const float hz = 0.5f * z;
    return fmaf(hz, tanh_approx(u), hz);
}

// One element of D from its fp32 sum and its column's bias.
__device__ __forceinline__ float epilogue(float acc, float bias) { return gelu_tanh(acc + bias); }

// ---------------------------------------------------------------------------------------------
// The swizzle (optimization/02): chunk c of row r of a tile lives at chunk c ^ f(r) of its row,
// so that the 8 rows one ldmatrix phase reads, and the 8 chunks a quarter of a warp copies at
// once, fall in 8 different 16-byte bank groups.
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

// 16 bytes from global `src` to shared `dst`, asynchronously; src_bytes 0 writes 16 zero bytes.
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

// Four 8 x 8 matrices of bf16 from shared memory (lanes 8 j .. 8 j + 7 address matrix j's rows);
// .trans delivers each transposed.
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

// d += a b for one 16 x 8 tile of D and 16 of k, fp32 accumulation. With g = lane / 4 and
// t = lane % 4: d[0], d[1] = D(g, 2t..2t+1), d[2], d[3] = D(g+8, 2t..2t+1).
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

// For rows that are not 16-byte aligned: the 8 bf16 at `src` (the first ok_count of them inside
// the matrix) one at a time, zeros for the rest, stored as one 16-byte word.
__device__ __forceinline__ void copy_chunk_scalar(unsigned char* dst, const bf16* src, int ok_count)
{
    const unsigned short* s = reinterpret_cast<const unsigned short*>(src);
    unsigned w[4];
#pragma unroll
    for (int e = 0; e < 4; ++e) {
        const unsigned lo = 2 * e < ok_count ? s[2 * e] : 0u;  // bf16 +0.0 is 0x0000
        const unsigned hi = 2 * e + 1 < ok_count ? s[2 * e + 1] : 0u;
        w[e] = lo | (hi << 16);
    }
    *reinterpret_cast<uint4*>(dst) = make_uint4(w[0], w[1], w[2], w[3]);
}

// Tile `k0 / BK` of A (rows block_row.., columns k0..) and of B (rows k0.., columns block_col..)
// into the stage at shared address `stage` (generic pointer `stage_ptr`). Chunks outside A or B
// (past m, n or k) are zeros, so a partial last k-tile adds nothing.
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
            const bool ok = gr < m && gc < k;  // k % 8 == 0: all 8 columns inside, or none
            cp_async_16(stage + a_offset(row, chunk), ok ? a + size_t(gr) * k + gc : a, ok);
        } else {
            const int ok_count = gr < m ? k - gc : 0;  // columns of this chunk inside A
            copy_chunk_scalar(stage_ptr + a_offset(row, chunk),
                              ok_count > 0 ? a + size_t(gr) * k + gc : a, ok_count);
        }
    }
#pragma unroll
    for (int i = 0; i < B_COPIES; ++i) {
        const int f = tid + i * THREADS;
        const int row = f / B_CHUNKS, chunk = f % B_CHUNKS;
        const int gr = k0 + row, gc = block_col + chunk * 8;  // row and first column in B
        if constexpr (ALIGNED) {
            const bool ok = gr < k && gc < n;  // n % 8 == 0: all 8 columns or none
            cp_async_16(stage + b_offset(row, chunk), ok ? b + size_t(gr) * n + gc : b, ok);
        } else {
            const int ok_count = gr < k ? n - gc : 0;
            copy_chunk_scalar(stage_ptr + b_offset(row, chunk),
                              ok_count > 0 ? b + size_t(gr) * n + gc : b, ok_count);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Multiplying one stage: the warp's 64 x WN piece of D += its 64 rows of the A tile times the
// B tile's WN columns, in KSTEPS steps of 16 (optimization/02's fragment plan).
__device__ __forceinline__ void compute_tile(unsigned stage, float (&acc)[MT][NT][4], int wm0,
                                             int wn0, int lane)
{
#pragma unroll
    for (int ks = 0; ks < KSTEPS; ++ks) {
        unsigned af[MT][4];
#pragma unroll
        for (int i = 0; i < MT; ++i) {
            const int row = wm0 + 16 * i + (lane & 15);
            ldmatrix_x4(af[i], stage + a_offset(row, 2 * ks + (lane >> 4)));
        }
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
#pragma unroll
        for (int i = 0; i < MT; ++i)
#pragma unroll
            for (int j = 0; j < NT; ++j)
                mma_bf16_16816(acc[i][j], af[i], bfr[j]);
    }
}

// ---------------------------------------------------------------------------------------------
// The fused epilogue: thread (g, t) of each 16 x 8 tile holds D(g, 2t..2t+1) and D(g+8, 2t..2t+1)
// as fp32 sums. z = acc + bias[row] (the mistake: the answer is bias[col]), y = GELU(z), all in
// fp32, then one rounding to bf16 and one store. Pairs
// become one bf16x2 (4 bytes) when rows allow it (n % 8 == 0: n even, the column even); outputs
// outside D are not stored.
template <bool ALIGNED>
__device__ __forceinline__ void store_tile(const float (&acc)[MT][NT][4], const bf16* __restrict__ bias,
                                           bf16* __restrict__ d, int m, int n, int row0, int col0,
                                           int lane)
{
    const int g = lane / 4, t4 = lane % 4;
#pragma unroll
    for (int j = 0; j < NT; ++j) {
        const int col = col0 + 8 * j + 2 * t4;
        if (col >= n) continue;
#pragma unroll
        for (int i = 0; i < MT; ++i) {
#pragma unroll
            for (int h = 0; h < 2; ++h) {
                const int row = row0 + 16 * i + 8 * h + g;
                if (row >= m) continue;
                const float b0 = __bfloat162float(bias[row]);  // the mistake: the bias by row
                const float y0 = epilogue(acc[i][j][2 * h], b0);
                const float y1 = epilogue(acc[i][j][2 * h + 1], b0);
                bf16* dst = d + size_t(row) * n + col;
                if constexpr (ALIGNED) {
                    *reinterpret_cast<__nv_bfloat162*>(dst) = __floats2bfloat162_rn(y0, y1);
                } else {
                    dst[0] = __float2bfloat16_rn(y0);
                    if (col + 1 < n) dst[1] = __float2bfloat16_rn(y1);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The whole kernel, for one choice of copy path (the entry kernel below picks one).
template <bool ALIGNED>
__device__ __forceinline__ void block_tile(const bf16* __restrict__ a, const bf16* __restrict__ b,
                                           const bf16* __restrict__ bias, bf16* __restrict__ d, int m,
                                           int n, int k, unsigned char* smem)
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

    // k-tiles, rounded up: the last may be partial (its chunks past k are zeros).
    const int tiles = (k + BK - 1) / BK;

    if constexpr (STAGES == 1) {
        for (int t = 0; t < tiles; ++t) {
            load_tile<ALIGNED>(smem_base, smem, a, b, m, n, k, block_row, block_col, t * BK, tid);
            cp_async_commit();
            cp_async_wait<0>();
            // Barrier: every thread's copies of tile t have landed before any warp reads it.
            __syncthreads();
            compute_tile(smem_base, acc, wm0, wn0, lane);
            // Barrier: every warp has finished reading the tile before it is overwritten.
            __syncthreads();
        }
    } else {
        // The prologue: tiles 0 .. STAGES - 2 into stages 0 .. STAGES - 2, one group each (an
        // empty group when k is shorter than the ring, so that the counting below holds).
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
            // Tile t has landed (for this thread's copies) once at most STAGES - 2 groups fly.
            cp_async_wait<STAGES - 2>();
            // Barrier: (1) every thread's copies of tile t have landed; (2) every warp is done
            // with tile t - 1, so its stage (write_stage) may be refilled.
            __syncthreads();

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
        // Only empty groups can be in flight here; the epilogue reads registers only.
    }

    store_tile<ALIGNED>(acc, bias, d, m, n, block_row + wm0, block_col + wn0, lane);
}

extern "C" __global__ void __launch_bounds__(THREADS, MIN_BLOCKS)
linear_bias_gelu(const bf16* __restrict__ a, const bf16* __restrict__ b, const bf16* __restrict__ bias,
                 bf16* __restrict__ d, int m, int n, int k)
{
    // STAGES x 32 KiB for the defaults (128 x 64 + 64 x 128 bf16 a stage), sized by launch().
    extern __shared__ __align__(128) unsigned char smem[];

    // The 16-byte path needs the rows of A (k % 8 == 0) and of B and D (n % 8 == 0) 16-byte
    // aligned. The test is the same for every thread of the grid, so no warp diverges.
    if (k % 8 == 0 && n % 8 == 0)
        block_tile<true>(a, b, bias, d, m, n, k, smem);
    else
        block_tile<false>(a, b, bias, d, m, n, k, smem);
}

// One block per BM x BN tile of D, rounded up: x walks the columns of D, y its rows.
// 16384 x 4096 -> 32 x 128 blocks; 1 x 1 -> 1 x 1. STAGES x 32 KiB of dynamic shared memory
// (96 KiB for the defaults; kernelcoach opts in above 48 KiB).
constexpr Launch launch(Problem p)
{
    return Launch{.grid = {unsigned((p.n + BN - 1) / BN), unsigned((p.m + BM - 1) / BM)},
                  .block = {unsigned(THREADS)},
                  .shared_bytes = SMEM_BYTES};
}
