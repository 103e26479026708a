// wgmma_gemm.cu - a Hopper (sm_90a) bf16 GEMM built from TMA and wgmma, with its test bench.
//
// The seed of the course's "sm_90 TMA + wgmma" worked example (optimization/04 and 05). The
// problem is the course's fixed contract:
//
//     C = A B    A: m x k, B: k x n, C: m x n, all bf16 and row-major; fp32 accumulation, C rounded
//                to bf16 once. Valid sizes: k % 8 == 0 and n % 8 == 0 (TMA needs 16-byte row
//                strides); m, n and k need not be multiples of the tile.
//
//     extern "C" __global__ void gemm(const __nv_bfloat16* a, const __nv_bfloat16* b,
//                                     __nv_bfloat16* c, int m, int n, int k,
//                                     const __grid_constant__ CUtensorMap tma_a,
//                                     const __grid_constant__ CUtensorMap tma_b);
//
// The tensor maps are encoded on the host (encode_tma_2d below) over A and B as they lie in memory.
//
// ---- The design, in one page --------------------------------------------------------------------
//
// Block tile 128 x 256 of C, k-tiles of 64. A block is three warpgroups (384 threads):
//
//   warpgroup 0, the PRODUCER: one thread issues TMA (cp.async.bulk.tensor) copies of A and B
//       k-tiles into a 4-stage ring of shared memory. It gives most of its registers away
//       (setmaxnreg.dec to 40) since it needs almost none.
//   warpgroups 1 and 2, the CONSUMERS: each multiplies its 64 rows of the A k-tile by the whole
//       B k-tile with four wgmma.m64n256k16 (one per 16 of k), accumulating a 64 x 256 fp32 tile
//       in registers (128 floats a thread). They take the producer's registers (setmaxnreg.inc
//       to 232). At the end each converts its accumulators to bf16 and stores them, skipping
//       rows and columns outside C.
//
// Hand-off: two mbarriers per stage.
//   full[s]  - the producer announces the bytes it will copy (mbarrier.arrive.expect_tx); the
//              TMA unit counts them down as they land (complete_tx). The phase completes when
//              every byte of the stage is in shared memory. Consumers wait on it.
//   empty[s] - each consumer warpgroup arrives once its wgmmas that read stage s have finished
//              (wgmma.wait_group). The producer waits on it before refilling the stage.
//
// Shared-memory layouts (what TMA writes is exactly what wgmma reads; no thread touches them):
//   A k-tile: 128 rows x 64 k, k contiguous: "K-major". Rows are 128 bytes and the TMA box uses
//       the 128-byte swizzle: within each 8-row (1024-byte) group, the 16-byte chunk j of row r is
//       stored at chunk j ^ (r % 8). That spreads a column of 16-byte chunks over all 32 banks.
//   B k-tile: B is k x n with n contiguous, so a k-tile of B is 64 k-rows of n: "MN-major" (the
//       transpose of what wgmma calls the default, K-major, for B). wgmma accepts MN-major B for
//       16-bit types through its transpose flag (imm-trans-b = 1), so B is never transposed in
//       memory. A 128-byte swizzle row is 64 bf16, so the 256 columns of the tile are copied as
//       four TMA boxes of 64 k-rows x 64 columns, each 8 KiB, placed one after another.
//
// Out-of-range tiles: TMA fills whatever lies outside A or B with zeros, so a partial k-tile adds
// zeros; rows of A beyond m and columns of B beyond n only feed rows and columns of C that the
// epilogue does not store.
//
// The kernel loops over tiles: block b starts with tile b and then takes the next unclaimed tile
// from a global counter (next_tile), so the same code runs "data-parallel" (one block per tile) or
// "persistent" (one block per SM, several tiles each: the producer fills the ring for the next
// tile while the consumers store the last one). Each stage of the ring is tagged with its tile, so
// the consumers follow the producer without a second hand-off.
//
// Build: nvcc -O3 -std=c++17 -arch=sm_90a -lineinfo -o /tmp/wgmma_gemm wgmma_gemm.cu -lcuda -lcublasLt
// Run:   /tmp/wgmma_gemm          correctness on small and large sizes, then timings vs cuBLASLt
//        /tmp/wgmma_gemm --quick  correctness only
//        /tmp/wgmma_gemm --one M N K   one launch each of data-parallel, persistent and cuBLASLt at
//                                      M x N x K, nothing else: for a profiler (wgmma_gemm.sh runs
//                                      Nsight Compute on it when ncu is there)

#include <cublasLt.h>
#include <cuda.h>
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

// Give up on an mbarrier wait after this many clock cycles (about 2 s) and say which barrier hung
// (see HangInfo): a mistake in the pipeline then costs seconds, not the whole time limit. The check
// only runs on the slow path (after a failed try_wait), so it costs nothing measurable.
#ifndef GEMM_HANG_CYCLES
#define GEMM_HANG_CYCLES 4000000000LL
#endif

#define CK(x)                                                                                   \
    do {                                                                                        \
        auto e_ = (x);                                                                          \
        if (e_ != 0) {                                                                          \
            std::printf("FAILED %s: error %d (%s:%d)\n", #x, int(e_), __FILE__, __LINE__);      \
            std::exit(2);                                                                       \
        }                                                                                       \
    } while (0)

// =================================================================================================
// The tile configuration. The host's tensor-map boxes are derived from these same numbers.
// =================================================================================================
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

// Where a wait that timed out records itself, for the host to print after the launch. A printf
// here would be a function call inside the consumers' wgmma loop, and ptxas then serialises every
// wgmma; a store to global memory is not a call. Once one thread gives up, every other wait gives
// up too (hang_flag), so the launch ends within seconds, with a wrong C, and the host reports it.
struct HangInfo {
    int flag;               // 0: no wait timed out
    int block, thread;      // the first thread that gave up
    uint32_t barrier, parity;  // its barrier (shared-memory address) and the parity it waited for
};
__device__ HangInfo g_hang;

__device__ __forceinline__ void mbar_wait(uint64_t* bar, uint32_t parity) {
    if (mbar_try_wait(bar, parity)) return;
    const long long start = clock64();
    while (!mbar_try_wait(bar, parity)) {
        if (*static_cast<volatile int*>(&g_hang.flag)) return;  // someone else gave up: stop too
        if (clock64() - start > GEMM_HANG_CYCLES) {
            if (atomicCAS(&g_hang.flag, 0, 1) == 0) {
                g_hang.block = blockIdx.x;
                g_hang.thread = threadIdx.x;
                g_hang.barrier = smem_u32(bar);
                g_hang.parity = parity;
                __threadfence();
            }
            return;
        }
    }
}

// ---- TMA ----------------------------------------------------------------------------------------

// Copy the box at (col, row) of the tensor described by `map` into shared memory at `dst`, and
// count its bytes on `bar`. Coordinates are in elements, innermost (contiguous) dimension first.
// Parts of the box outside the tensor are filled with zeros (and still counted).
__device__ __forceinline__ void tma_load_2d(void* dst, const CUtensorMap* map, int col, int row, uint64_t* bar) {
    asm volatile(
        "cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1, {%2, %3}], [%4];" ::"r"(
            smem_u32(dst)),
        "l"(reinterpret_cast<uint64_t>(map)), "r"(col), "r"(row), "r"(smem_u32(bar))
        : "memory");
}

__device__ __forceinline__ void tma_prefetch_map(const CUtensorMap* map) {
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

__device__ __forceinline__ bool some_wait_gave_up() { return *static_cast<volatile int*>(&g_hang.flag) != 0; }

// =================================================================================================
// The producer: one thread, issuing TMA copies into the ring. Each stage is also tagged with the
// tile its k-tile belongs to (stage_tile), which is how the consumers learn which tile comes next;
// a stage tagged -1 carries no data and means "no more tiles".
// =================================================================================================
__device__ __forceinline__ void produce(const TileGrid& g, int n, uint8_t* ring, uint64_t* full, uint64_t* empty,
                                        int* stage_tile, const CUtensorMap* tma_a, const CUtensorMap* tma_b) {
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
            stage_tile[s] = t;                // published to the consumers by the arrive below
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
    stage_tile[s] = -1;
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
        const int t = *static_cast<const volatile int*>(&stage_tile[s0]);
        if (t < 0 || t >= g.tiles || some_wait_gave_up()) break;  // -1: no more tiles
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
// The kernel.
// =================================================================================================
extern "C" __global__ void __launch_bounds__(cfg::THREADS, 1)
    gemm(const __nv_bfloat16* a, const __nv_bfloat16* b, __nv_bfloat16* c, int m, int n, int k,
         const __grid_constant__ CUtensorMap tma_a, const __grid_constant__ CUtensorMap tma_b) {
    (void)a;  // A and B are read through their tensor maps
    (void)b;
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
// Host: tensor maps and the launch.
// =================================================================================================

// What the grader will ask for, per tensor: a row-major bf16 matrix of rows x cols (cols
// contiguous), read in boxes of box_rows x box_cols elements with the given swizzle.
struct TmaRequest {
    const void* base;
    uint64_t rows, cols;
    uint32_t box_rows, box_cols;
    CUtensorMapSwizzle swizzle;
};

// Encode a 2D tiled tensor map for a request. Dimensions go innermost first: (cols, rows).
// The row stride must be a multiple of 16 bytes (cols % 8 == 0 for bf16), and with a swizzle the
// box's inner extent must not exceed the swizzle span (box_cols * 2 <= 128 for SWIZZLE_128B).
// Elements of a box outside the matrix read as zero (FLOAT_OOB_FILL_NONE).
static CUresult encode_tma_2d(CUtensorMap* map, const TmaRequest& r) {
    const cuuint64_t dims[2] = {r.cols, r.rows};
    const cuuint64_t strides[1] = {r.cols * sizeof(__nv_bfloat16)};  // bytes between rows
    const cuuint32_t box[2] = {r.box_cols, r.box_rows};
    const cuuint32_t element_strides[2] = {1, 1};
    return cuTensorMapEncodeTiled(map, CU_TENSOR_MAP_DATA_TYPE_BFLOAT16, 2, const_cast<void*>(r.base), dims, strides,
                                  box, element_strides, CU_TENSOR_MAP_INTERLEAVE_NONE, r.swizzle,
                                  CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
}

// The two requests this kernel makes: A in 128 x 64 boxes (one k-tile), B in 64 x 64 boxes
// (a quarter of a k-tile), both with the 128-byte swizzle.
static TmaRequest request_a(const __nv_bfloat16* a, int m, int k) {
    return {a, uint64_t(m), uint64_t(k), cfg::BM, cfg::BK, CU_TENSOR_MAP_SWIZZLE_128B};
}
static TmaRequest request_b(const __nv_bfloat16* b, int k, int n) {
    return {b, uint64_t(k), uint64_t(n), cfg::BK, cfg::B_BOX_COLS, CU_TENSOR_MAP_SWIZZLE_128B};
}

struct GemmLaunch {
    const __nv_bfloat16 *a, *b;
    __nv_bfloat16* c;
    int m, n, k;
    CUtensorMap map_a, map_b;
    int blocks;
};

static int gemm_tiles(int m, int n) { return ((m + cfg::BM - 1) / cfg::BM) * ((n + cfg::BN - 1) / cfg::BN); }

// max_blocks: 0 for one block per tile (data-parallel), else at most that many blocks (persistent).
static GemmLaunch prepare_gemm(const __nv_bfloat16* a, const __nv_bfloat16* b, __nv_bfloat16* c, int m, int n, int k,
                               int max_blocks) {
    GemmLaunch L{a, b, c, m, n, k, {}, {}, 0};
    CK(encode_tma_2d(&L.map_a, request_a(a, m, k)));
    CK(encode_tma_2d(&L.map_b, request_b(b, k, n)));
    const int tiles = gemm_tiles(m, n);
    L.blocks = max_blocks > 0 ? std::min(tiles, max_blocks) : tiles;
    return L;
}

static void launch_gemm(const GemmLaunch& L, cudaStream_t stream = 0) {
    gemm<<<L.blocks, cfg::THREADS, cfg::SMEM_BYTES, stream>>>(L.a, L.b, L.c, L.m, L.n, L.k, L.map_a, L.map_b);
}

// =================================================================================================
// Host: cuBLASLt, the yardstick. Row-major C = A B is column-major C^T = B^T A^T: cuBLASLt
// multiplies B (seen as column-major n x k, ld n) by A (column-major k x m, ld k) into C (column-
// major n x m, ld n), with no transposes and no copies.
// =================================================================================================
struct LtGemm {
    cublasLtHandle_t lt = nullptr;
    cublasLtMatmulDesc_t desc = nullptr;
    cublasLtMatrixLayout_t la = nullptr, lb = nullptr, lc = nullptr;
    cublasLtMatmulAlgo_t algo{};
    void* workspace = nullptr;
    size_t workspace_bytes = 32u << 20;
    const void *a = nullptr, *b = nullptr;
    void* c = nullptr;

    LtGemm(cublasLtHandle_t h, const __nv_bfloat16* A, const __nv_bfloat16* B, __nv_bfloat16* C, int m, int n, int k)
        : lt(h), a(B), b(A), c(C) {
        CK(cublasLtMatmulDescCreate(&desc, CUBLAS_COMPUTE_32F, CUDA_R_32F));
        CK(cublasLtMatrixLayoutCreate(&la, CUDA_R_16BF, n, k, n));
        CK(cublasLtMatrixLayoutCreate(&lb, CUDA_R_16BF, k, m, k));
        CK(cublasLtMatrixLayoutCreate(&lc, CUDA_R_16BF, n, m, n));
        CK(cudaMalloc(&workspace, workspace_bytes));
        cublasLtMatmulPreference_t pref;
        CK(cublasLtMatmulPreferenceCreate(&pref));
        uint64_t ws = workspace_bytes;
        CK(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof ws));
        cublasLtMatmulHeuristicResult_t res{};
        int count = 0;
        CK(cublasLtMatmulAlgoGetHeuristic(lt, desc, la, lb, lc, lc, pref, 1, &res, &count));
        if (count < 1) {
            std::printf("cuBLASLt found no algorithm\n");
            std::exit(2);
        }
        algo = res.algo;
        cublasLtMatmulPreferenceDestroy(pref);
    }
    ~LtGemm() {
        cublasLtMatrixLayoutDestroy(la);
        cublasLtMatrixLayoutDestroy(lb);
        cublasLtMatrixLayoutDestroy(lc);
        cublasLtMatmulDescDestroy(desc);
        cudaFree(workspace);
    }
    void run(cudaStream_t stream = 0) const {
        const float alpha = 1, beta = 0;
        CK(cublasLtMatmul(lt, desc, &alpha, a, la, b, lb, &beta, c, lc, c, lc, &algo, workspace, workspace_bytes,
                          stream));
    }
};

// =================================================================================================
// Host: data, the float64 truth, and the check.
// =================================================================================================
static uint64_t splitmix64(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

// Uniform values in [-1, 1), rounded to bf16; `vals` keeps them as floats for the reference.
static void fill_uniform(std::vector<__nv_bfloat16>& v, std::vector<float>& vals, size_t count, uint64_t seed) {
    v.resize(count);
    vals.resize(count);
    for (size_t i = 0; i < count; ++i) {
        const double u = double(splitmix64(seed * 0x100000001B3ull + i) >> 11) * 0x1p-53;  // [0, 1)
        v[i] = __float2bfloat16(float(2 * u - 1));
        vals[i] = __bfloat162float(v[i]);
    }
}

struct CheckResult {
    size_t checked = 0, failures = 0, unwritten = 0;
    double worst_ratio = 0;  // max |c - t| / bound
    long worst_i = -1, worst_j = -1;
    double worst_got = 0, worst_truth = 0;
    bool guard_ok = true;
};

static const uint16_t kPoison = 0xFFFF;  // a bf16 NaN: what C holds where nothing was written

// Compare C against float64 dot products at the given positions (all of C when `positions` is
// empty). Bound: e + 2^-8 (|t| + e), e = 4 u (k + 1) sum |a_l b_l|, u = 2^-24: fp32 accumulation
// of k products, then one rounding to bf16 (the bound of src/reference/host/gemm_truth.cpp).
static CheckResult check_c(const std::vector<float>& af, const std::vector<float>& bfv,
                           const std::vector<__nv_bfloat16>& c, int m, int n, int k,
                           const std::vector<std::pair<int, int>>& positions) {
    CheckResult r;
    auto check_one = [&](int i, int j) {
        double t = 0, s = 0;
        for (int l = 0; l < k; ++l) {
            const double p = double(af[size_t(i) * k + l]) * double(bfv[size_t(l) * n + j]);
            t += p;
            s += std::fabs(p);
        }
        const double e = 4 * 0x1p-24 * (k + 1) * s, bound = e + 0x1p-8 * (std::fabs(t) + e);
        const float got = __bfloat162float(c[size_t(i) * n + j]);
        const double err = std::fabs(double(got) - t);
        const double ratio = std::isnan(err) ? INFINITY : (bound > 0 ? err / bound : (err > 0 ? INFINITY : 0));
        ++r.checked;
        if (!(ratio <= 1)) ++r.failures;
        if (!(ratio <= r.worst_ratio)) {
            r.worst_ratio = ratio;
            r.worst_i = i;
            r.worst_j = j;
            r.worst_got = got;
            r.worst_truth = t;
        }
    };
    if (positions.empty()) {
        for (int i = 0; i < m; ++i)
            for (int j = 0; j < n; ++j) check_one(i, j);
    } else {
        for (const auto& p : positions) check_one(p.first, p.second);
    }
    // Anything still holding the poison pattern was never written.
    for (size_t i = 0; i < size_t(m) * n; ++i) {
        uint16_t bits;
        std::memcpy(&bits, &c[i], 2);
        r.unwritten += bits == kPoison;
    }
    return r;
}

// ~count random positions plus the four corners and the last row and column of a few tiles.
static std::vector<std::pair<int, int>> sample_positions(int m, int n, int count, uint64_t seed) {
    std::vector<std::pair<int, int>> p = {{0, 0}, {0, n - 1}, {m - 1, 0}, {m - 1, n - 1}};
    for (int t = 1; t <= 4; ++t) {
        p.push_back({std::min(m - 1, t * cfg::BM - 1), std::min(n - 1, t * cfg::BN - 1)});
        p.push_back({std::min(m - 1, t * cfg::BM), std::min(n - 1, t * cfg::BN)});
    }
    for (int s = 0; s < count; ++s) {
        const uint64_t h = splitmix64(seed ^ (0xABCDEFull * (s + 1)));
        p.push_back({int(h % uint64_t(m)), int((h >> 32) % uint64_t(n))});
    }
    return p;
}

// Device buffers for one problem size, C with a poisoned guard zone after it that must survive.
struct Problem {
    int m, n, k;
    std::vector<__nv_bfloat16> a, b;
    std::vector<float> af, bfv;
    __nv_bfloat16 *da = nullptr, *db = nullptr, *dc = nullptr;
    static constexpr size_t kGuard = 1 << 16;  // elements after C

    Problem(int m_, int n_, int k_, uint64_t seed) : m(m_), n(n_), k(k_) {
        fill_uniform(a, af, size_t(m) * k, seed * 2 + 1);
        fill_uniform(b, bfv, size_t(k) * n, seed * 2 + 2);
        CK(cudaMalloc(&da, a.size() * 2));
        CK(cudaMalloc(&db, b.size() * 2));
        CK(cudaMalloc(&dc, (size_t(m) * n + kGuard) * 2));
        CK(cudaMemcpy(da, a.data(), a.size() * 2, cudaMemcpyHostToDevice));
        CK(cudaMemcpy(db, b.data(), b.size() * 2, cudaMemcpyHostToDevice));
    }
    ~Problem() {
        cudaFree(da);
        cudaFree(db);
        cudaFree(dc);
    }
    void poison_c() const { CK(cudaMemset(dc, 0xFF, (size_t(m) * n + kGuard) * 2)); }
    std::vector<__nv_bfloat16> read_c(bool* guard_ok) const {
        std::vector<__nv_bfloat16> c(size_t(m) * n + kGuard);
        CK(cudaMemcpy(c.data(), dc, c.size() * 2, cudaMemcpyDeviceToHost));
        *guard_ok = true;
        for (size_t i = size_t(m) * n; i < c.size(); ++i) {
            uint16_t bits;
            std::memcpy(&bits, &c[i], 2);
            *guard_ok &= bits == kPoison;
        }
        c.resize(size_t(m) * n);
        return c;
    }
};

static bool same_bits(const std::vector<__nv_bfloat16>& x, const std::vector<__nv_bfloat16>& y) {
    return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(x[0])) == 0;
}

// True (and the details printed) if a wait in the kernel gave up since the last call; resets it.
static bool g_any_hang = false;  // once a launch hung, timing it would only burn time
static bool kernel_hung() {
    HangInfo h;
    CK(cudaMemcpyFromSymbol(&h, g_hang, sizeof h));
    if (!h.flag) return false;
    g_any_hang = true;
    std::printf("  HANG: an mbarrier wait timed out: block %d thread %d (%s), barrier at shared 0x%x, parity %u\n",
                h.block, h.thread, h.thread < cfg::WG_THREADS ? "producer" : "consumer", h.barrier, h.parity);
    const HangInfo zero{};
    CK(cudaMemcpyToSymbol(g_hang, &zero, sizeof zero));
    const int zeros[2] = {0, 0};  // the tile scheduler's counters may be left mid-launch
    CK(cudaMemcpyToSymbol(g_tiles_taken, &zeros[0], sizeof(int)));
    CK(cudaMemcpyToSymbol(g_blocks_done, &zeros[1], sizeof(int)));
    return true;
}

// Run `launch` once on a poisoned C and check the result. positions empty: check all of C.
template <class Launch>
static CheckResult run_and_check(const Problem& p, Launch launch, const std::vector<std::pair<int, int>>& positions,
                                 std::vector<__nv_bfloat16>* out = nullptr) {
    p.poison_c();
    launch();
    CK(cudaGetLastError());
    CK(cudaDeviceSynchronize());
    bool guard_ok;
    std::vector<__nv_bfloat16> c = p.read_c(&guard_ok);
    CheckResult r = check_c(p.af, p.bfv, c, p.m, p.n, p.k, positions);
    r.guard_ok = guard_ok;
    if (kernel_hung()) r.failures = std::max<size_t>(r.failures, 1);
    if (out) *out = std::move(c);
    return r;
}

static bool report_check(const char* what, const Problem& p, const CheckResult& r) {
    const bool ok = r.failures == 0 && r.unwritten == 0 && r.guard_ok;
    std::printf("  %-5s %5dx%5dx%5d %-24s checked %9zu  max err/bound %8.4f  failures %zu  unwritten %zu  "
                "guard %s",
                ok ? "ok" : "FAIL", p.m, p.n, p.k, what, r.checked, r.worst_ratio, r.failures, r.unwritten,
                r.guard_ok ? "intact" : "OVERWRITTEN");
    if (!ok && r.worst_i >= 0)
        std::printf("  (worst at %ld,%ld: got %.6g, truth %.6g)", r.worst_i, r.worst_j, r.worst_got, r.worst_truth);
    std::printf("\n");
    return ok;
}

// =================================================================================================
// Host: diagnosis, printed only when a small case fails. With B = I, C = A, so C(i, j) shows
// which element of A the kernel used for (i, j); with A = I, C = B likewise. Values are small
// integers, exact in bf16.
// =================================================================================================
static void diagnose() {
    std::printf("diagnosis: C(i, j) for identity operands (expected value in brackets)\n");
    const int m = 256, n = 256, k = 256;
    std::vector<__nv_bfloat16> a(m * k), b(k * n), c(m * n);
    __nv_bfloat16 *da, *db, *dc;
    CK(cudaMalloc(&da, a.size() * 2));
    CK(cudaMalloc(&db, b.size() * 2));
    CK(cudaMalloc(&dc, c.size() * 2));
    const int rows[] = {0, 1, 7, 8, 9, 16, 63, 64, 65, 127, 128, 200};
    const int cols[] = {0, 1, 2, 7, 8, 9, 15, 16, 63, 64, 65, 128, 255};
    for (int test = 0; test < 4; ++test) {
        // test 0: A(i,l) = l,      B = I  -> C(i,j) = j     (A's k index as read)
        // test 1: A(i,l) = i % 256, B = I -> C(i,j) = i     (A's row as read)
        // test 2: A = I, B(l,j) = j       -> C(i,j) = j     (B's column as read)
        // test 3: A = I, B(l,j) = l       -> C(i,j) = i     (B's k index as read)
        for (int i = 0; i < m; ++i)
            for (int l = 0; l < k; ++l)
                a[i * k + l] = __float2bfloat16(test == 0 ? float(l) : test == 1 ? float(i) : float(i == l));
        for (int l = 0; l < k; ++l)
            for (int j = 0; j < n; ++j)
                b[l * n + j] = __float2bfloat16(test == 2 ? float(j) : test == 3 ? float(l) : float(l == j));
        CK(cudaMemcpy(da, a.data(), a.size() * 2, cudaMemcpyHostToDevice));
        CK(cudaMemcpy(db, b.data(), b.size() * 2, cudaMemcpyHostToDevice));
        CK(cudaMemset(dc, 0xFF, c.size() * 2));
        launch_gemm(prepare_gemm(da, db, dc, m, n, k, 0));
        CK(cudaDeviceSynchronize());
        CK(cudaMemcpy(c.data(), dc, c.size() * 2, cudaMemcpyDeviceToHost));
        std::printf(" test %d:\n", test);
        for (int i : rows) {
            std::printf("  row %3d:", i);
            for (int j : cols)
                std::printf(" %g[%d]", __bfloat162float(c[i * n + j]), (test == 0 || test == 2) ? j : i);
            std::printf("\n");
        }
    }
    cudaFree(da);
    cudaFree(db);
    cudaFree(dc);
}

// =================================================================================================
// Host: timing. Median of `runs` launches after warm-up, each after writing a 256 MiB buffer so
// that A and B start out of L2 every time, as they would in a real workload.
// =================================================================================================
template <class Launch>
static double time_ms(Launch launch, void* flush, size_t flush_bytes, int runs = 25, int warmup = 3) {
    for (int i = 0; i < warmup; ++i) launch();
    CK(cudaGetLastError());
    cudaEvent_t start, stop;
    CK(cudaEventCreate(&start));
    CK(cudaEventCreate(&stop));
    std::vector<float> ms(runs);
    for (int i = 0; i < runs; ++i) {
        CK(cudaMemsetAsync(flush, i & 0xFF, flush_bytes));
        CK(cudaEventRecord(start));
        launch();
        CK(cudaEventRecord(stop));
        CK(cudaEventSynchronize(stop));
        CK(cudaEventElapsedTime(&ms[i], start, stop));
    }
    CK(cudaGetLastError());
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
    std::sort(ms.begin(), ms.end());
    return runs % 2 ? ms[runs / 2] : 0.5 * (ms[runs / 2 - 1] + ms[runs / 2]);
}

struct Row {
    std::string size, kernel;
    double ms, tflops, ratio;
    bool correct;
};

// One launch of each kernel on random data, for a profiler to look at (no checks, no timing).
static int run_once_each(int m, int n, int k, int sms) {
    if (m < 1 || n < 8 || k < 8 || n % 8 || k % 8) {
        std::printf("--one: need m >= 1 and n, k multiples of 8\n");
        return 2;
    }
    Problem p(m, n, k, 5);
    cublasLtHandle_t lt;
    CK(cublasLtCreate(&lt));
    {
        LtGemm ref(lt, p.da, p.db, p.dc, m, n, k);
        launch_gemm(prepare_gemm(p.da, p.db, p.dc, m, n, k, 0));
        launch_gemm(prepare_gemm(p.da, p.db, p.dc, m, n, k, sms));
        ref.run();
        CK(cudaGetLastError());
        CK(cudaDeviceSynchronize());
    }
    cublasLtDestroy(lt);
    std::printf("--one %dx%dx%d: launched gemm data-parallel, gemm persistent (%d blocks), cuBLASLt\n", m, n, k, sms);
    return kernel_hung() ? 1 : 0;
}

// =================================================================================================
int main(int argc, char** argv) {
    const bool quick = argc > 1 && std::string(argv[1]) == "--quick";
    cudaDeviceProp prop;
    CK(cudaGetDeviceProperties(&prop, 0));
    std::printf("device: %s, %d SMs, %d KiB L2, compute capability %d.%d\n", prop.name, prop.multiProcessorCount,
                prop.l2CacheSize >> 10, prop.major, prop.minor);
    if (prop.major != 9) {
        std::printf("this probe needs a Hopper GPU (sm_90a)\n");
        return 2;
    }
    CK(cudaFuncSetAttribute(gemm, cudaFuncAttributeMaxDynamicSharedMemorySize, cfg::SMEM_BYTES));
    {
        cudaFuncAttributes fa;
        CK(cudaFuncGetAttributes(&fa, gemm));
        std::printf("gemm: %d registers/thread at launch, %zu B static + %d B dynamic shared memory, "
                    "%d threads, tile %dx%dx%d, %d stages\n",
                    fa.numRegs, fa.sharedSizeBytes, cfg::SMEM_BYTES, cfg::THREADS, cfg::BM, cfg::BN, cfg::BK,
                    cfg::STAGES);
    }
    const int sms = prop.multiProcessorCount;
    if (argc > 4 && std::string(argv[1]) == "--one")
        return run_once_each(std::atoi(argv[2]), std::atoi(argv[3]), std::atoi(argv[4]), sms);
    bool all_ok = true;

    // ---- 1. Small and ragged sizes, every element checked, two launch shapes each ----------
    std::printf("\ncorrectness, small sizes (every element):\n");
    struct Size {
        int m, n, k;
    };
    const Size small[] = {{1, 8, 8},      {131, 136, 128}, {200, 264, 200}, {128, 256, 64},  {129, 264, 72},
                          {256, 512, 1024}, {383, 776, 520}, {1000, 1032, 64}, {64, 1024, 8},  {77, 8, 4096}};
    bool small_ok = true;
    for (const Size& s : small) {
        Problem p(s.m, s.n, s.k, 7 + s.m + s.n + s.k);
        const GemmLaunch dp = prepare_gemm(p.da, p.db, p.dc, s.m, s.n, s.k, 0);
        const GemmLaunch few = prepare_gemm(p.da, p.db, p.dc, s.m, s.n, s.k, 3);  // several tiles per block
        small_ok &= report_check("data-parallel", p, run_and_check(p, [&] { launch_gemm(dp); }, {}));
        small_ok &= report_check("persistent, <=3 blocks", p, run_and_check(p, [&] { launch_gemm(few); }, {}));
    }
    all_ok &= small_ok;
    if (!small_ok) diagnose();

    // ---- 2. Large sizes: sampled check, then timing against cuBLASLt --------------------------
    cublasLtHandle_t lt;
    CK(cublasLtCreate(&lt));
    const size_t flush_bytes = size_t(256) << 20;
    void* flush;
    CK(cudaMalloc(&flush, flush_bytes));
    std::vector<Row> rows;
    const Size large[] = {{4096, 4096, 4096}, {2176, 2048, 4096}, {8192, 8192, 8192}};
    std::printf("\ncorrectness, large sizes (4096 random outputs + tile corners, float64 dot products):\n");
    for (const Size& s : large) {
        Problem p(s.m, s.n, s.k, 1000 + s.m);
        const auto pos = sample_positions(s.m, s.n, 4096, 99 + s.n);
        const GemmLaunch dp = prepare_gemm(p.da, p.db, p.dc, s.m, s.n, s.k, 0);
        const GemmLaunch pers = prepare_gemm(p.da, p.db, p.dc, s.m, s.n, s.k, sms);
        LtGemm ref(lt, p.da, p.db, p.dc, s.m, s.n, s.k);
        std::vector<__nv_bfloat16> first, again;
        bool ok = report_check("data-parallel", p, run_and_check(p, [&] { launch_gemm(dp); }, pos, &first));
        ok &= report_check("persistent", p, run_and_check(p, [&] { launch_gemm(pers); }, pos, &again));
        const bool same = same_bits(first, again);
        if (!same) std::printf("  FAIL  data-parallel and persistent results differ bitwise\n");
        ok &= same;
        report_check("cuBLASLt (for reference)", p, run_and_check(p, [&] { ref.run(); }, pos));
        all_ok &= ok;
        if (quick || g_any_hang) continue;
        // A wrong kernel is still timed (its speed is still informative) and marked so below.

        const double flop = 2.0 * s.m * s.n * s.k;
        const double t_lt = time_ms([&] { ref.run(); }, flush, flush_bytes);
        const double t_dp = time_ms([&] { launch_gemm(dp); }, flush, flush_bytes);
        const double t_pers = time_ms([&] { launch_gemm(pers); }, flush, flush_bytes);
        // The timed launches must still produce the checked result (a race would show here).
        bool guard_ok;
        const bool stable = same_bits(p.read_c(&guard_ok), again) && guard_ok && !kernel_hung();
        if (!stable) std::printf("  FAIL  %dx%dx%d: the result after timing differs from the checked one\n", s.m, s.n, s.k);
        all_ok &= stable;
        char size[64];
        std::snprintf(size, sizeof size, "%dx%dx%d", s.m, s.n, s.k);
        rows.push_back({size, "cuBLASLt", t_lt, flop / t_lt * 1e-9, 1.0, true});
        rows.push_back({size, "wgmma data-parallel", t_dp, flop / t_dp * 1e-9, t_lt / t_dp, ok && stable});
        rows.push_back({size, "wgmma persistent", t_pers, flop / t_pers * 1e-9, t_lt / t_pers, ok && stable});
    }

    if (!rows.empty()) {
        std::printf("\ntimings on %s: median of 25 runs, L2 flushed before each (ratio = cuBLASLt time / ours)\n",
                    prop.name);
        std::printf("%-16s %-22s %9s %9s %11s  %s\n", "m x n x k", "kernel", "ms", "TFLOP/s", "x cuBLASLt", "result");
        for (const Row& r : rows)
            std::printf("%-16s %-22s %9.4f %9.1f %11.3f  %s\n", r.size.c_str(), r.kernel.c_str(), r.ms, r.tflops,
                        r.ratio, r.correct ? "correct" : "WRONG");
    }
    cudaFree(flush);
    cublasLtDestroy(lt);
    std::printf("\n%s\n", all_ok ? "ALL CORRECT" : "SOME CHECKS FAILED");
    return all_ok ? 0 : 1;
}
