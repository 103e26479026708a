// debugging/02 control: planted bug 3 alone. The row's offset r * ld is an int product: past
// 2^31 elements (case 'int32-overflow', r >= 2^21 with ld = 1024) it wraps negative and the
// pointer lands 8 GiB before the table. Case 'int32-edge', 1024 elements short of 2^31, passes.
#include "kernelcoach.h"

constexpr unsigned kThreads = 256;                 // 8 warps per block
constexpr unsigned kRowsPerBlock = kThreads / 32;  // one warp per output row at a time
constexpr unsigned kBlocksPerSm = 8;

__device__ float4 scaled(float4 v, float s) {
    return make_float4(v.x * s, v.y * s, v.z * s, v.w * s);
}

// Whether p is on a 16-byte boundary, as a float4 access needs.
__device__ bool aligned16(const void* p) {
    return reinterpret_cast<unsigned long long>(p) % 16 == 0;
}

// One output row: dst[j] = src[j] * scale for j < dim, by the 32 lanes of a warp; float4 when
// `vector`, else one float at a time.
__device__ void copy_row(const float* src, float* dst, int dim, float scale, bool vector, int lane) {
    if (vector) {
        const float4* src4 = reinterpret_cast<const float4*>(src);
        float4* dst4 = reinterpret_cast<float4*>(dst);
        for (int j = lane; j < dim / 4; j += 32) dst4[j] = scaled(src4[j], scale);
    } else {
        for (int j = lane; j < dim; j += 32) dst[j] = src[j] * scale;
    }
}

extern "C" __global__ void gather(const float* __restrict__ table, const int* __restrict__ index,
                                  float* __restrict__ out, int* __restrict__ error, int n, int rows, int dim,
                                  int ld, float scale)
{
    const int first = blockIdx.x * kRowsPerBlock + threadIdx.x / 32;
    const int warps = gridDim.x * kRowsPerBlock;
    const int lane = threadIdx.x % 32;

    const bool vector = dim % 4 == 0 && ld % 4 == 0 && aligned16(table) && aligned16(out);

    for (long long i = first; i < n; i += warps) {
        const int r = index[i];
        float* dst = out + (size_t)i * dim;
        if (r < 0 || r >= rows) {
            for (int j = lane; j < dim; j += 32) dst[j] = 0.0f;
            if (lane == 0) atomicOr(error, 1);
            continue;
        }
        const int offset = r * ld;  // bug 3: an int product
        copy_row(table + offset, dst, dim, scale, vector, lane);
    }
}

// A grid-stride loop: 8 blocks of 256 threads per SM, whatever n is (for n = 0 they find no row).
constexpr Launch launch(Problem) {
    return Launch{.grid = {unsigned(kc::device.sm_count) * kBlocksPerSm}, .block = {kThreads}};
}
