// Worked example, step 7 of 7: warp tiles. The loads, the shared-memory layout and the 8 x 8
// outputs per thread of step 6; what changes is WHICH 8 x 8 each thread owns: each warp now
// computes a compact 64 x 32 piece of the block's tile. The reference solution
// (solution/kernel.cu) is this kernel plus double buffering, with its tile sizes as tunables.
// Run: kernelcoach bench optimization/01 --examples
//
// What changed from 06-vectorized.cu: the block's 128 x 128 tile is split into 2 x 4 warp
// tiles of 64 x 32; warp w takes rows 64 (w / 4) .. + 63 and columns 32 (w % 4) .. + 31. Its
// 32 lanes form an 8 x 4 grid over that piece (ly = lane / 4, lx = lane % 4), and lane
// (ly, lx) owns rows 4 ly + {0..3} and 32 + 4 ly + {0..3} of the warp tile, columns 4 lx +
// {0..3} and 16 + 4 lx + {0..3}.
//
// Why it is faster. A warp reads, per step kk, the A values of all its rows and the B values
// of all its columns. In step 6 a warp was 2 rows of 16 threads: its outputs spanned 16 rows x
// 128 columns of C, so it read 16 + 128 = 144 floats (576 bytes) of shared memory per step.
// A 64 x 32 warp tile has as many outputs (2048) and reads 64 + 32 = 96 floats (384 bytes):
// 1.5x less shared-memory traffic for the same FMAs, the block tile's argument one level down
// (a square-ish tile reads the fewest bytes per output). In wavefronts (passes through the 32
// banks) per warp and step: 4 instead of 6. Expected: a few percent over step 6; the rest of
// the gap to cuBLAS is latency - every k-tile, all warps wait at barrier 1 for the global
// loads - which the solution hides by double buffering.
#include "kernelcoach.h"

constexpr int BM = 128, BN = 128, BK = 8;  // the block's tile of C, and the k-tile depth
constexpr int WM = 64, WN = 32;            // a warp's tile of C
constexpr int WARPS_N = BN / WN;           // 4 warps across the block's tile, 2 down
constexpr int THREADS = (BM / WM) * WARPS_N * 32;  // 256
constexpr int LANES_N = WN / 8;            // 4 lanes across a warp's tile, 8 down
constexpr int PAD = 4;

static_assert(WM * WN == 32 * 64 && (WM / 8) * LANES_N == 32, "8 x 8 outputs for each lane");
static_assert(BM * BK / 4 == THREADS && BK * BN / 4 == THREADS,
              "one float4 of each tile per thread");

extern "C" __global__ void __launch_bounds__(THREADS, 2)
matmul(const float* __restrict__ a, const float* __restrict__ b, float* __restrict__ c,
       int m, int n, int k)
{
    __shared__ __align__(16) float As[BK][BM + PAD];  // (8, 132): the A tile, transposed
    __shared__ __align__(16) float Bs[BK][BN];        // (8, 128): the B tile

    const int tid = threadIdx.x;
    const int warp = tid / 32, lane = tid % 32;
    const int block_row = blockIdx.y * BM;
    const int block_col = blockIdx.x * BN;
    // The thread's 8 rows of the block tile: tm0 + {0..3} and tm0 + 32 + {0..3}; its 8 columns:
    // tn0 + {0..3} and tn0 + 16 + {0..3}.
    const int tm0 = (warp / WARPS_N) * WM + (lane / LANES_N) * 4;
    const int tn0 = (warp % WARPS_N) * WN + (lane % LANES_N) * 4;

    // The global loads are step 6's, unchanged.
    const int a_r = (tid / 32) * 16 + tid % 16, a_c = 4 * ((tid / 16) % 2);
    const int b_r = tid / 32, b_c = 4 * (tid % 32);
    const bool a_vec = k % 4 == 0;
    const bool b_vec = n % 4 == 0;

    float acc[8][8] = {};
    for (int k0 = 0; k0 < k; k0 += BK) {
        float4 av = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
        const int ar = block_row + a_r, ac = k0 + a_c;
        if (ar < m) {
            const float* src = a + ar * k + ac;
            if (a_vec) {
                if (ac < k) av = *reinterpret_cast<const float4*>(src);
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
        As[a_c + 0][a_r] = av.x;
        As[a_c + 1][a_r] = av.y;
        As[a_c + 2][a_r] = av.z;
        As[a_c + 3][a_r] = av.w;
        *reinterpret_cast<float4*>(&Bs[b_r][b_c]) = bv;
        // Barrier 1: the tiles are complete before anyone reads them.
        __syncthreads();

        // Per step kk: 2 float4 of As and 2 of Bs. In a quarter warp (8 lanes, the unit in
        // which LDS.128 is served: ly = 2 values, lx = 4) the lanes read 2 distinct float4s of
        // As and 4 of Bs: no bank conflicts.
#pragma unroll
        for (int kk = 0; kk < BK; ++kk) {
            const float4 a0 = *reinterpret_cast<const float4*>(&As[kk][tm0]);
            const float4 a1 = *reinterpret_cast<const float4*>(&As[kk][tm0 + WM / 2]);
            const float4 b0 = *reinterpret_cast<const float4*>(&Bs[kk][tn0]);
            const float4 b1 = *reinterpret_cast<const float4*>(&Bs[kk][tn0 + WN / 2]);
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

#pragma unroll
    for (int i = 0; i < 8; ++i) {
        const int row = block_row + tm0 + (i / 4) * (WM / 2) + i % 4;
        if (row >= m) continue;
#pragma unroll
        for (int h = 0; h < 2; ++h) {
            const int col = block_col + tn0 + h * (WN / 2);
            float* dst = c + row * n + col;
            if (b_vec) {
                if (col < n)
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
