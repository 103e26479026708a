// Worked example, step 4 of 4 (sm_90a only: H100/H200): the Hopper shape of step 3. The copies
// are TMA copies issued by ONE thread of a producer warpgroup, completing on the full[s] mbarriers
// by themselves (complete_tx), and the multiplies are wgmma instructions issued by two consumer
// warpgroups, each owning 64 rows of a 128 x 256 tile of C, straight from the swizzled shared
// memory the TMA wrote (no ldmatrix, no registers on the way). setmaxnreg moves registers from
// the producer (which needs ~40) to the consumers (128 fp32 accumulators each).
// arch: sm_90a
//
// Measured on an H200 (tools/probes/wgmma_gemm.cu, the same kernel with its own test bench):
// 0.87-0.90x cuBLASLt at 4096^3 (691-697 TFLOP/s), 0.85x at 8192^3. The `// arch:` line above
// makes kernelcoach compile this file for sm_90a (and SKIP it on other GPUs); tensor_maps() at the
// end asks kernelcoach for the two tensor maps the TMA reads (tracks/README.md, section 4b).
// Run: kernelcoach bench optimization/04 --examples      (every step, as one table)
//
// The design, in one page:
//
//   warpgroup 0, the PRODUCER: one thread issues cp.async.bulk.tensor copies of A and B k-tiles
//       into a 4-stage ring; each fill announces its bytes on full[s] (arrive.expect_tx) and the
//       TMA unit counts them down as they land. It waits on empty[s] before refilling a stage.
//   warpgroups 1 and 2, the CONSUMERS: wait on full[s], issue four wgmma.m64n256k16 per k-tile
//       (one per 16 of k), keep one group in flight (wgmma.wait_group 1), and arrive on empty[]
//       of the stage the previous group read. At the end, bf16 pairs straight from registers.
//   layouts: A k-tiles are 128 rows x 64 k (128-byte rows, the TMA's 128-byte swizzle: chunk j
//       of row r at j ^ (r % 8)); B stays k x n as in memory ("MN-major"), copied as four 64 x 64
//       boxes per k-tile, and read by wgmma with its transpose-B flag. wgmma's descriptors name
//       the same swizzle, so what the TMA writes is exactly what wgmma reads.
//   tiles: groups of 8 tile-rows (L2 reuse); block b takes tile b, then the next free tile from
//       a counter in global memory (a persistent launch would use it; here one block per tile).
//   ragged sizes: the TMA fills whatever lies outside A or B with zeros; the epilogue stores
//       only inside C. Rows that are not 16-byte aligned (k % 8, n % 8) take a plain path.

#include <cuda_bf16.h>

#include "kernelcoach.h"

using uint8_t = unsigned char;
using uint32_t = unsigned int;
using uint64_t = unsigned long long;

namespace cfg {
constexpr int BM = 128;                            // rows of C per block tile
constexpr int BN = 256;                            // columns of C per block tile
constexpr int BK = 64;                             // k per k-tile: 64 bf16 = 128 bytes = one swizzle row
constexpr int STAGES = 4;                          // k-tiles in flight in the shared-memory ring
constexpr int CONSUMERS = 2;                       // consumer warpgroups, BM / CONSUMERS = 64 rows each
constexpr int WG_THREADS = 128;                    // a warpgroup: 4 consecutive warps
constexpr int THREADS = WG_THREADS * (1 + CONSUMERS);
constexpr int WG_ROWS = BM / CONSUMERS;            // 64: the M of wgmma.m64n256k16
constexpr int MMA_K = 16;                          // the K of one wgmma for 16-bit inputs

constexpr int SWIZZLE_BYTES = 128;                 // CU_TENSOR_MAP_SWIZZLE_128B
constexpr int B_BOX_COLS = SWIZZLE_BYTES / 2;      // 64 columns of B per TMA box (one swizzle row)
constexpr int B_BOXES = BN / B_BOX_COLS;           // 4 boxes per B k-tile

constexpr int A_TILE_BYTES = BM * BK * 2;          // 16 KiB
constexpr int B_BOX_BYTES = BK * B_BOX_COLS * 2;   //  8 KiB
constexpr int B_TILE_BYTES = B_BOXES * B_BOX_BYTES;// 32 KiB
constexpr int STAGE_BYTES = A_TILE_BYTES + B_TILE_BYTES;   // 48 KiB
constexpr int SMEM_BYTES = STAGES * STAGE_BYTES + 1024;     // + slack to align the ring to 1 KiB

constexpr int GROUP_M = 8;                         // tile raster: walk 8 tile-rows together (L2 reuse)
constexpr int PRODUCER_REGS = 40;                  // setmaxnreg targets: 128 x 40 + 256 x 232
constexpr int CONSUMER_REGS = 232;                 //   = 64512 <= 65536 registers per SM
static_assert(PRODUCER_REGS * WG_THREADS + CONSUMER_REGS * WG_THREADS * CONSUMERS <= 65536, "register file");

static_assert(BM % CONSUMERS == 0 && WG_ROWS == 64, "each consumer warpgroup owns 64 rows");
static_assert(BN == 256, "the consumer issues wgmma.m64n256k16");
static_assert(BK * 2 == SWIZZLE_BYTES, "a k-tile row of A is exactly one 128-byte swizzle row");
static_assert(A_TILE_BYTES % 1024 == 0 && B_BOX_BYTES % 1024 == 0, "swizzle atoms stay 1 KiB aligned");
static_assert(SMEM_BYTES <= 227 * 1024, "fits the 227 KiB a Hopper block may opt in to");
}  // namespace cfg

// =================================================================================================
// Device helpers: thin, named wrappers over the PTX instructions the kernel uses.
// =================================================================================================

// A shared-memory pointer as the 32-bit address that PTX's shared-space instructions take.
__device__ __forceinline__ uint32_t smem_u32(const void* p) {
    return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

// ---- mbarriers ----------------------------------------------------------------------------------

__device__ __forceinline__ void mbar_init(uint64_t* bar, uint32_t arrivals) {
    asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;" ::"r"(smem_u32(bar)), "r"(arrivals) : "memory");
}

// Arrive, and announce that `bytes` more will land through complete_tx before the phase ends.
__device__ __forceinline__ void mbar_arrive_expect_tx(uint64_t* bar, uint32_t bytes) {
    asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" ::"r"(smem_u32(bar)), "r"(bytes)
                 : "memory");
}

__device__ __forceinline__ void mbar_arrive(uint64_t* bar) {
    asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];" ::"r"(smem_u32(bar)) : "memory");
}

// True once the phase with parity `parity` has completed. A fresh barrier is in phase 0, and
// "the phase with parity 1" then counts as complete: that is why the producer's first pass over
// the ring (waiting on empty with parity 1) does not block.
__device__ __forceinline__ bool mbar_try_wait(uint64_t* bar, uint32_t parity) {
    uint32_t done;
    asm volatile(
        "{\n"
        "  .reg .pred p;\n"
        "  mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\n"
        "  selp.u32 %0, 1, 0, p;\n"
        "}\n"
        : "=r"(done)
        : "r"(smem_u32(bar)), "r"(parity)
        : "memory");
    return done != 0;
}

// Spins until the phase with parity `parity` has completed. (A mistake that never completes it
// hangs the kernel; kernelcoach stops it at the module's deadline and says TIMED_OUT.)
__device__ __forceinline__ void mbar_wait(uint64_t* bar, uint32_t parity) {
    while (!mbar_try_wait(bar, parity)) {
    }
}

// ---- TMA ----------------------------------------------------------------------------------------

// Copy the box at (col, row) of the tensor described by `map` into shared memory at `dst`, and
// count its bytes on `bar`. Coordinates are in elements, innermost (contiguous) dimension first.
// Parts of the box outside the tensor are filled with zeros (and still counted).
__device__ __forceinline__ void tma_load_2d(void* dst, const TensorMap* map, int col, int row, uint64_t* bar) {
    asm volatile(
        "cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1, {%2, %3}], [%4];" ::"r"(
            smem_u32(dst)),
        "l"(reinterpret_cast<uint64_t>(map)), "r"(col), "r"(row), "r"(smem_u32(bar))
        : "memory");
}

__device__ __forceinline__ void tma_prefetch_map(const TensorMap* map) {
    asm volatile("prefetch.tensormap [%0];" ::"l"(reinterpret_cast<uint64_t>(map)) : "memory");
}

// ---- Register reallocation between warpgroups ---------------------------------------------------

template <int REGS>
__device__ __forceinline__ void setmaxnreg_dec() {
    asm volatile("setmaxnreg.dec.sync.aligned.u32 %0;" ::"n"(REGS));
}
template <int REGS>
__device__ __forceinline__ void setmaxnreg_inc() {
    asm volatile("setmaxnreg.inc.sync.aligned.u32 %0;" ::"n"(REGS));
}

// ---- wgmma --------------------------------------------------------------------------------------

// A wgmma shared-memory matrix descriptor (PTX ISA, "Matrix Descriptor Format"):
//   bits  0-13  start address >> 4
//   bits 16-29  leading-dimension byte offset (LBO) >> 4
//   bits 32-45  stride-dimension byte offset (SBO) >> 4
//   bits 49-51  base offset (0: our tiles start on 1 KiB boundaries, the swizzle pattern's period)
//   bits 62-63  swizzle: 1 = 128-byte
// With the 128-byte swizzle a "core" block is 8 rows of 128 bytes (1 KiB):
//   K-major (A): SBO = distance between 8-row groups along M (1024 here); LBO is unused because
//                one wgmma's 16 k (32 bytes) lies inside one 128-byte row.
//   MN-major (B): LBO = distance between 64-column (128-byte) groups along N, which is one TMA
//                box (8 KiB) here; SBO = distance between 8-row groups along K (1024).
__device__ __forceinline__ uint64_t smem_desc_sw128(uint32_t addr, uint32_t lbo, uint32_t sbo) {
    return uint64_t((addr & 0x3FFFF) >> 4) | (uint64_t((lbo >> 4) & 0x3FFF) << 16) |
           (uint64_t((sbo >> 4) & 0x3FFF) << 32) | (uint64_t(1) << 62);
}

// Descriptor of the A operand for one wgmma: 64 rows x 16 k starting at k = 16 * kk of the tile.
// Moving along k inside the swizzled row is just moving the start address by 32 bytes: the
// hardware applies the XOR swizzle to the final address, as TMA did when it wrote the tile.
__device__ __forceinline__ uint64_t a_desc(uint32_t a_rows_addr, int kk) {
    return smem_desc_sw128(a_rows_addr + kk * cfg::MMA_K * 2, 16, 1024);
}

// Descriptor of the B operand for one wgmma: 16 k-rows x 256 columns starting at k-row 16 * kk.
// 16 k-rows are two 1 KiB swizzle atoms, so moving along k moves the start by 2 KiB.
__device__ __forceinline__ uint64_t b_desc(uint32_t b_tile_addr, int kk) {
    return smem_desc_sw128(b_tile_addr + kk * cfg::MMA_K * cfg::SWIZZLE_BYTES, cfg::B_BOX_BYTES, 1024);
}

// Orders this thread's earlier register and shared-memory accesses before the wgmmas that follow.
__device__ __forceinline__ void wgmma_fence() { asm volatile("wgmma.fence.sync.aligned;" ::: "memory"); }
// Closes the group of wgmmas issued since the last commit.
__device__ __forceinline__ void wgmma_commit() { asm volatile("wgmma.commit_group.sync.aligned;" ::: "memory"); }
// Waits until at most N committed groups are still running.
template <int N>
__device__ __forceinline__ void wgmma_wait() {
    asm volatile("wgmma.wait_group.sync.aligned %0;" ::"n"(N) : "memory");
}

// The accumulators are plain C++ floats that the asm statements read and write. wgmma writes
// them asynchronously, so the compiler must neither read them early nor move them: this empty
// asm "touches" every accumulator at a fixed point in the instruction stream.
__device__ __forceinline__ void fence_accumulators(float (&d)[128]) {
#pragma unroll
    for (int i = 0; i < 128; ++i) asm volatile("" : "+f"(d[i])::"memory");
}

// D (64 x 256, fp32, in registers) += A (64 x 16, K-major, shared) * B (16 x 256, MN-major, shared).
// The last four immediates: scale A by +1, scale B by +1, A not transposed (K-major), B transposed
// (MN-major). The predicate p is scale-d: 1 keeps D (accumulate), 0 would overwrite it.
__device__ __forceinline__ void wgmma_m64n256k16(float (&d)[128], uint64_t desc_a, uint64_t desc_b) {
    asm volatile(
        "{\n"
        ".reg .pred p;\n"
        "setp.ne.b32 p, %130, 0;\n"
        "wgmma.mma_async.sync.aligned.m64n256k16.f32.bf16.bf16 {"
        "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, "
        "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, "
        "%32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, "
        "%48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63, "
        "%64, %65, %66, %67, %68, %69, %70, %71, %72, %73, %74, %75, %76, %77, %78, %79, "
        "%80, %81, %82, %83, %84, %85, %86, %87, %88, %89, %90, %91, %92, %93, %94, %95, "
        "%96, %97, %98, %99, %100, %101, %102, %103, %104, %105, %106, %107, %108, %109, %110, %111, "
        "%112, %113, %114, %115, %116, %117, %118, %119, %120, %121, %122, %123, %124, %125, %126, %127},"
        " %128, %129, p, 1, 1, 0, 1;\n"
        "}\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]),
          "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]),
          "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]),
          "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]),
          "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]),
          "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]),
          "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]),
          "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63]),
          "+f"(d[64]), "+f"(d[65]), "+f"(d[66]), "+f"(d[67]), "+f"(d[68]), "+f"(d[69]), "+f"(d[70]), "+f"(d[71]),
          "+f"(d[72]), "+f"(d[73]), "+f"(d[74]), "+f"(d[75]), "+f"(d[76]), "+f"(d[77]), "+f"(d[78]), "+f"(d[79]),
          "+f"(d[80]), "+f"(d[81]), "+f"(d[82]), "+f"(d[83]), "+f"(d[84]), "+f"(d[85]), "+f"(d[86]), "+f"(d[87]),
          "+f"(d[88]), "+f"(d[89]), "+f"(d[90]), "+f"(d[91]), "+f"(d[92]), "+f"(d[93]), "+f"(d[94]), "+f"(d[95]),
          "+f"(d[96]), "+f"(d[97]), "+f"(d[98]), "+f"(d[99]), "+f"(d[100]), "+f"(d[101]), "+f"(d[102]), "+f"(d[103]),
          "+f"(d[104]), "+f"(d[105]), "+f"(d[106]), "+f"(d[107]), "+f"(d[108]), "+f"(d[109]), "+f"(d[110]), "+f"(d[111]),
          "+f"(d[112]), "+f"(d[113]), "+f"(d[114]), "+f"(d[115]), "+f"(d[116]), "+f"(d[117]), "+f"(d[118]), "+f"(d[119]),
          "+f"(d[120]), "+f"(d[121]), "+f"(d[122]), "+f"(d[123]), "+f"(d[124]), "+f"(d[125]), "+f"(d[126]), "+f"(d[127])
        : "l"(desc_a), "l"(desc_b), "r"(1));
}

// =================================================================================================
// The tile schedule: which 128 x 256 tile of C the t-th unit of work is.
// =================================================================================================
struct TileGrid {
    int tiles_m, tiles_n, tiles, k_tiles;
};

__device__ __forceinline__ TileGrid make_tile_grid(int m, int n, int k) {
    TileGrid g;
    g.tiles_m = (m + cfg::BM - 1) / cfg::BM;
    g.tiles_n = (n + cfg::BN - 1) / cfg::BN;
    g.tiles = g.tiles_m * g.tiles_n;
    g.k_tiles = (k + cfg::BK - 1) / cfg::BK;
    return g;
}

// Tiles are numbered in groups of GROUP_M tile-rows; inside a group, consecutive numbers go down a
// column of tiles first. Blocks that run at the same time then share B columns and A rows in L2,
// instead of each block streaming its own slab of B.
__device__ __forceinline__ void tile_coords(const TileGrid& g, int t, int& tile_m, int& tile_n) {
    const int per_group = cfg::GROUP_M * g.tiles_n;
    const int group = t / per_group;
    const int first_m = group * cfg::GROUP_M;
    const int rows = min(g.tiles_m - first_m, cfg::GROUP_M);
    const int in_group = t - group * per_group;
    tile_m = first_m + in_group % rows;
    tile_n = in_group / rows;
}

// Which tile a block takes next. Block b starts with tile b; after that the producer takes the next
// unclaimed number from a counter in global memory. Tiles are then claimed in the order blocks
// become free, so the tiles that run at the same time stay neighbours (sharing A rows and B columns
// in L2) even in a persistent launch, where a fixed stride (tile b, b + gridDim.x, ...) lets the
// blocks drift apart. The last block to stop taking tiles resets the counters for the next launch
// (launches on one stream never overlap; concurrent launches of this kernel would need their own).
__device__ int g_tiles_taken;  // tiles handed out beyond each block's first
__device__ int g_blocks_done;  // blocks that have taken their last tile

__device__ __forceinline__ int next_tile() { return gridDim.x + atomicAdd(&g_tiles_taken, 1); }

__device__ __forceinline__ void scheduler_block_done() {
    if (atomicAdd(&g_blocks_done, 1) == int(gridDim.x) - 1) {
        atomicExch(&g_tiles_taken, 0);
        atomicExch(&g_blocks_done, 0);
    }
}

// =================================================================================================
// The producer: one thread, issuing TMA copies into the ring. Each stage is also tagged with the
// tile its k-tile belongs to (stage_tile), which is how the consumers learn which tile comes next;
// a stage tagged -1 carries no data and means "no more tiles".
// =================================================================================================
__device__ __forceinline__ void produce(const TileGrid& g, int n, uint8_t* ring, uint64_t* full, uint64_t* empty,
                                        int* stage_tile, const TensorMap* tma_a, const TensorMap* tma_b) {
    uint32_t it = 0;  // k-tiles issued so far by this block: selects the stage and its phase
    for (int t = blockIdx.x; t < g.tiles; t = next_tile()) {
        int tile_m, tile_n;
        tile_coords(g, t, tile_m, tile_n);
        const int row0 = tile_m * cfg::BM, col0 = tile_n * cfg::BN;
        // B boxes wholly right of column n are not copied (columns >= n of C are never stored,
        // so whatever their shared memory holds does not matter).
        const int b_boxes = min(cfg::B_BOXES, (n - col0 + cfg::B_BOX_COLS - 1) / cfg::B_BOX_COLS);
        const uint32_t stage_bytes = cfg::A_TILE_BYTES + b_boxes * cfg::B_BOX_BYTES;
        for (int kt = 0; kt < g.k_tiles; ++kt, ++it) {
            const uint32_t s = it % cfg::STAGES, phase = (it / cfg::STAGES) & 1;
            mbar_wait(&empty[s], phase ^ 1);  // both consumers are done reading this stage
            atomicExch(&stage_tile[s], t);    // published to the consumers by the arrive below
            mbar_arrive_expect_tx(&full[s], stage_bytes);
            uint8_t* a_dst = ring + s * cfg::STAGE_BYTES;
            uint8_t* b_dst = a_dst + cfg::A_TILE_BYTES;
            tma_load_2d(a_dst, tma_a, kt * cfg::BK, row0, &full[s]);
            for (int j = 0; j < b_boxes; ++j)
                tma_load_2d(b_dst + j * cfg::B_BOX_BYTES, tma_b, col0 + j * cfg::B_BOX_COLS, kt * cfg::BK, &full[s]);
        }
    }
    scheduler_block_done();
    // The end marker: one more stage, tagged -1, completed by a plain arrive (no bytes to wait for).
    const uint32_t s = it % cfg::STAGES, phase = (it / cfg::STAGES) & 1;
    mbar_wait(&empty[s], phase ^ 1);
    atomicExch(&stage_tile[s], -1);
    mbar_arrive(&full[s]);
}

// =================================================================================================
// The consumers: wgmma over the ring, then the epilogue.
// =================================================================================================

// Convert one consumer's 64 x 256 fp32 accumulator tile to bf16 and store it, inside C only.
// wgmma's accumulator layout for m64nN: warp w of the warpgroup owns rows 16w .. 16w + 15; lane l
// holds rows 16w + l/4 and 16w + l/4 + 8, and in each 8-column group j the two columns
// 8j + 2(l%4) and 8j + 2(l%4) + 1: registers d[4j], d[4j+1] (upper row), d[4j+2], d[4j+3] (lower).
__device__ __forceinline__ void store_tile(const float (&d)[128], __nv_bfloat16* c, int m, int n, int row0,
                                           int col0) {
    const int t = threadIdx.x % cfg::WG_THREADS, warp = t / 32, lane = t % 32;
    const int r = row0 + warp * 16 + lane / 4;
    const int col = col0 + 2 * (lane % 4);
#pragma unroll
    for (int j = 0; j < 32; ++j) {
        const int cj = col + 8 * j;
        if (cj >= n) continue;  // n is even and cj is even, so cj + 1 < n as well
        if (r < m)
            *reinterpret_cast<__nv_bfloat162*>(c + size_t(r) * n + cj) = __floats2bfloat162_rn(d[4 * j], d[4 * j + 1]);
        if (r + 8 < m)
            *reinterpret_cast<__nv_bfloat162*>(c + size_t(r + 8) * n + cj) =
                __floats2bfloat162_rn(d[4 * j + 2], d[4 * j + 3]);
    }
}

__device__ __forceinline__ void consume(const TileGrid& g, int m, int n, __nv_bfloat16* c, uint8_t* ring,
                                        uint64_t* full, uint64_t* empty, const int* stage_tile, int consumer) {
    const uint32_t ring_addr = smem_u32(ring);
    const bool leader = threadIdx.x % cfg::WG_THREADS == 0;  // arrives on empty for its warpgroup
    uint32_t it = 0;                                          // k-tiles consumed so far (as produce)
    for (;;) {
        // The stage holding the next tile's first k-tile says which tile that is. (The k loop's
        // first wait below is this same wait again, and returns at once.)
        const uint32_t s0 = it % cfg::STAGES;
        mbar_wait(&full[s0], (it / cfg::STAGES) & 1);
        // An atomic read (and atomic writes in produce()): the mbarrier already orders them (arrive
        // releases, wait acquires), but compute-sanitizer's racecheck does not model that order for
        // plain shared-memory accesses and reports the tile id's handover as a race (it did on
        // mastery/02's copy of this kernel on the H200).
        const int t = atomicOr(const_cast<int*>(&stage_tile[s0]), 0);
        if (t < 0 || t >= g.tiles) break;  // -1: no more tiles
        int tile_m, tile_n;
        tile_coords(g, t, tile_m, tile_n);
        float d[128];
#pragma unroll
        for (int i = 0; i < 128; ++i) d[i] = 0.f;

        for (int kt = 0; kt < g.k_tiles; ++kt, ++it) {
            const uint32_t s = it % cfg::STAGES, phase = (it / cfg::STAGES) & 1;
            mbar_wait(&full[s], phase);  // the stage's bytes have landed
            const uint32_t a_rows = ring_addr + s * cfg::STAGE_BYTES + consumer * cfg::WG_ROWS * cfg::SWIZZLE_BYTES;
            const uint32_t b_tile = ring_addr + s * cfg::STAGE_BYTES + cfg::A_TILE_BYTES;
            fence_accumulators(d);
            wgmma_fence();
#pragma unroll
            for (int kk = 0; kk < cfg::BK / cfg::MMA_K; ++kk) wgmma_m64n256k16(d, a_desc(a_rows, kk), b_desc(b_tile, kk));
            wgmma_commit();
            // Keep this k-tile's wgmmas running; wait only for the previous k-tile's, whose
            // stage can then be handed back to the producer.
            wgmma_wait<1>();
            fence_accumulators(d);
            if (kt > 0 && leader) mbar_arrive(&empty[(it - 1) % cfg::STAGES]);
        }
        wgmma_wait<0>();
        fence_accumulators(d);
        if (g.k_tiles > 0 && leader) mbar_arrive(&empty[(it - 1) % cfg::STAGES]);

        store_tile(d, c, m, n, tile_m * cfg::BM + consumer * cfg::WG_ROWS, tile_n * cfg::BN);
    }
}

// =================================================================================================
// The plain path, for sizes whose rows the TMA cannot map (k % 8 or n % 8 not 0: a row of A or B
// that does not start on a 16-byte boundary). Block b computes tile b with plain loads and fp32
// FMAs in k order: slow, but these are the small ragged cases only.
// =================================================================================================
constexpr bool tma_ok(long long n, long long k) { return n % 8 == 0 && k % 8 == 0; }

__device__ void plain_tile(const __nv_bfloat16* a, const __nv_bfloat16* b, __nv_bfloat16* c, int m, int n, int k) {
    const TileGrid g = make_tile_grid(m, n, k);
    if (int(blockIdx.x) >= g.tiles) return;
    int tile_m, tile_n;
    tile_coords(g, blockIdx.x, tile_m, tile_n);
    for (int e = threadIdx.x; e < cfg::BM * cfg::BN; e += blockDim.x) {
        const int r = tile_m * cfg::BM + e / cfg::BN, col = tile_n * cfg::BN + e % cfg::BN;
        if (r >= m || col >= n) continue;
        float acc = 0.f;
        for (int i = 0; i < k; ++i)
            acc = fmaf(__bfloat162float(a[size_t(r) * k + i]), __bfloat162float(b[size_t(i) * n + col]), acc);
        c[size_t(r) * n + col] = __float2bfloat16_rn(acc);
    }
}

// =================================================================================================
// The kernel.
// =================================================================================================
extern "C" __global__ void __launch_bounds__(cfg::THREADS, 1)
    gemm(const __nv_bfloat16* a, const __nv_bfloat16* b, __nv_bfloat16* c, int m, int n, int k,
         const __grid_constant__ TensorMap tma_a, const __grid_constant__ TensorMap tma_b) {
    // Rows that are not 16-byte aligned cannot be mapped (tensor_maps() gave all-zero maps):
    // those cases take the plain path, one block per tile as well.
    if (!tma_ok(n, k)) {
        plain_tile(a, b, c, m, n, k);
        return;
    }
#if defined(__CUDA_ARCH_FEAT_SM90_ALL)  // wgmma and setmaxnreg exist on sm_90a only
    __shared__ __align__(8) uint64_t full[cfg::STAGES], empty[cfg::STAGES];
    __shared__ int stage_tile[cfg::STAGES];  // the tile each stage's k-tile belongs to (-1: the end)
    extern __shared__ __align__(1024) uint8_t smem_raw[];
    // The 128-byte swizzle repeats every 1 KiB and both TMA and wgmma apply it to absolute
    // shared-memory addresses, so the ring must start on a 1 KiB boundary.
    uint8_t* ring = smem_raw + ((1024 - (smem_u32(smem_raw) & 1023)) & 1023);

    const int warpgroup = threadIdx.x / cfg::WG_THREADS;
    if (threadIdx.x == 0) {
        for (int s = 0; s < cfg::STAGES; ++s) {
            mbar_init(&full[s], 1);                // the producer's arrive.expect_tx (+ the bytes)
            mbar_init(&empty[s], cfg::CONSUMERS);  // one arrive per consumer warpgroup
        }
        // Make the initialised barriers visible to the async proxy (the TMA unit) too.
        asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
        asm volatile("fence.proxy.async.shared::cta;" ::: "memory");
    }
    __syncthreads();

    const TileGrid g = make_tile_grid(m, n, k);
    if (warpgroup == 0) {
        setmaxnreg_dec<cfg::PRODUCER_REGS>();
        if (threadIdx.x == 0) {
            tma_prefetch_map(&tma_a);
            tma_prefetch_map(&tma_b);
            produce(g, n, ring, full, empty, stage_tile, &tma_a, &tma_b);
        }
    } else {
        setmaxnreg_inc<cfg::CONSUMER_REGS>();
        consume(g, m, n, c, ring, full, empty, stage_tile, warpgroup - 1);
    }
#else
    // `nvcc -arch=sm_90a` also embeds compute_90 PTX, which cannot hold wgmma; the driver picks the
    // sm_90a machine code on a Hopper GPU, so this body only runs on a build without it.
    if (threadIdx.x == 0 && blockIdx.x == 0) printf("gemm: built without sm_90a code; rebuild for sm_90a\n");
    __trap();
#endif
}

// =================================================================================================
// What kernelcoach encodes and launches.
// =================================================================================================

// Two maps, A (m x k, boxes of 128 rows x 64 k) and B (k x n, boxes of 64 k x 64 columns), both
// with the 128-byte swizzle; all-zero maps (tensor = -1) where the rows are not 16-byte aligned.
constexpr TensorMaps tensor_maps(Problem p) {
    TensorMaps t;
    t.count = 2;
    if (tma_ok(p.n, p.k)) {
        t.map[0] = {.tensor = kc::tensor::a, .rows = unsigned(p.m), .cols = unsigned(p.k), .box_rows = cfg::BM,
                    .box_cols = cfg::BK, .swizzle = cfg::SWIZZLE_BYTES};
        t.map[1] = {.tensor = kc::tensor::b, .rows = unsigned(p.k), .cols = unsigned(p.n), .box_rows = cfg::BK,
                    .box_cols = cfg::B_BOX_COLS, .swizzle = cfg::SWIZZLE_BYTES};
    }
    return t;
}

// One block of three warpgroups per 128 x 256 tile of C; the ring's 193 KiB (+ 1 KiB to align it)
// of dynamic shared memory, which kernelcoach opts in to.
constexpr Launch launch(Problem p) {
    const long long tiles = ((p.m + cfg::BM - 1) / cfg::BM) * ((p.n + cfg::BN - 1) / cfg::BN);
    return Launch{.grid = {unsigned(tiles)}, .block = {unsigned(cfg::THREADS)}, .shared_bytes = unsigned(cfg::SMEM_BYTES)};
}
