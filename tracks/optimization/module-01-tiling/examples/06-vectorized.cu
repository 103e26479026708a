// Worked example, step 6 of 7: vectorized. The same 128 x 128 tile and 8 x 8 outputs per
// thread as step 5, but every access to shared memory moves 4 floats (LDS.128), the global
// loads do too where the rows are 16-byte aligned, and A's tile is stored transposed.
// Run: kernelcoach bench optimization/01 --examples
//
// What changed from 05-blocktile-2d.cu:
//   - A's tile is stored TRANSPOSED, As[kk][row] (8 x 132 floats), so the 4 consecutive rows a
//     thread needs at step kk are 4 consecutive floats: one float4 read. B's tile, Bs[kk][col],
//     already has a thread's 4 consecutive columns side by side.
//   - The thread's 8 x 8 outputs are 2 x 2 groups of 4 x 4: rows 4 ty + {0..3} and
//     64 + 4 ty + {0..3}, columns 4 tx + {0..3} and 64 + 4 tx + {0..3}. Per step kk: 2 float4
//     reads of As and 2 of Bs (4 LDS.128) instead of 16 LDS.32.
//   - Global loads are float4 (LDG.128): one instruction per 4 floats. Only where that is
//     legal: a float4 access needs a 16-byte aligned address. Row i of A starts at a + i * k,
//     so A is read as float4 only when k % 4 == 0; B (and C, for float4 stores) only when
//     n % 4 == 0. Otherwise the same code loads the 4 floats one at a time. (kernelcoach's
//     buffers start on a 256-byte boundary.)
//   - As's rows are padded to 128 + 4 floats. The transposing store writes a float4 of A down a
//     column of As: lanes 0-15 store 16 consecutive rows of one column, lanes 16-31 the same
//     rows of the column 4 further, 4 x 132 floats on: 16 banks further, so the 32 stores hit
//     32 banks. With 128-float rows, 4 x 128 is a multiple of 32: every store a 2-way conflict.
//
// Why it is faster. The issue slots: per step kk a thread issues 64 FFMA + 4 LDS = 68
// instructions, 94% of them FMAs (05: 64 + 16 = 80, 80%). Shared memory per warp and step:
// 4 reads, 6 wavefronts (passes through the 32 banks) for 64 FMAs. Expected: above the module's
// 0.60x gate, about 0.65-0.7x cuBLAS. The next step arranges each warp's threads into a compact
// 64 x 32 piece of the tile (a warp tile), which cuts the shared-memory bytes each warp reads.
#include "kernelcoach.h"

constexpr int BM = 128, BN = 128, BK = 8;  // the block's tile of C, and the k-tile depth
constexpr int THREADS = 256;               // 16 x 16 threads, 8 x 8 outputs each
constexpr int PAD = 4;                     // As rows: BM + 4 floats

static_assert((BM / 8) * (BN / 8) == THREADS, "8 x 8 outputs per thread");
static_assert(BM * BK / 4 == THREADS && BK * BN / 4 == THREADS,
              "one float4 of each tile per thread");

extern "C" __global__ void __launch_bounds__(THREADS, 2)
matmul(const float* __restrict__ a, const float* __restrict__ b, float* __restrict__ c,
       int m, int n, int k)
{
    __shared__ __align__(16) float As[BK][BM + PAD];  // (8, 132): the A tile, transposed
    __shared__ __align__(16) float Bs[BK][BN];        // (8, 128): the B tile

    const int tid = threadIdx.x;
    const int tx = tid % 16, ty = tid / 16;  // the thread's place in a 16 x 16 grid
    const int block_row = blockIdx.y * BM;
    const int block_col = blockIdx.x * BN;

    // The float4 each thread loads. A: rows (tid / 32) * 16 + tid % 16, chunk (tid / 16) % 2
    // (columns 0-3 or 4-7 of the k-tile): a warp takes 16 rows x both chunks, 32 bytes of each
    // row, coalesced by sector. B: row tid / 32, columns 4 (tid % 32) .. + 3: a warp takes 512
    // consecutive bytes of one row.
    const int a_r = (tid / 32) * 16 + tid % 16, a_c = 4 * ((tid / 16) % 2);
    const int b_r = tid / 32, b_c = 4 * (tid % 32);
    const bool a_vec = k % 4 == 0;  // rows of A are 16-byte aligned (the same for every thread)
    const bool b_vec = n % 4 == 0;  // rows of B and C are

    float acc[8][8] = {};
    for (int k0 = 0; k0 < k; k0 += BK) {
        // Global -> registers, zeros outside the matrices.
        float4 av = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
        const int ar = block_row + a_r, ac = k0 + a_c;
        if (ar < m) {
            const float* src = a + ar * k + ac;
            if (a_vec) {
                if (ac < k) av = *reinterpret_cast<const float4*>(src);  // all 4 in, or none
            } else {
                if (ac + 0 < k) av.x = src[0];
                if (ac + 1 < k) av.y = src[1];
                if (ac + 2 < k) av.z = src[2];
                if (ac + 3 < k) av.w = src[3];
            }
        }
        float4 bv = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
        const int br = k0 + b_r, bc = block_col + b_c;
        if (br < k) {
            const float* src = b + br * n + bc;
            if (b_vec) {
                if (bc < n) bv = *reinterpret_cast<const float4*>(src);
            } else {
                if (bc + 0 < n) bv.x = src[0];
                if (bc + 1 < n) bv.y = src[1];
                if (bc + 2 < n) bv.z = src[2];
                if (bc + 3 < n) bv.w = src[3];
            }
        }
        // Registers -> shared memory: A transposed (4 stores down a column), B as one float4.
        As[a_c + 0][a_r] = av.x;
        As[a_c + 1][a_r] = av.y;
        As[a_c + 2][a_r] = av.z;
        As[a_c + 3][a_r] = av.w;
        *reinterpret_cast<float4*>(&Bs[b_r][b_c]) = bv;
        // Barrier 1: the tiles are complete before anyone reads them.
        __syncthreads();

#pragma unroll
        for (int kk = 0; kk < BK; ++kk) {
            const float4 a0 = *reinterpret_cast<const float4*>(&As[kk][4 * ty]);
            const float4 a1 = *reinterpret_cast<const float4*>(&As[kk][64 + 4 * ty]);
            const float4 b0 = *reinterpret_cast<const float4*>(&Bs[kk][4 * tx]);
            const float4 b1 = *reinterpret_cast<const float4*>(&Bs[kk][64 + 4 * tx]);
            const float af[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
            const float bf[8] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
#pragma unroll
            for (int i = 0; i < 8; ++i)
#pragma unroll
                for (int j = 0; j < 8; ++j)
                    acc[i][j] += af[i] * bf[j];
        }
        // Barrier 2: everyone has finished reading before the next tiles are stored.
        __syncthreads();
    }

    // Row i of the thread's 8 is 4 ty + i (i < 4) or 64 + 4 ty + i - 4; columns likewise.
#pragma unroll
    for (int i = 0; i < 8; ++i) {
        const int row = block_row + (i / 4) * 64 + 4 * ty + i % 4;
        if (row >= m) continue;
#pragma unroll
        for (int h = 0; h < 2; ++h) {
            const int col = block_col + h * 64 + 4 * tx;
            float* dst = c + row * n + col;
            if (b_vec) {
                if (col < n)  // n % 4 == 0: the 4 columns are all inside C, or all outside
                    *reinterpret_cast<float4*>(dst) = make_float4(
                        acc[i][4 * h + 0], acc[i][4 * h + 1], acc[i][4 * h + 2], acc[i][4 * h + 3]);
            } else {
#pragma unroll
                for (int j = 0; j < 4; ++j)
                    if (col + j < n) dst[j] = acc[i][4 * h + j];
            }
        }
    }
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.n + BN - 1) / BN), unsigned((p.m + BM - 1) / BM)},
                  .block = {unsigned(THREADS)}};
}
