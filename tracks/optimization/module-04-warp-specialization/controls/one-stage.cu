// Control for optimization/04 - expected verdict: TOO_SLOW (the vendor gate).
//
// What it demonstrates: warp specialization needs a ring to overlap anything. This is the
// solution with STAGES = 1: the producer may refill the only buffer once the consumers have
// released it, and the consumers may read it once the copies have landed, so copying and
// multiplying take turns. Per k-tile: a round trip to L2 or HBM for the 24 KiB (about a
// microsecond) and then the 512 mma of the block (about 0.6 us at the solution's pace), one
// after the other. Measured on an H200: 0.22x cuBLASLt, under the gate's 0.35x (the solution
// with one producer warp and 4 stages: 0.37x). Correct on every case: the handshake is the
// same, with one buffer.

#include <cuda_bf16.h>

#include "kernelcoach.h"

#ifndef GROUP_M
#define GROUP_M 8         // block rows walked together (1: row-major order)
#endif
#ifndef STAGES
#define STAGES 1          // ONE buffer: the producer and the consumers take turns
#endif
#ifndef PRODUCER_WARPS
#define PRODUCER_WARPS 1  // warps that only copy
#endif

constexpr int BM = 128;  // rows of C per block
constexpr int BN = 256;  // columns of C per block
constexpr int BK = 32;   // depth of a k-tile (two mma steps of 16)
constexpr int WM = 64;   // rows of C per consumer warp
constexpr int WN = 64;   // columns of C per consumer warp
constexpr int CONSUMER_WARPS = (BM / WM) * (BN / WN);  // 2 x 4 = 8
constexpr int CONSUMERS = CONSUMER_WARPS * 32;         // 256 threads
constexpr int PRODUCERS = PRODUCER_WARPS * 32;         // 32 threads
constexpr int THREADS = CONSUMERS + PRODUCERS;         // 288
constexpr int A_STAGE = BM * BK * 2;                   // bytes of one A tile: 8 KiB
constexpr int B_STAGE = BK * BN * 2;                   // bytes of one B tile: 16 KiB
constexpr int STAGE = A_STAGE + B_STAGE;               // 24 KiB
constexpr int SMEM = STAGES * STAGE;                   // 96 KiB for 4 stages
constexpr int A_CHUNKS = BM * BK / 8;                  // 16-byte chunks in an A tile: 512
constexpr int B_CHUNKS = BK * BN / 8;                  // ... in a B tile: 1024

static_assert(GROUP_M >= 1, "a group holds at least one block row");
static_assert(STAGES >= 1, "at least one buffer");
static_assert(PRODUCER_WARPS >= 1 && THREADS <= 1024, "1 to 24 producer warps");
static_assert(BK == 32 && BM % WM == 0 && BN % WN == 0 && WM == 64 && WN == 64,
              "the swizzles and fragment loops below are written for 128 x 256 x 32, 64 x 64 warps");
static_assert(A_CHUNKS % PRODUCERS == 0 && B_CHUNKS % PRODUCERS == 0, "copies split evenly");
static_assert(SMEM <= kc::device.shared_per_block_optin, "the ring does not fit in this GPU's shared memory");

// ---------------------------------------------------------------------------------------------
// Tile order. Block `pid` of the 1-D grid computes tile (m, n) of C. Groups of GROUP_M block
// rows are taken one after the other; inside a group the blocks go down a column of GROUP_M
// tiles, then to the next column. The last group may have fewer rows (tiles_m % GROUP_M): it
// is walked the same way with its own height, so every tile is visited exactly once.
//
//   GROUP_M = 1:  0  1  2  3  4 ...      GROUP_M = 2:  0  2  4  6 ...
//                 N  ...                               1  3  5  7 ...
struct Tile { int m, n; };
__device__ __forceinline__ Tile tile_of(int pid, int tiles_m, int tiles_n) {
    const int per_group = GROUP_M * tiles_n;           // blocks in a full group
    const int first_m = (pid / per_group) * GROUP_M;   // the group's first block row
    const int rows = min(tiles_m - first_m, GROUP_M);  // its height (the last may be shorter)
    const int j = pid % per_group;                     // the block's place in the group
    return {first_m + j % rows, j / rows};
}

// ---------------------------------------------------------------------------------------------
// Shared-memory layout of one stage: the A tile (128 rows x 32 bf16 = 64 bytes = 4 chunks per
// row), then the B tile (32 rows x 256 bf16 = 512 bytes = 32 chunks per row), both row-major
// with their 16-byte chunks XOR-swizzled. ldmatrix reads 8 rows at the same logical chunk: in A
// rows r and r + 2 are 128 bytes apart (the same banks) without the swizzle, in B every row is
// 512 bytes (a multiple of 128) from the next. The XOR spreads the 8 rows over the 8 bank
// groups of 16 bytes; the copies write whole rows' chunks, permuted, so they stay conflict-free.
__device__ __forceinline__ unsigned a_offset(int row, int chunk) { return row * 64 + ((chunk ^ ((row >> 1) & 3)) << 4); }
__device__ __forceinline__ unsigned b_offset(int row, int chunk) { return A_STAGE + row * 512 + ((chunk ^ (row & 7)) << 4); }

// ---------------------------------------------------------------------------------------------
// The PTX this kernel uses (all of it sm_80):
//   cp.async.cg.shared.global [dst], [src], 16, n   copy 16 bytes, the last 16 - n filled with 0
//   cp.async.mbarrier.arrive.noinc.shared.b64 [b]   arrive on b when this thread's cp.async land
//   mbarrier.init / arrive / test_wait.parity       the barriers (arrive: release; wait: acquire;
//                                                   try_wait.parity on sm_90)
//   ldmatrix.sync.aligned.m8n8.x4{.trans}           four 8 x 8 tiles of 16-bit values per warp
//   mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
__device__ __forceinline__ unsigned smem_u32(const void* p) { return unsigned(__cvta_generic_to_shared(p)); }

__device__ __forceinline__ void cp_async16(unsigned dst, const void* src, bool inside) {
    // `inside` false: 0 bytes are read (src is still a valid address), 16 zeros are written.
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src), "r"(inside ? 16 : 0)
                 : "memory");
}
__device__ __forceinline__ void st_shared16(unsigned dst, const unsigned (&w)[4]) {
    asm volatile("st.shared.v4.b32 [%0], {%1, %2, %3, %4};\n" ::"r"(dst), "r"(w[0]), "r"(w[1]), "r"(w[2]), "r"(w[3])
                 : "memory");
}
__device__ __forceinline__ void cp_async_wait_all() { asm volatile("cp.async.wait_all;\n" ::: "memory"); }

__device__ __forceinline__ void mbar_init(unsigned bar, unsigned count) {
    asm volatile("mbarrier.init.shared.b64 [%0], %1;\n" ::"r"(bar), "r"(count) : "memory");
}
__device__ __forceinline__ void mbar_arrive(unsigned bar) {
    asm volatile("{\n .reg .b64 state;\n mbarrier.arrive.shared.b64 state, [%0];\n}\n" ::"r"(bar) : "memory");
}
// The arrival happens when every cp.async this thread issued before it has written its bytes.
// `.noinc`: it counts as one of the arrivals the barrier was initialised with.
__device__ __forceinline__ void mbar_arrive_on_copies(unsigned bar) {
    asm volatile("cp.async.mbarrier.arrive.noinc.shared.b64 [%0];\n" ::"r"(bar) : "memory");
}
// Wait until the phase of `bar` whose parity is `parity` has completed. sm_80 has test_wait,
// which only looks; sm_90 adds try_wait, which lets the thread sleep in hardware for a while
// until the phase completes (fewer shared-memory polls from 256 waiting threads).
__device__ __forceinline__ void mbar_wait(unsigned bar, unsigned parity) {
    unsigned done;
    do {
#if __CUDA_ARCH__ >= 900
        asm volatile(
            "{\n .reg .pred p;\n mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\n selp.u32 %0, 1, 0, p;\n}\n"
            : "=r"(done)
            : "r"(bar), "r"(parity)
            : "memory");
#else
        asm volatile(
            "{\n .reg .pred p;\n mbarrier.test_wait.parity.shared.b64 p, [%1], %2;\n selp.u32 %0, 1, 0, p;\n}\n"
            : "=r"(done)
            : "r"(bar), "r"(parity)
            : "memory");
#endif
    } while (!done);
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
// d += a b for one 16 x 8 x 16 piece: a is 4 registers (8 bf16), b 2 (4 bf16), d 4 floats.
__device__ __forceinline__ void mma_bf16(float (&d)[4], const unsigned (&a)[4], unsigned b0, unsigned b1) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
        "{%0, %1, %2, %3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// ---------------------------------------------------------------------------------------------
// What one producer lane copies. The A tile is 512 chunks of 16 bytes (128 rows x 4 chunks),
// the B tile 1024 (32 rows x 32 chunks); lane p takes chunks p, p + PRODUCERS, ... of each:
//   A: rows p / 4 + j A_ROW_STEP (j < A_PER_LANE), always chunk p % 4 of the row;
//   B: rows p / 32 + j B_ROW_STEP (j < B_PER_LANE), always chunk p % 32 of the row.
// So a warp copies 8 whole 64-byte rows of A, or one whole 512-byte row of B, at a time: whole
// 32-byte sectors, coalesced. And since a lane's column never changes, the addresses of its
// chunk j are its first chunk's plus j strides, worked out once per block (struct Lane): each
// copy then costs a few instructions. That matters here, because one warp issues all 1536
// copies of a k-tile (README.md, "The producer's issue slots").
constexpr int A_PER_LANE = A_CHUNKS / PRODUCERS;  // 16 A chunks per lane and k-tile
constexpr int B_PER_LANE = B_CHUNKS / PRODUCERS;  // 32 B chunks
constexpr int A_ROW_STEP = PRODUCERS / 4;         // 8 rows between a lane's A chunks
constexpr int B_ROW_STEP = PRODUCERS / 32;        // 1 row between a lane's B chunks
static_assert(PRODUCERS % 32 == 0 && A_PER_LANE <= 32, "whole warps; the A row mask fits 32 bits");

struct Lane {
    int ra, ca;                // A: first row of the tile, chunk of the row
    int rb, cb;                // B: first row (k) of the tile, chunk (8 columns) of the row
    int gra, gcb;              // the same in C's terms: row0 + ra, col0 + 8 cb
    const unsigned short* a;   // A(row0 + ra, 8 ca), the lane's first A element for k0 = 0
    const unsigned short* b;   // B(rb, col0 + 8 cb), the lane's first B element for k0 = 0
    unsigned a_rows;           // bit j: the row of A chunk j is inside A (< m)
    bool b_cols;               // the lane's 8 columns of B are inside B (< n, n % 8 == 0)
};

__device__ __forceinline__ Lane lane_plan(const unsigned short* a, const unsigned short* b, int m, int n, int k,
                                          int row0, int col0, int ptid) {
    Lane L;
    L.ra = ptid / 4, L.ca = ptid % 4, L.rb = ptid / 32, L.cb = ptid % 32;
    L.gra = row0 + L.ra, L.gcb = col0 + 8 * L.cb;
    L.a = a + (long long)(row0 + L.ra) * k + 8 * L.ca;  // only dereferenced when inside
    L.b = b + (long long)L.rb * n + col0 + 8 * L.cb;
    L.a_rows = 0;
    for (int j = 0; j < A_PER_LANE; ++j)
        if (L.gra + j * A_ROW_STEP < m) L.a_rows |= 1u << j;
    L.b_cols = L.gcb < n;
    return L;
}

// The lane's share of k-tile k0 into the stage at shared address `stage`. VEC_A / VEC_B: the
// operand's rows are 16-byte aligned (k % 8 == 0, n % 8 == 0), so a chunk is one cp.async and
// lies wholly inside or wholly outside the matrix; otherwise 8 masked loads and one st.shared.
// Everything outside A and B is stored as 0.
template <bool VEC_A, bool VEC_B>
__device__ __forceinline__ void load_tile(unsigned stage, const Lane& L, const unsigned short* a,
                                          const unsigned short* b, int m, int n, int k, int k0) {
    // A: chunk j of the lane is row ra + 8 j, whose swizzle ((row >> 1) & 3) is row ra's, so its
    // shared address is the first one's + 512 j bytes.
    const unsigned a_dst = stage + a_offset(L.ra, L.ca);
    if (VEC_A) {
        const bool col_inside = k0 + 8 * L.ca < k;
        const unsigned short* src = L.a + k0;
#pragma unroll
        for (int j = 0; j < A_PER_LANE; ++j, src += (long long)A_ROW_STEP * k) {
            const bool inside = col_inside && (L.a_rows >> j & 1);
            cp_async16(a_dst + j * A_ROW_STEP * 64, inside ? src : a, inside);
        }
    } else {
#pragma unroll 4
        for (int j = 0; j < A_PER_LANE; ++j) {
            const int gr = L.gra + j * A_ROW_STEP, gc = k0 + 8 * L.ca;
            unsigned w[4] = {0, 0, 0, 0};  // 8 bf16, two per word, the lower column in the low half
#pragma unroll
            for (int e = 0; e < 8; ++e)
                if (gr < m && gc + e < k) w[e / 2] |= unsigned(a[(long long)gr * k + gc + e]) << (16 * (e % 2));
            st_shared16(a_dst + j * A_ROW_STEP * 64, w);
        }
    }
    // B: chunk j of the lane is row rb + j B_ROW_STEP of the tile, chunk cb.
    if (VEC_B) {
        const unsigned short* src = L.b + (long long)k0 * n;
#pragma unroll
        for (int j = 0; j < B_PER_LANE; ++j, src += (long long)B_ROW_STEP * n) {
            const int r = L.rb + j * B_ROW_STEP;
            const bool inside = L.b_cols && k0 + r < k;
            cp_async16(stage + b_offset(r, L.cb), inside ? src : b, inside);
        }
    } else {
#pragma unroll 4
        for (int j = 0; j < B_PER_LANE; ++j) {
            const int r = L.rb + j * B_ROW_STEP, gr = k0 + r, gc = L.gcb;
            unsigned w[4] = {0, 0, 0, 0};
#pragma unroll
            for (int e = 0; e < 8; ++e)
                if (gr < k && gc + e < n) w[e / 2] |= unsigned(b[(long long)gr * n + gc + e]) << (16 * (e % 2));
            st_shared16(stage + b_offset(r, L.cb), w);
        }
    }
}

// The producer: fill buffer s with k-tile i, for every i, waiting for the consumers to have
// emptied it first (from the second round on), and make full[s] complete when the data is there.
template <bool VEC_A, bool VEC_B>
__device__ void produce(unsigned ring, unsigned full, unsigned empty, const unsigned short* a, const unsigned short* b,
                        int m, int n, int k, int row0, int col0, int ptid) {
    const Lane L = lane_plan(a, b, m, n, k, row0, col0, ptid);  // once per block
    const int tiles = (k + BK - 1) / BK;
    int s = 0;           // buffer of k-tile i
    unsigned round = 0;  // how many times buffer s has been filled before: its phase
    for (int i = 0; i < tiles; ++i) {
        // Round r > 0 of buffer s reuses it: wait for phase r - 1 of empty[s], the consumers'
        // release of k-tile i - STAGES. Without this wait the copies would overwrite a tile
        // the consumers are still reading (controls/early-release.cu is the same race).
        if (round > 0) mbar_wait(empty + 8 * s, (round - 1) & 1);
        load_tile<VEC_A, VEC_B>(ring + s * STAGE, L, a, b, m, n, k, i * BK);
        if (VEC_A && VEC_B) {
            mbar_arrive_on_copies(full + 8 * s);  // arrives when this lane's copies have landed
        } else {
            cp_async_wait_all();    // this lane's cp.async (of the aligned operand), if any
            mbar_arrive(full + 8 * s);  // release: the st.shared above are visible to the waiters
        }
        if (++s == STAGES) s = 0, ++round;
    }
    // Leave no copy in flight behind an exiting thread: the last ones land (and arrive) first.
    cp_async_wait_all();
}

// ---------------------------------------------------------------------------------------------
extern "C" __global__ void __launch_bounds__(THREADS, 1)
gemm(const __nv_bfloat16* __restrict__ a, const __nv_bfloat16* __restrict__ b, __nv_bfloat16* __restrict__ c, int m,
     int n, int k)
{
    extern __shared__ __align__(128) unsigned char ring_bytes[];  // STAGES x (A tile, B tile)
    __shared__ __align__(8) unsigned long long bars[2 * STAGES];  // full[0..S-1], empty[0..S-1]

    const int tiles_m = (m + BM - 1) / BM, tiles_n = (n + BN - 1) / BN;
    const Tile t = tile_of(blockIdx.x, tiles_m, tiles_n);
    const int row0 = t.m * BM, col0 = t.n * BN;
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const unsigned ring = smem_u32(ring_bytes);
    const unsigned full = smem_u32(&bars[0]), empty = smem_u32(&bars[STAGES]);  // barrier s: + 8 s

    if (threadIdx.x == 0) {
        for (int s = 0; s < STAGES; ++s) {
            mbar_init(full + 8 * s, PRODUCERS);   // every producer lane arrives once per fill
            mbar_init(empty + 8 * s, CONSUMERS);  // every consumer thread arrives once per use
        }
    }
    // The only barrier of the whole block: the initialised mbarriers must be visible to every
    // warp before any warp arrives on or waits for one. After it the roles split for good.
    __syncthreads();

    if (warp >= CONSUMER_WARPS) {
        // ------------------------------------------------------------------ producer warp(s)
        // A producer lane holds as many registers as a consumer lane (168: README.md,
        // "Registers") and needs a few dozen; on Hopper, setmaxnreg (sm_90a) hands the rest to
        // the consumers. Nothing like it exists for sm_80 code.
        const int ptid = threadIdx.x - CONSUMERS;
        const auto* ua = reinterpret_cast<const unsigned short*>(a);
        const auto* ub = reinterpret_cast<const unsigned short*>(b);
        const bool vec_a = k % 8 == 0, vec_b = n % 8 == 0;  // the same for the whole grid
        if (vec_a && vec_b) produce<true, true>(ring, full, empty, ua, ub, m, n, k, row0, col0, ptid);
        else if (vec_a) produce<true, false>(ring, full, empty, ua, ub, m, n, k, row0, col0, ptid);
        else if (vec_b) produce<false, true>(ring, full, empty, ua, ub, m, n, k, row0, col0, ptid);
        else produce<false, false>(ring, full, empty, ua, ub, m, n, k, row0, col0, ptid);
        return;
    }

    // ---------------------------------------------------------------------- consumer warps
    const int warp_m = warp / (BN / WN), warp_n = warp % (BN / WN);  // 2 x 4 warps
    float acc[WM / 16][WN / 8][4] = {};  // 4 x 8 mma tiles of 16 x 8: 128 floats per thread

    // ldmatrix addresses: lane l points at row (l & 15) of a 16-row slab and chunk (l >> 4) of
    // a 2-chunk (16-column) slab; .x4 then returns the four 8 x 8 tiles in the order mma wants
    // (A: rows 0-7 / 8-15 x k 0-7, then k 8-15; B, transposed: k 0-7 / 8-15 x n 0-7, then n 8-15).
    const int lrow = lane & 15, lchunk = lane >> 4;
    // The swizzle only touches bits 4-6 of an offset, so the 16 ldmatrix addresses of a k-tile
    // follow from two per lane: the next 16 rows of A are + 1024 bytes, the next k-step of A
    // flips bit 5 (chunk ^ 2); the next 16 columns of B flip bits 5-6 (chunk ^ 2 nj), the next
    // k-step of B is + 16 rows of 512 bytes. (Fewer address registers: every one counts here.)
    const unsigned a_base = a_offset(warp_m * WM + lrow, lchunk);
    const unsigned b_base = b_offset(lrow, warp_n * WN / 8 + lchunk);

    const int tiles = (k + BK - 1) / BK;
    int s = 0;
    unsigned round = 0;
    for (int i = 0; i < tiles; ++i) {
        mbar_wait(full + 8 * s, round & 1);  // k-tile i has landed in buffer s
        const unsigned stage = ring + s * STAGE;
        // Two 16-deep mma steps per k-tile. Not unrolled on purpose: unrolled, the compiler
        // loads the second step's fragments during the first step's mma, which needs more than
        // the 168 registers a thread can have here (README.md, "Registers") and spills.
#pragma unroll 1
        for (int kk = 0; kk < BK / 16; ++kk) {
            unsigned af[WM / 16][4];  // the warp's 64 rows x 16 k of A: 4 mma A operands
#pragma unroll
            for (int mi = 0; mi < WM / 16; ++mi)
                ldmatrix_x4(af[mi], stage + (a_base ^ (kk << 5)) + mi * 16 * 64);
#pragma unroll
            for (int nj = 0; nj < WN / 16; ++nj) {  // 16 columns of B at a time: 2 mma B operands
                unsigned bf[4];
                ldmatrix_x4_trans(bf, stage + (b_base ^ (nj << 5)) + kk * 16 * 512);
#pragma unroll
                for (int mi = 0; mi < WM / 16; ++mi) {
                    mma_bf16(acc[mi][2 * nj], af[mi], bf[0], bf[1]);
                    mma_bf16(acc[mi][2 * nj + 1], af[mi], bf[2], bf[3]);
                }
            }
        }
        // Done reading buffer s: release it to the producer, unless it will not be refilled
        // (the last STAGES k-tiles), so that no arrival is left pending when the block exits.
        if (i + STAGES < tiles) mbar_arrive(empty + 8 * s);
        if (++s == STAGES) s = 0, ++round;
    }

    // Epilogue: the accumulators to bf16, straight from registers. Thread (g = lane / 4,
    // q = lane % 4) holds rows g and g + 8, columns 2q and 2q + 1 of every 16 x 8 mma tile. Two
    // neighbouring columns are one 4-byte store when n is even (every row then starts 4-byte
    // aligned), else two 2-byte stores.
    const int g = lane / 4, q = lane % 4;
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

// One block per 128 x 256 tile of C, as a 1-D grid (tile_of() decides which), 288 threads,
// the ring in dynamic shared memory (kernelcoach opts in above 48 KiB).
constexpr Launch launch(Problem p) {
    const long long tiles = ((p.m + BM - 1) / BM) * ((p.n + BN - 1) / BN);
    return Launch{.grid = {unsigned(tiles)}, .block = {unsigned(THREADS)}, .shared_bytes = unsigned(SMEM)};
}
