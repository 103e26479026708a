// Control for mastery/02, part layer-norm-linear - expected verdict: WRONG.
//
// What it demonstrates: the products summed in bf16. mma.sync has no bf16 accumulator for bf16
// inputs, so the mistake is made the way a kernel would make it by storing partial sums in bf16:
// each accumulator rounded to bf16 after every mma.sync, that is every 16 products. It is
// controls/layer-norm-linear-mma-sync.cu (a correct portable kernel) with that one change, in
// compute_tile().
//
// Why it fails: the bound admits fp32 accumulation (4u (k + 1) of the sum of the products'
// magnitudes, u = 2^-24) and D's one rounding to bf16; each extra rounding of a partial sum costs
// up to 2^-9 of it, k / 16 times. docs/grading.md's host simulation of a bf16 accumulator (rounded
// after every product) fails by 81 to 130 bounds at k = 64 to 70 and 15 to 17 at k = 1000 and 1024,
// on 40% of the elements; this one, rounded 16 times less often, by 17 to 38 at k = 80 to 200 and
// 4 to 5 at k = 1024 on 11% in a host simulation written with this control. Cases with k <= 16
// (1 x 1 x 1, k = 1, k = 3) pass: one mma, one rounding, the same as D's own. Every kind of row is
// wrong, so the report names none.

#include <cuda_bf16.h>

#include "kernelcoach.h"

// Tunables (optimization/02's): `kernelcoach tune mastery/02/layer-norm-linear --file ...` builds
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

// =============================================================================================
// Kernel 1, ln_stats: each row's mean and rstd, a warp per row.
// =============================================================================================
constexpr int STATS_THREADS = 256;                  // 8 warps: 8 rows per block
constexpr int STATS_ROWS = STATS_THREADS / 32;
constexpr int STATS_VEC = 4;                        // 16-byte chunks a lane holds: rows up to 4 x 8 x 32 = 1024

__device__ __forceinline__ float warp_sum(float v)
{
#pragma unroll
    for (int o = 16; o > 0; o /= 2) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

// The 8 bf16 of a 16-byte chunk as floats. bf16 -> fp32 is exact: the bf16 is the upper half of
// the fp32's bits (the lower address holds the lower half of each 32-bit word).
__device__ __forceinline__ void unpack8(const uint4& c, float (&v)[8])
{
    const unsigned w[4] = {c.x, c.y, c.z, c.w};
#pragma unroll
    for (int e = 0; e < 4; ++e) {
        v[2 * e] = __uint_as_float(w[e] << 16);
        v[2 * e + 1] = __uint_as_float(w[e] & 0xffff0000u);
    }
}

// stats holds (mean, rstd) of row r at stats[2 r], stats[2 r + 1]: one 8-byte load in ln_linear.
// Two passes: the mean first, then the mean of (x - mean)^2, so the rows of mean 8 to 64 keep
// their variance (E[x^2] - E[x]^2 would cancel it). A true divide for the mean: on a constant row
// the sum is exact and so is the mean, every deviation is 0, and z = beta.
extern "C" __global__ void __launch_bounds__(STATS_THREADS)
ln_stats(const bf16* __restrict__ x, float* __restrict__ stats, int m, int k, float eps)
{
    const int lane = threadIdx.x % 32;
    const int r = blockIdx.x * STATS_ROWS + threadIdx.x / 32;
    if (r >= m) return;  // a whole warp leaves: no barrier below, shuffles stay within warps
    const bf16* row = x + size_t(r) * k;
    float mean, var;
    if (k % 8 == 0 && k <= 8 * 32 * STATS_VEC) {
        // The row in registers: every load issued before any is used (2 KiB a warp in flight).
        const uint4* row8 = reinterpret_cast<const uint4*>(row);
        const int n8 = k / 8;
        float v[STATS_VEC][8];
#pragma unroll
        for (int i = 0; i < STATS_VEC; ++i) {
            const int q = lane + 32 * i;
            unpack8(q < n8 ? row8[q] : make_uint4(0u, 0u, 0u, 0u), v[i]);  // bf16 +0 is 0x0000
        }
        float s = 0.0f;
#pragma unroll
        for (int i = 0; i < STATS_VEC; ++i)
#pragma unroll
            for (int e = 0; e < 8; ++e) s += v[i][e];  // the padding adds 0
        mean = warp_sum(s) / k;
        float ss = 0.0f;
#pragma unroll
        for (int i = 0; i < STATS_VEC; ++i)
            if (lane + 32 * i < n8)  // the padding is not a deviation
#pragma unroll
                for (int e = 0; e < 8; ++e) {
                    const float dv = v[i][e] - mean;
                    ss = fmaf(dv, dv, ss);
                }
        var = warp_sum(ss) / k;
    } else if (k % 8 == 0) {
        // Longer rows of 16-byte chunks (the timed case's 4096): two sweeps of 16-byte loads, the
        // second from L1 or L2, four chunks a lane in flight.
        const uint4* row8 = reinterpret_cast<const uint4*>(row);
        const int n8 = k / 8;
        float s = 0.0f;
#pragma unroll 4
        for (int q = lane; q < n8; q += 32) {
            float v[8];
            unpack8(row8[q], v);
#pragma unroll
            for (int e = 0; e < 8; ++e) s += v[e];
        }
        mean = warp_sum(s) / k;
        float ss = 0.0f;
#pragma unroll 4
        for (int q = lane; q < n8; q += 32) {
            float v[8];
            unpack8(row8[q], v);
#pragma unroll
            for (int e = 0; e < 8; ++e) {
                const float dv = v[e] - mean;
                ss = fmaf(dv, dv, ss);
            }
        }
        var = warp_sum(ss) / k;
    } else {
        // Any other row: two sweeps, one bf16 at a time (the second from L1 or L2).
        float s = 0.0f;
        for (int j = lane; j < k; j += 32) s += __bfloat162float(row[j]);
        mean = warp_sum(s) / k;
        float ss = 0.0f;
        for (int j = lane; j < k; j += 32) {
            const float dv = __bfloat162float(row[j]) - mean;
            ss = fmaf(dv, dv, ss);
        }
        var = warp_sum(ss) / k;
    }
    if (lane == 0) reinterpret_cast<float2*>(stats)[r] = make_float2(mean, rsqrtf(var + eps));
}

// =============================================================================================
// Kernel 2, ln_linear: D = bf16(z) W, z normalised as A's k-tiles arrive.
// =============================================================================================
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
constexpr int A_ROW_STEP = THREADS / A_CHUNKS;     // rows between a thread's chunks of A: 32 or 64
// 64 accumulators (BN = 128) let two blocks share an SM's registers (at most 128 a thread);
// 128 (BN = 256) need one block per SM.
constexpr int MIN_BLOCKS = BN == 256 ? 1 : 2;

static_assert(STAGES >= 1 && STAGES <= 4, "1 to 4 stages (wait_group takes STAGES - 2)");
static_assert(BN == 128 || BN == 256, "warp tiles of 64 x 32 or 64 x 64");
static_assert(BK == 32 || BK == 64, "A rows of 4 or 8 chunks: the swizzle below handles those");
static_assert(NT % 2 == 0, "ldmatrix.x4.trans loads B for two 8-column tiles at once");
static_assert(A_COPIES * THREADS == BM * A_CHUNKS && B_COPIES * THREADS == BK * B_CHUNKS,
              "the copies of a tile split evenly over the threads");
static_assert(THREADS % A_CHUNKS == 0, "a thread copies the same chunk column of every A tile");
static_assert(SMEM_BYTES <= kc::device.shared_per_block_optin,
              "STAGES x (BM x BK + BK x BN) x 2 bytes must fit in this GPU's shared memory");

// ---------------------------------------------------------------------------------------------
// The normalisation, one element: z = (x - mean) rstd gamma + beta in fp32. Both copy paths end
// here, and pack() rounds z to bf16 for the tensor cores.
__device__ __forceinline__ float normalise(float x, float2 st, float g, float b)
{
    return fmaf((x - st.x) * st.y, g, b);  // st = (mean, rstd)
}

// Two z as one bf16x2 word, each rounded to the NEAREST bf16 (ties to even): the rounding the
// contract names (cvt.rn.bf16x2.f32). lo goes to the lower address.
__device__ __forceinline__ unsigned pack(float lo, float hi)
{
    const __nv_bfloat162 h = __floats2bfloat162_rn(lo, hi);
    return *reinterpret_cast<const unsigned*>(&h);
}

// A 16-byte chunk of x (8 values of one row, columns gc .. gc + 7) normalised: 8 z in bf16.
__device__ __forceinline__ uint4 normalise8(const uint4& c, float2 st, const float (&g)[8], const float (&b)[8])
{
    float v[8];
    unpack8(c, v);
    return make_uint4(pack(normalise(v[0], st, g[0], b[0]), normalise(v[1], st, g[1], b[1])),
                      pack(normalise(v[2], st, g[2], b[2]), normalise(v[3], st, g[3], b[3])),
                      pack(normalise(v[4], st, g[4], b[4]), normalise(v[5], st, g[5], b[5])),
                      pack(normalise(v[6], st, g[6], b[6]), normalise(v[7], st, g[7], b[7])));
}

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
//
// A thread copies the same chunk column of every A tile (chunk = tid % A_CHUNKS) in A_COPIES rows
// (tid / A_CHUNKS + i A_ROW_STEP): its rows' statistics are loaded once, before the k loop, into
// st[i], and per k-tile it needs the gamma and beta of 8 columns only.

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

// The same for a chunk of x, normalised on the way (the unaligned path's A): z for the columns
// inside A, zeros past k (and for rows past m, ok_count = 0), so a partial k-tile adds nothing.
__device__ __forceinline__ void copy_chunk_normalised(unsigned char* dst, const bf16* src, int ok_count, float2 st,
                                                      const float* __restrict__ gamma,
                                                      const float* __restrict__ beta, int gc)
{
    float z[8];
#pragma unroll
    for (int e = 0; e < 8; ++e)
        z[e] = e < ok_count ? normalise(__bfloat162float(src[e]), st, gamma[gc + e], beta[gc + e]) : 0.0f;
    *reinterpret_cast<uint4*>(dst) =
        make_uint4(pack(z[0], z[1]), pack(z[2], z[3]), pack(z[4], z[5]), pack(z[6], z[7]));
}

// Tile `k0 / BK` of x (rows block_row.., columns k0..) and of W (rows k0.., columns block_col..)
// into the stage at shared address `stage` (generic pointer `stage_ptr`). Chunks outside x or W
// (past m, n or k) are zeros, so a partial last k-tile adds nothing. The aligned path copies x as
// it is (normalise_tile() rewrites it once it has landed); the unaligned path stores z directly.
template <bool ALIGNED>
__device__ __forceinline__ void load_tile(unsigned stage, unsigned char* stage_ptr, const bf16* __restrict__ x,
                                          const bf16* __restrict__ w, const float* __restrict__ gamma,
                                          const float* __restrict__ beta, const float2 (&st)[A_COPIES], int m,
                                          int n, int k, int block_row, int block_col, int k0, int tid)
{
    const int chunk = tid % A_CHUNKS, gc = k0 + chunk * 8;  // the chunk column and its first column in x
#pragma unroll
    for (int i = 0; i < A_COPIES; ++i) {
        const int row = tid / A_CHUNKS + i * A_ROW_STEP;
        const int gr = block_row + row;  // the row in x
        if constexpr (ALIGNED) {
            const bool ok = gr < m && gc < k;  // k % 8 == 0: all 8 columns inside, or none
            cp_async_16(stage + a_offset(row, chunk), ok ? x + size_t(gr) * k + gc : x, ok);
        } else {
            const int ok_count = gr < m ? k - gc : 0;  // columns of this chunk inside x
            copy_chunk_normalised(stage_ptr + a_offset(row, chunk), ok_count > 0 ? x + size_t(gr) * k + gc : x,
                                  ok_count, st[i], gamma, beta, gc);
        }
    }
#pragma unroll
    for (int i = 0; i < B_COPIES; ++i) {
        const int f = tid + i * THREADS;
        const int row = f / B_CHUNKS, bchunk = f % B_CHUNKS;
        const int gr = k0 + row, bc = block_col + bchunk * 8;  // row and first column in W
        if constexpr (ALIGNED) {
            const bool ok = gr < k && bc < n;  // n % 8 == 0: all 8 columns or none
            cp_async_16(stage + b_offset(row, bchunk), ok ? w + size_t(gr) * n + bc : w, ok);
        } else {
            const int ok_count = gr < k ? n - bc : 0;
            copy_chunk_scalar(stage_ptr + b_offset(row, bchunk), ok_count > 0 ? w + size_t(gr) * n + bc : w,
                              ok_count);
        }
    }
}

// The aligned path's normalisation, in place: this thread's own chunks of A in the stage, once
// its cp.async copies of them have completed (cp.async.wait_group), before the barrier that
// hands the stage to every warp. Chunks past k and rows past m stay the zeros they arrived as.
__device__ __forceinline__ void normalise_tile(unsigned char* stage_ptr, const float* __restrict__ gamma,
                                               const float* __restrict__ beta, const float2 (&st)[A_COPIES],
                                               int m, int k, int block_row, int k0, int tid)
{
    const int chunk = tid % A_CHUNKS, gc = k0 + chunk * 8;
    if (gc >= k) return;  // k % 8 == 0 here: the chunk is wholly past k
    float g[8], b[8];     // gamma and beta of the chunk's 8 columns (32 KiB in all at k = 4096: L1 or L2 hits)
    const float4* g4 = reinterpret_cast<const float4*>(gamma + gc);
    const float4* b4 = reinterpret_cast<const float4*>(beta + gc);
    const float4 g0 = g4[0], g1 = g4[1], b0 = b4[0], b1 = b4[1];
    g[0] = g0.x, g[1] = g0.y, g[2] = g0.z, g[3] = g0.w, g[4] = g1.x, g[5] = g1.y, g[6] = g1.z, g[7] = g1.w;
    b[0] = b0.x, b[1] = b0.y, b[2] = b0.z, b[3] = b0.w, b[4] = b1.x, b[5] = b1.y, b[6] = b1.z, b[7] = b1.w;
#pragma unroll
    for (int i = 0; i < A_COPIES; ++i) {
        const int row = tid / A_CHUNKS + i * A_ROW_STEP;
        if (block_row + row >= m) continue;
        uint4* p = reinterpret_cast<uint4*>(stage_ptr + a_offset(row, chunk));
        *p = normalise8(*p, st[i], g, b);
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
            for (int j = 0; j < NT; ++j) {
                mma_bf16_16816(acc[i][j], af[i], bfr[j]);
                // MISTAKE: the sum kept in bf16: rounded after every 16 products (mma.sync has no
                // bf16 accumulator; this is what one would store between its steps).
#pragma unroll
                for (int e = 0; e < 4; ++e) acc[i][j][e] = __bfloat162float(__float2bfloat16_rn(acc[i][j][e]));
            }
    }
}

// ---------------------------------------------------------------------------------------------
// The epilogue: thread (g, t) of each 16 x 8 tile holds D(g, 2t..2t+1) and D(g+8, 2t..2t+1) as
// fp32 sums; one rounding to bf16 and one store, a bf16x2 (4 bytes) when rows allow it (n % 8 ==
// 0). Outputs outside D are not stored.
template <bool ALIGNED>
__device__ __forceinline__ void store_tile(const float (&acc)[MT][NT][4], bf16* __restrict__ d, int m, int n,
                                           int row0, int col0, int lane)
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
                bf16* dst = d + size_t(row) * n + col;
                if constexpr (ALIGNED) {
                    *reinterpret_cast<__nv_bfloat162*>(dst) =
                        __floats2bfloat162_rn(acc[i][j][2 * h], acc[i][j][2 * h + 1]);
                } else {
                    dst[0] = __float2bfloat16_rn(acc[i][j][2 * h]);
                    if (col + 1 < n) dst[1] = __float2bfloat16_rn(acc[i][j][2 * h + 1]);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The whole kernel, for one choice of copy path (the entry kernel below picks one).
template <bool ALIGNED>
__device__ __forceinline__ void block_tile(const bf16* __restrict__ x, const float* __restrict__ stats,
                                           const float* __restrict__ gamma, const float* __restrict__ beta,
                                           const bf16* __restrict__ w, bf16* __restrict__ d, int m, int n, int k,
                                           unsigned char* smem)
{
    const int tid = threadIdx.x, lane = tid % 32, warp = tid / 32;
    const int block_row = blockIdx.y * BM, block_col = blockIdx.x * BN;
    const int wm0 = (warp / WARPS_N) * WM;  // the warp's piece of the block tile
    const int wn0 = (warp % WARPS_N) * WN;
    const unsigned smem_base = static_cast<unsigned>(__cvta_generic_to_shared(smem));

    // (mean, rstd) of the A_COPIES rows this thread copies, for the whole k loop. ln_stats ran
    // before this kernel on the same stream, so its stores are visible here.
    float2 st[A_COPIES];
#pragma unroll
    for (int i = 0; i < A_COPIES; ++i) {
        const int gr = block_row + tid / A_CHUNKS + i * A_ROW_STEP;
        st[i] = gr < m ? reinterpret_cast<const float2*>(stats)[gr] : make_float2(0.0f, 0.0f);
    }

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
            load_tile<ALIGNED>(smem_base, smem, x, w, gamma, beta, st, m, n, k, block_row, block_col, t * BK, tid);
            cp_async_commit();
            cp_async_wait<0>();
            if constexpr (ALIGNED) normalise_tile(smem, gamma, beta, st, m, k, block_row, t * BK, tid);
            // Barrier: every thread's chunks of tile t have landed and been normalised before any
            // warp reads the tile.
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
                load_tile<ALIGNED>(smem_base + s * STAGE_BYTES, smem + s * STAGE_BYTES, x, w, gamma, beta, st, m, n,
                                   k, block_row, block_col, s * BK, tid);
            cp_async_commit();
        }

        int read_stage = 0;            // stage of tile t
        int write_stage = STAGES - 1;  // stage of tile t + STAGES - 1
        for (int t = 0; t < tiles; ++t) {
            // Tile t has landed (for this thread's copies) once at most STAGES - 2 groups fly.
            cp_async_wait<STAGES - 2>();
            // This thread's chunks of A in tile t, normalised in place (the aligned path; the
            // other stored z directly).
            if constexpr (ALIGNED)
                normalise_tile(smem + read_stage * STAGE_BYTES, gamma, beta, st, m, k, block_row, t * BK, tid);
            // Barrier: (1) every thread's chunks of tile t have landed and are normalised; (2)
            // every warp is done with tile t - 1, so its stage (write_stage) may be refilled.
            __syncthreads();

            const int next = t + STAGES - 1;
            if (next < tiles)
                load_tile<ALIGNED>(smem_base + write_stage * STAGE_BYTES, smem + write_stage * STAGE_BYTES, x, w,
                                   gamma, beta, st, m, n, k, block_row, block_col, next * BK, tid);
            cp_async_commit();

            compute_tile(smem_base + read_stage * STAGE_BYTES, acc, wm0, wn0, lane);

            read_stage = read_stage == STAGES - 1 ? 0 : read_stage + 1;
            write_stage = write_stage == STAGES - 1 ? 0 : write_stage + 1;
        }
        // Only empty groups can be in flight here; the epilogue reads registers only.
    }

    store_tile<ALIGNED>(acc, d, m, n, block_row + wm0, block_col + wn0, lane);
}

extern "C" __global__ void __launch_bounds__(THREADS, MIN_BLOCKS)
ln_linear(const bf16* __restrict__ x, float* __restrict__ stats, const float* __restrict__ gamma,
          const float* __restrict__ beta, const bf16* __restrict__ w, bf16* __restrict__ d, int m, int n, int k)
{
    // STAGES x 32 KiB for the defaults (128 x 64 + 64 x 128 bf16 a stage), sized by the launch.
    extern __shared__ __align__(128) unsigned char smem[];

    // The 16-byte path needs the rows of x (k % 8 == 0) and of W and D (n % 8 == 0) 16-byte
    // aligned. The test is the same for every thread of the grid, so no warp diverges.
    if (k % 8 == 0 && n % 8 == 0)
        block_tile<true>(x, stats, gamma, beta, w, d, m, n, k, smem);
    else
        block_tile<false>(x, stats, gamma, beta, w, d, m, n, k, smem);
}

// ln_stats: a warp per row, 8 rows per block of 256. 16384 rows -> 2048 blocks.
constexpr Launch launch_ln_stats(Problem p)
{
    return Launch{.grid = {unsigned((p.m + STATS_ROWS - 1) / STATS_ROWS)}, .block = {unsigned(STATS_THREADS)}};
}

// ln_linear: one block per BM x BN tile of D, rounded up: x walks the columns of D, y its rows.
// 16384 x 256 -> 2 x 128 blocks; 1 x 1 -> 1 x 1. STAGES x 32 KiB of dynamic shared memory
// (96 KiB for the defaults; kernelcoach opts in above 48 KiB).
constexpr Launch launch_ln_linear(Problem p)
{
    return Launch{.grid = {unsigned((p.n + BN - 1) / BN), unsigned((p.m + BM - 1) / BM)},
                  .block = {unsigned(THREADS)},
                  .shared_bytes = SMEM_BYTES};
}
