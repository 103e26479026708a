#include "compile/utility_kernels.h"

namespace kc::compile {

const char* utility_kernels_source() {
    return R"(
extern "C" __global__ void kc_fill_u32(unsigned* p, unsigned long long words, unsigned value) {
    for (unsigned long long i = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x; i < words;
         i += (unsigned long long)gridDim.x * blockDim.x)
        p[i] = value;
}

// Finite values that look like data (+-[1, 2)), different for every word and every seed: a
// kernel that skips elements which "look written" keeps them, and the comparison sees it.
extern "C" __global__ void kc_fill_garbage(unsigned* p, unsigned long long words, unsigned seed) {
    for (unsigned long long i = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x; i < words;
         i += (unsigned long long)gridDim.x * blockDim.x) {
        unsigned h = (unsigned)i * 2654435761u ^ seed;
        h ^= h >> 16; h *= 0x7feb352du; h ^= h >> 15; h *= 0x846ca68bu; h ^= h >> 16;
        p[i] = (h & 0x807fffffu) | 0x3f800000u;
    }
}

extern "C" __global__ void kc_count_diff(const unsigned* a, const unsigned* b, unsigned long long words,
                                         unsigned long long* count) {
    unsigned long long mine = 0;
    for (unsigned long long i = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x; i < words;
         i += (unsigned long long)gridDim.x * blockDim.x)
        mine += a[i] != b[i];
    for (int o = 16; o > 0; o /= 2) mine += __shfl_down_sync(0xffffffffu, mine, o);
    if ((threadIdx.x & 31) == 0 && mine) atomicAdd(count, mine);
}

extern "C" __global__ void kc_scale(const float* src, float* dst, unsigned long long n, float factor) {
    for (unsigned long long i = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x; i < n;
         i += (unsigned long long)gridDim.x * blockDim.x)
        dst[i] = src[i] * factor;
}

// dst row r = src row (rows - 1 - r), rows of `cols` floats.
extern "C" __global__ void kc_reverse_rows(const float* src, float* dst, unsigned long long rows,
                                           unsigned long long cols) {
    const unsigned long long n = rows * cols;
    for (unsigned long long i = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x; i < n;
         i += (unsigned long long)gridDim.x * blockDim.x) {
        const unsigned long long r = i / cols, c = i % cols;
        dst[i] = src[(rows - 1 - r) * cols + c];
    }
}

// Reads every 16 bytes of p (to evict L2 with clean lines); the sum is kept only so the reads
// cannot be dropped.
extern "C" __global__ void kc_read_all(const uint4* p, unsigned long long n, unsigned* sink) {
    unsigned acc = 0;
    for (unsigned long long i = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x; i < n;
         i += (unsigned long long)gridDim.x * blockDim.x) {
        const uint4 v = p[i];
        acc ^= v.x + v.y + v.z + v.w;
    }
    if (acc == 0x9e3779b9u) *sink = acc;
}

// y = 0.5 y (1 + tanh(sqrt(2/pi) (y + 0.044715 y^3))) in place, tanhf (2 ulp; not __tanhf): the
// GELU pass of the unfused pair layer-norm-gelu is timed against, after cuDNN's layer norm. A
// memory-bound pass, so float4 when y is 16-byte aligned (an offset view misaligns it), else
// one float at a time; the tail and the misaligned case by the scalar loop.
__device__ __forceinline__ float kc_gelu_tanh_of(float v) {
    return 0.5f * v * (1.0f + tanhf(0.7978845608f * (v + 0.044715f * v * v * v)));
}
extern "C" __global__ void kc_gelu_tanh(float* y, unsigned long long n) {
    const unsigned long long first = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x;
    const unsigned long long stride = (unsigned long long)gridDim.x * blockDim.x;
    unsigned long long done = 0;
    if (((unsigned long long)y & 15) == 0) {
        float4* y4 = (float4*)y;
        for (unsigned long long i = first; i < n / 4; i += stride) {
            float4 v = y4[i];
            v.x = kc_gelu_tanh_of(v.x);
            v.y = kc_gelu_tanh_of(v.y);
            v.z = kc_gelu_tanh_of(v.z);
            v.w = kc_gelu_tanh_of(v.w);
            y4[i] = v;
        }
        done = n / 4 * 4;
    }
    for (unsigned long long i = done + first; i < n; i += stride) y[i] = kc_gelu_tanh_of(y[i]);
}

// d[r][j] = bf16(gelu_tanh(d[r][j] + bias[j])) in place over rows x cols bf16 (raw 16-bit words;
// no cuda_bf16.h here): the second kernel of linear-bias-gelu's unfused pair, after cuBLASLt's
// plain GEMM stored A B in d. The sum and the GELU in fp32 (tanhf), rounded to nearest even once.
// Eight values (16 bytes) at a time when cols % 8 == 0 and d and bias are 16-byte aligned, else
// one at a time. A grid-stride loop over elements.
__device__ __forceinline__ float kc_bf16_to_float(unsigned short h) { return __uint_as_float((unsigned)h << 16); }
__device__ __forceinline__ unsigned short kc_float_to_bf16(float f) {
    const unsigned u = __float_as_uint(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return 0x7fc0;  // NaN stays NaN
    return (unsigned short)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}
__device__ __forceinline__ unsigned kc_bias_gelu_pair(unsigned d2, unsigned b2) {
    const float lo = kc_gelu_tanh_of(kc_bf16_to_float(d2 & 0xffffu) + kc_bf16_to_float(b2 & 0xffffu));
    const float hi = kc_gelu_tanh_of(kc_bf16_to_float(d2 >> 16) + kc_bf16_to_float(b2 >> 16));
    return kc_float_to_bf16(lo) | ((unsigned)kc_float_to_bf16(hi) << 16);
}
extern "C" __global__ void kc_bias_gelu_bf16(unsigned short* d, const unsigned short* bias, unsigned long long rows,
                                             unsigned long long cols) {
    const unsigned long long first = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x;
    const unsigned long long stride = (unsigned long long)gridDim.x * blockDim.x;
    const unsigned long long n = rows * cols;
    if (cols % 8 == 0 && ((unsigned long long)d & 15) == 0 && ((unsigned long long)bias & 15) == 0) {
        uint4* d8 = (uint4*)d;
        const uint4* b8 = (const uint4*)bias;
        for (unsigned long long i = first; i < n / 8; i += stride) {
            uint4 v = d8[i];
            const uint4 b = b8[i % (cols / 8)];
            v.x = kc_bias_gelu_pair(v.x, b.x);
            v.y = kc_bias_gelu_pair(v.y, b.y);
            v.z = kc_bias_gelu_pair(v.z, b.z);
            v.w = kc_bias_gelu_pair(v.w, b.w);
            d8[i] = v;
        }
        return;
    }
    for (unsigned long long i = first; i < n; i += stride)
        d[i] = kc_float_to_bf16(kc_gelu_tanh_of(kc_bf16_to_float(d[i]) + kc_bf16_to_float(bias[i % cols])));
}

// 16-bit values base | (hash & mask), with a random sign: finite fp16 or bf16 data for timing.
extern "C" __global__ void kc_fill_pattern16(unsigned short* p, unsigned long long n, unsigned seed,
                                             unsigned base, unsigned mask) {
    for (unsigned long long i = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x; i < n;
         i += (unsigned long long)gridDim.x * blockDim.x) {
        unsigned h = (unsigned)i * 2654435761u ^ seed;
        h ^= h >> 16; h *= 0x7feb352du; h ^= h >> 15; h *= 0x846ca68bu; h ^= h >> 16;
        p[i] = (unsigned short)(base | (h & mask) | (h & 0x8000u));
    }
}
)";
}

}  // namespace kc::compile
