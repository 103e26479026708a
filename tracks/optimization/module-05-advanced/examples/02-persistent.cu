// Worked example, step 2 of 4: persistent, round-robin. As many blocks as the GPU holds at
// once (132 on an H100 or H200), each looping over the tiles: block b computes tiles b, b + 132,
// b + 264, ...
// Run: kernelcoach bench optimization/05 --examples
//
// What changed from 01-data-parallel.cu: launch() asks for min(tiles, sm_count x BLOCKS_PER_SM)
// blocks, and the kernel loops over tiles with a stride of gridDim.x. The tile machinery is the
// same: tile_gemm ends with a barrier, so a block may call it again at once.
//
// Why it is NOT faster: 136 tiles over 132 blocks is 2 tiles for blocks 0-3 and 1 for the other
// 128, and the kernel ends when blocks 0-3 do: 2 tiles' time, as before. A persistent kernel
// saves launching a block per tile and can carry state from tile to tile (the next step uses
// that), but it cannot make 136 equal pieces of work fit 132 workers: the quantisation moved
// from the hardware's block scheduler into the loop, and it is all still there. Expected: the
// same time as step 1. Measured on an NVIDIA H200 (2026-12-03): 282.2 us, 0.94x step 1, a
// little slower, likely because the 4 second tiles go to blocks 0-3 whatever their first tile
// costs, where the hardware gives them to the first SMs to come free
// (controls/persistent-no-tail.cu is this kernel with the PERSISTENT switch: the gate measures
// 0.94x and calls it TOO_SLOW).

#include <cuda_bf16.h>

#include "kernelcoach.h"

// The tile configuration (the same defaults as the starter's).
#ifndef BN
#define BN 256     // columns of a big tile (its rows: BM = 128): 128 x 256 or 128 x 128
#endif
#ifndef STAGES
#define STAGES 3   // k-tiles in the cp.async pipeline (STAGES - 1 in flight while one is used)
#endif
#ifndef BLOCKS_PER_SM
#define BLOCKS_PER_SM (BN >= 256 ? 1 : 2)  // resident blocks per SM: 1 of 128 x 256, 2 of 128 x 128
#endif

constexpr int BM = 128;               // rows of a big tile
constexpr int BK = 32;                // depth of a k-tile: 64 bytes of a row of A
constexpr int THREADS = 256;          // 8 warps
constexpr int WARPS_M = 2;            // the warps of a tile: 2 down x 4 across
constexpr int WARPS_N = 4;
// The two 16-deep steps of a k-tile: unrolled, ptxas loads the second step's fragments while the
// first step's mma run (more registers: 244 for 128 x 256); with two blocks per SM and its 128
// registers a thread, unrolling would spill, so one step at a time.
constexpr int KS_UNROLL = BLOCKS_PER_SM == 1 ? BK / 16 : 1;

// Shared memory, dynamic: STAGES stages of (A tile, B tile), each sized for the big tile; the
// epilogue reuses the same bytes for the C tile.
constexpr int A_STAGE = BM * BK * 2;                 // (BM, BK) bf16: 8 KiB
constexpr int B_STAGE = BK * BN * 2;                 // (BK, BN) bf16: 16 KiB for BN = 256
constexpr int STAGE_BYTES = A_STAGE + B_STAGE;
constexpr int C_BYTES = BM * (BN + 8) * 2;           // (BM, BN + 8) bf16: the padded C tile
constexpr int SMEM_BYTES = STAGES * STAGE_BYTES > C_BYTES ? STAGES * STAGE_BYTES : C_BYTES;

static_assert(BN == 128 || BN == 256, "big tiles are 128 x 128 or 128 x 256");
static_assert(STAGES >= 2 && STAGES <= 6, "2 to 6 pipeline stages");
static_assert(BLOCKS_PER_SM >= 1 && BLOCKS_PER_SM <= 2, "1 or 2 blocks per SM");

// -------------------------------------------------------------------------------------------
// The PTX this kernel needs, one instruction per function (sm_80 and newer).
// -------------------------------------------------------------------------------------------

// A generic pointer into shared memory as the 32-bit shared address PTX expects.
__device__ __forceinline__ unsigned smem_u32(const void* p) {
    return static_cast<unsigned>(__cvta_generic_to_shared(p));
}

// Copy 16 bytes from global to shared memory without going through registers. Only the first
// src_bytes are read (0 or 16 here); the rest of the 16 are filled with zeros.
__device__ __forceinline__ void cp_async_16(void* dst, const void* src, int src_bytes) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n"
                 :: "r"(smem_u32(dst)), "l"(src), "r"(src_bytes) : "memory");
}
// Close the group of copies this thread has issued since the last commit.
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }
// Wait until at most N of this thread's groups are still in flight.
template <int N>
__device__ __forceinline__ void cp_async_wait() {
    asm volatile("cp.async.wait_group %0;\n" :: "n"(N) : "memory");
}

// Four 8 x 8 matrices of bf16 from shared memory, one per register: lanes 8i .. 8i + 7 give the
// addresses of the 8 rows (16 bytes each) of matrix i; lane l receives row l / 4, columns
// 2 (l % 4) and 2 (l % 4) + 1 of each, the layout of an mma.sync A or C fragment.
__device__ __forceinline__ void ldmatrix_x4(unsigned (&r)[4], unsigned addr) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(addr) : "memory");
}
// The same, each matrix transposed on the way: lane l receives rows 2 (l % 4) and 2 (l % 4) + 1
// of column l / 4: a B fragment, read from a row-major (k, n) tile.
__device__ __forceinline__ void ldmatrix_x4_trans(unsigned (&r)[4], unsigned addr) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(addr) : "memory");
}
// d += A B for one 16 x 8 x 16 step on the tensor cores, bf16 in, fp32 accumulators. With
// g = lane / 4 and q = lane % 4: a holds A(g, 2q..2q+1), A(g+8, 2q..), A(g, 2q+8..), A(g+8, 2q+8..);
// b holds B(2q..2q+1, g), B(2q+8..2q+9, g); d holds D(g, 2q), D(g, 2q+1), D(g+8, 2q), D(g+8, 2q+1).
__device__ __forceinline__ void mma_16816(float (&d)[4], const unsigned (&a)[4], const unsigned (&b)[2]) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
                 "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

// -------------------------------------------------------------------------------------------
// Shared-memory layout: 16-byte chunks, XOR-swizzled.
// -------------------------------------------------------------------------------------------
// Shared memory has 32 banks of 4 bytes: 8 groups of 16 bytes per 128-byte line. An ldmatrix
// phase reads 8 rows x 16 bytes; it is conflict-free when the 8 chunks fall in 8 different
// groups. Stored plainly they do not: a row of the A tile is 64 bytes, so rows r and r + 2 share
// groups (4-way conflicts), and a row of the B tile is 256 or 512 bytes, so all 8 rows share one
// group (8-way). XOR-ing the chunk index with a few bits of the row spreads them out, and the
// cp.async writes (whole rows, chunk by chunk) stay conflict-free too.

// A tile (TM, BK): 4 chunks a row. Chunk c of row r lives at chunk r * 4 + (c ^ ((r / 2) % 4)):
// rows r .. r + 7 of one chunk land in groups (r % 2) * 4 + (c ^ (r / 2) % 4), all 8 different.
__device__ __forceinline__ int a_chunk(int r, int c) { return r * (BK / 8) + (c ^ ((r >> 1) & 3)); }
// B tile (BK, TN): TN / 8 chunks a row (at least 8). Chunk c of row r lives at chunk
// r * (TN / 8) + (c ^ (r % 8)): the XOR changes only the low 3 bits, so 8 consecutive rows
// of one chunk land in 8 different groups.
template <int TN>
__device__ __forceinline__ int b_chunk(int r, int c) { return r * (TN / 8) + (c ^ (r & 7)); }

// -------------------------------------------------------------------------------------------
// One k-tile of A (TM x BK) and of B (BK x TN) into pipeline stage `stage`.
// -------------------------------------------------------------------------------------------
// a_vec: rows of A are 16-byte aligned (k % 8 == 0); b_vec: rows of B are (n % 8 == 0). Then a
// chunk is one cp.async, zero-filled outside the matrix (a chunk is all inside or all outside,
// since k0 + 8c and k, or col0 + 8c and n, are all multiples of 8). Otherwise the chunk is
// gathered one element at a time and stored with an ordinary 16-byte store: slow, and only for
// ragged sizes.
template <int TM, int TN>
__device__ __forceinline__ void load_stage(unsigned char* smem, int stage, const __nv_bfloat16* a,
                                           const __nv_bfloat16* b, int m, int n, int k, int row0,
                                           int col0, int k0, bool a_vec, bool b_vec)
{
    unsigned char* sa = smem + stage * STAGE_BYTES;  // (TM, BK) of A
    unsigned char* sb = sa + A_STAGE;                // (BK, TN) of B
    const unsigned short* a16 = reinterpret_cast<const unsigned short*>(a);  // raw bf16 bits
    const unsigned short* b16 = reinterpret_cast<const unsigned short*>(b);

    // A: TM rows x 4 chunks; consecutive threads take consecutive chunks, so 4 threads read the
    // 64 bytes of one row's k-slice (2 sectors) and a warp 8 rows.
    constexpr int A_CHUNKS = TM * BK / 8;
#pragma unroll
    for (int it = 0; it < (A_CHUNKS + THREADS - 1) / THREADS; ++it) {
        const int i = threadIdx.x + it * THREADS;
        if (A_CHUNKS % THREADS == 0 || i < A_CHUNKS) {
            const int r = i / (BK / 8), ch = i % (BK / 8);
            const int gr = row0 + r, gk = k0 + 8 * ch;
            unsigned char* dst = sa + 16 * a_chunk(r, ch);
            if (a_vec) {
                const bool inside = gr < m && gk < k;
                cp_async_16(dst, inside ? a + (size_t)gr * k + gk : a, inside ? 16 : 0);
            } else {
                unsigned w[4];
#pragma unroll
                for (int e = 0; e < 8; e += 2) {
                    const unsigned lo = gr < m && gk + e < k ? a16[(size_t)gr * k + gk + e] : 0u;
                    const unsigned hi = gr < m && gk + e + 1 < k ? a16[(size_t)gr * k + gk + e + 1] : 0u;
                    w[e / 2] = lo | (hi << 16);
                }
                *reinterpret_cast<uint4*>(dst) = make_uint4(w[0], w[1], w[2], w[3]);
            }
        }
    }
    // B: BK rows x TN / 8 chunks; consecutive threads read consecutive 16 bytes of a row.
    constexpr int B_CHUNKS = BK * TN / 8;
#pragma unroll
    for (int it = 0; it < (B_CHUNKS + THREADS - 1) / THREADS; ++it) {
        const int i = threadIdx.x + it * THREADS;
        if (B_CHUNKS % THREADS == 0 || i < B_CHUNKS) {
            const int r = i / (TN / 8), ch = i % (TN / 8);
            const int gk = k0 + r, gc = col0 + 8 * ch;
            unsigned char* dst = sb + 16 * b_chunk<TN>(r, ch);
            if (b_vec) {
                const bool inside = gk < k && gc < n;
                cp_async_16(dst, inside ? b + (size_t)gk * n + gc : b, inside ? 16 : 0);
            } else {
                unsigned w[4];
#pragma unroll
                for (int e = 0; e < 8; e += 2) {
                    const unsigned lo = gk < k && gc + e < n ? b16[(size_t)gk * n + gc + e] : 0u;
                    const unsigned hi = gk < k && gc + e + 1 < n ? b16[(size_t)gk * n + gc + e + 1] : 0u;
                    w[e / 2] = lo | (hi << 16);
                }
                *reinterpret_cast<uint4*>(dst) = make_uint4(w[0], w[1], w[2], w[3]);
            }
        }
    }
}

// -------------------------------------------------------------------------------------------
// One k-tile on the tensor cores: acc += A tile x B tile, out of one pipeline stage.
// -------------------------------------------------------------------------------------------
// 8 warps in a 2 x 4 grid; warp (wm, wn) owns rows wm * WTM .. + WTM - 1 and columns
// wn * WTN .. + WTN - 1 of the tile, as MI x NJ fragments of 16 x 8 (4 x 8 of them for a 64 x 64
// warp tile: 128 fp32 accumulators a lane).
template <int TM, int TN>
__device__ __forceinline__ void mma_k_tile(float (&acc)[TM / WARPS_M / 16][TN / WARPS_N / 8][4],
                                           const unsigned char* stage)
{
    constexpr int WTM = TM / WARPS_M, WTN = TN / WARPS_N;
    constexpr int MI = WTM / 16, NJ = WTN / 8;
    const int lane = threadIdx.x % 32;
    const int warp = threadIdx.x / 32;
    const int wm = warp / WARPS_N;  // the warp's place in the 2 x 4 grid of warps
    const int wn = warp % WARPS_N;
    const unsigned sa32 = smem_u32(stage);            // (TM, BK) of A
    const unsigned sb32 = smem_u32(stage + A_STAGE);  // (BK, TN) of B
#pragma unroll(KS_UNROLL)
    for (int ks = 0; ks < BK / 16; ++ks) {
        // A fragments: for m16 block i, lanes 0-15 point at rows 0-15 of its k 0-7 half, lanes
        // 16-31 at rows 0-15 of the k 8-15 half: the 4 matrices come back in the order of the
        // mma's a registers.
        unsigned af[MI][4];
#pragma unroll
        for (int i = 0; i < MI; ++i)
            ldmatrix_x4(af[i], sa32 + 16 * a_chunk(wm * WTM + 16 * i + (lane & 15), 2 * ks + (lane >> 4)));
        // B fragments, two n8 blocks per ldmatrix: lanes 0-15 point at k rows 0-15 of the first
        // 8 columns, lanes 16-31 at the same rows of the next 8; transposed, registers 0-1 are
        // the first block's b, registers 2-3 the second's.
        unsigned bf[NJ][2];
#pragma unroll
        for (int jj = 0; jj < NJ / 2; ++jj) {
            unsigned t[4];
            const int chunk = (wn * WTN + 16 * jj) / 8 + (lane >> 4);  // 8 columns of B
            ldmatrix_x4_trans(t, sb32 + 16 * b_chunk<TN>(16 * ks + (lane & 15), chunk));
            bf[2 * jj][0] = t[0];
            bf[2 * jj][1] = t[1];
            bf[2 * jj + 1][0] = t[2];
            bf[2 * jj + 1][1] = t[3];
        }
        // MI x NJ tensor-core steps, 32 for a 64 x 64 warp tile.
#pragma unroll
        for (int i = 0; i < MI; ++i)
#pragma unroll
            for (int j = 0; j < NJ; ++j) mma_16816(acc[i][j], af[i], bf[j]);
    }
}

// -------------------------------------------------------------------------------------------
// One tile of C: rows row0 .. row0 + TM - 1, columns col0 .. col0 + TN - 1 (clipped to C).
// -------------------------------------------------------------------------------------------
// Every thread of the block calls it with the same arguments (its barriers need all 256). It
// leaves shared memory free for the next tile: it ends with a barrier.
template <int TM, int TN>
__device__ __forceinline__ void tile_gemm(unsigned char* smem, const __nv_bfloat16* a,
                                          const __nv_bfloat16* b, __nv_bfloat16* c, int m, int n,
                                          int k, int row0, int col0, bool a_vec, bool b_vec)
{
    constexpr int WTM = TM / WARPS_M;  // rows of a warp's tile: 64 for 128 x 256
    constexpr int WTN = TN / WARPS_N;  // columns of a warp's tile: 64 for 128 x 256
    constexpr int MI = WTM / 16;       // m16 fragments down a warp's tile
    constexpr int NJ = WTN / 8;        // n8 fragments across it
    static_assert(WTM % 16 == 0 && WTN % 16 == 0, "warp tiles of whole 16 x 16 fragments");
    static_assert(TN >= 64 && TN % 64 == 0 && TM <= BM && TN <= BN, "tiles fit the stage buffers");

    const int lane = threadIdx.x % 32;
    const int warp = threadIdx.x / 32;
    const int wm = warp / WARPS_N;  // the warp's place in the 2 x 4 grid of warps
    const int wn = warp % WARPS_N;

    float acc[MI][NJ][4];  // (MI, NJ, 4): the warp's WTM x WTN outputs, 4 per lane per fragment
#pragma unroll
    for (int i = 0; i < MI; ++i)
#pragma unroll
        for (int j = 0; j < NJ; ++j)
#pragma unroll
            for (int e = 0; e < 4; ++e) acc[i][j][e] = 0.0f;

    const int kt_count = (k + BK - 1) / BK;  // k-tiles; the last may be partial (zero-filled)

    // The prologue: k-tiles 0 .. STAGES - 2 into stages 0 .. STAGES - 2, one commit group each
    // (an empty group when there are fewer k-tiles, so that the counting below holds).
#pragma unroll
    for (int s = 0; s < STAGES - 1; ++s) {
        if (s < kt_count) load_stage<TM, TN>(smem, s, a, b, m, n, k, row0, col0, s * BK, a_vec, b_vec);
        cp_async_commit();
    }

    for (int kt = 0; kt < kt_count; ++kt) {
        // STAGES - 1 + kt groups are committed; k-tile kt is group kt. Waiting until at most
        // STAGES - 2 are in flight means groups 0 .. kt have landed - this thread's copies.
        cp_async_wait<STAGES - 2>();
        // Barrier: (1) every thread's copies of k-tile kt have landed, so the whole stage is
        // there; (2) every warp has finished reading k-tile kt - 1, whose stage the loads
        // just below overwrite.
        __syncthreads();

        // Refill the stage k-tile kt - 1 used with k-tile kt + STAGES - 1; it flies while the
        // warps multiply k-tile kt. Always commit, so that group kt + STAGES - 1 exists.
        const int next = kt + STAGES - 1;
        if (next < kt_count)
            load_stage<TM, TN>(smem, next % STAGES, a, b, m, n, k, row0, col0, next * BK, a_vec, b_vec);
        cp_async_commit();

        mma_k_tile<TM, TN>(acc, smem + (kt % STAGES) * STAGE_BYTES);
    }

    // The epilogue. The last commit groups were empty, so no copy is in flight; wait<0> says so.
    cp_async_wait<0>();
    // Barrier: every warp has finished reading the last k-tile before the C tile below
    // overwrites the stages.
    __syncthreads();

    // The accumulators, rounded to bf16, into the C tile (TM, TN + 8). Lane (g, q) of a
    // fragment holds columns 2q, 2q + 1 of rows g and g + 8: one 4-byte store each. The 8
    // elements of padding a row shift row g + 1 by 4 banks, so the 8 rows x 4 lanes of a store
    // hit 32 different banks.
    constexpr int C_LD = TN + 8;
    __nv_bfloat16* cs = reinterpret_cast<__nv_bfloat16*>(smem);
    const int g = lane / 4, q = lane % 4;
#pragma unroll
    for (int i = 0; i < MI; ++i)
#pragma unroll
        for (int j = 0; j < NJ; ++j) {
            const int r = wm * WTM + 16 * i + g;
            const int col = wn * WTN + 8 * j + 2 * q;
            *reinterpret_cast<__nv_bfloat162*>(cs + r * C_LD + col) =
                __floats2bfloat162_rn(acc[i][j][0], acc[i][j][1]);
            *reinterpret_cast<__nv_bfloat162*>(cs + (r + 8) * C_LD + col) =
                __floats2bfloat162_rn(acc[i][j][2], acc[i][j][3]);
        }
    // Barrier: the whole C tile is in shared memory before any thread copies rows of it that
    // other warps wrote.
    __syncthreads();

    // The C tile to global memory, 16 bytes (8 columns) per thread per step: consecutive threads
    // take consecutive chunks of a row, so a warp stores whole rows, coalesced. Chunks outside
    // C are skipped; with n % 8 != 0 the rows of C are not 16-byte aligned, so those go one
    // element at a time.
    constexpr int C_CHUNKS = TM * TN / 8;
    static_assert(C_CHUNKS % THREADS == 0, "every thread stores the same number of chunks");
    const bool c_vec = n % 8 == 0;
#pragma unroll
    for (int it = 0; it < C_CHUNKS / THREADS; ++it) {
        const int i = threadIdx.x + it * THREADS;
        const int r = i / (TN / 8), ch = i % (TN / 8);
        const int gr = row0 + r, gc = col0 + 8 * ch;
        if (gr < m && gc < n) {
            const __nv_bfloat16* src = cs + r * C_LD + 8 * ch;
            __nv_bfloat16* dst = c + (size_t)gr * n + gc;
            if (c_vec) {
                *reinterpret_cast<uint4*>(dst) = *reinterpret_cast<const uint4*>(src);
            } else {
#pragma unroll
                for (int e = 0; e < 8; ++e)
                    if (gc + e < n) dst[e] = src[e];
            }
        }
    }
    // Barrier: every thread has read the C tile before the next tile's prologue overwrites
    // these bytes with k-tiles. This one matters only to a block that does another tile: in a
    // persistent kernel, every block but the last ones.
    __syncthreads();
}

// -------------------------------------------------------------------------------------------
// The tile scheduler: which block computes which tile.
// -------------------------------------------------------------------------------------------

extern "C" __global__ void __launch_bounds__(THREADS, BLOCKS_PER_SM)
gemm(const __nv_bfloat16* __restrict__ a, const __nv_bfloat16* __restrict__ b,
     __nv_bfloat16* __restrict__ c, int m, int n, int k)
{
    extern __shared__ __align__(128) unsigned char smem[];  // SMEM_BYTES, from launch()

    // Uniform for the whole grid, so no warp diverges on them.
    const bool a_vec = k % 8 == 0;  // rows of A start on 16 bytes
    const bool b_vec = n % 8 == 0;  // rows of B (and C) do

    // Big tiles, numbered row by row: tile t is row t / tiles_n, column t % tiles_n of tiles.
    const int tiles_n = (n + BN - 1) / BN;

    // Round-robin: block b computes tiles b, b + P, b + 2P, ... of the big tiles.
    const int tiles = (m + BM - 1) / BM * tiles_n;
    for (int t = blockIdx.x; t < tiles; t += gridDim.x)
        tile_gemm<BM, BN>(smem, a, b, c, m, n, k, t / tiles_n * BM, t % tiles_n * BN, a_vec, b_vec);
}

// As many blocks as are resident at once, sm_count x BLOCKS_PER_SM, or one per tile when there
// are fewer tiles. The timed case: 132 blocks for 136 tiles.
constexpr Launch launch(Problem p) {
    const long long tiles = (p.m + BM - 1) / BM * ((p.n + BN - 1) / BN);
    const long long slots = (long long)kc::device.sm_count * BLOCKS_PER_SM;
    const long long grid = tiles < slots ? tiles : slots;
    return Launch{.grid = {unsigned(grid)}, .block = {unsigned(THREADS)},
                  .shared_bytes = unsigned(SMEM_BYTES)};
}
