// Probe (not part of the product): what compute-sanitizer prints when the access it reports
// is inside a function that is not extern "C" (parameter lists, templates, namespaces,
// lambdas), and for a float4 access that straddles the end of an exact-size allocation. The
// grader's parser is tested against this output (tests/fixtures/sanitizer-helpers-*.txt).
// Run: tools/probes/sanitizer_helpers.sh
#include <cstdio>
#include <cstdlib>
#include <cuda_runtime.h>

// 1. A block reduction in a helper that is not inlined, missing the barrier between rounds.
__device__ __noinline__ float block_sum(float* s, float v) {
    s[threadIdx.x] = v;
    __syncthreads();
    for (int stride = blockDim.x / 2; stride > 0; stride /= 2) {
        if (threadIdx.x < stride) s[threadIdx.x] += s[threadIdx.x + stride];
        // missing __syncthreads()
    }
    return s[0];
}
extern "C" __global__ void race_in_helper(const float* x, float* y) {
    __shared__ float s[256];
    y[blockIdx.x] = block_sum(s, x[blockIdx.x * blockDim.x + threadIdx.x]);
}

// 2. The same in a template.
template <typename T, int N>
__device__ __noinline__ T block_reduce(T* s, T v) {
    s[threadIdx.x] = v;
    __syncthreads();
    for (int stride = N / 2; stride > 0; stride /= 2) {
        if (threadIdx.x < stride) s[threadIdx.x] += s[threadIdx.x + stride];
    }
    return s[0];
}
extern "C" __global__ void race_in_template(const float* x, float* y) {
    __shared__ float s[256];
    y[blockIdx.x] = block_reduce<float, 256>(s, x[blockIdx.x * blockDim.x + threadIdx.x]);
}

// 3. An out-of-bounds write in a helper of an anonymous namespace.
namespace {
__device__ __noinline__ void store(float* out, int i, float v) { out[i] = v; }
}  // namespace
extern "C" __global__ void oob_in_anonymous(float* out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    store(out, i, 1.0f);  // no bounds check
}

// 4. An out-of-bounds write in a lambda.
extern "C" __global__ void oob_in_lambda(float* out, int n) {
    auto put = [out](int i, float v) { out[i] = v; };
    put(blockIdx.x * blockDim.x + threadIdx.x, 2.0f);
}

// 5. A kernel that is not extern "C" (as in llm.c), racing in its own body.
__global__ void softmax_forward_kernel4(float* out, const float* inp, int N, int C) {
    __shared__ float s[256];
    s[threadIdx.x] = inp[threadIdx.x];
    float other = s[(threadIdx.x + 1) % blockDim.x];  // read before the barrier
    __syncthreads();
    out[threadIdx.x] = other;
}

// 6. A race in a helper that is inlined (the usual case).
__device__ inline float inlined_sum(float* s, float v) {
    s[threadIdx.x] = v;
    float r = s[(threadIdx.x + 32) % blockDim.x];  // no barrier
    return r;
}
extern "C" __global__ void race_inlined(const float* x, float* y) {
    __shared__ float s[256];
    y[threadIdx.x] = inlined_sum(s, x[threadIdx.x]);
}

// 7. A float4 read-modify-write of the last, partial group of a 1-float allocation.
extern "C" __global__ void float4_tail_rmw(float* out, int n) {
    float4 o = reinterpret_cast<float4*>(out)[0];
    o.x = 3.0f;
    reinterpret_cast<float4*>(out)[0] = o;
}

int main(int argc, char** argv) {
    const int which = argc > 1 ? std::atoi(argv[1]) : 1;
    float *x, *y, *one;
    cudaMalloc(&x, 256 * sizeof(float));
    cudaMalloc(&y, 256 * sizeof(float));
    cudaMalloc(&one, sizeof(float));
    cudaMemset(x, 0, 256 * sizeof(float));
    printf("buffers x=%p y=%p one=%p\n", (void*)x, (void*)y, (void*)one);
    switch (which) {
        case 1: race_in_helper<<<1, 256>>>(x, y); break;
        case 2: race_in_template<<<1, 256>>>(x, y); break;
        case 3: oob_in_anonymous<<<1, 64>>>(one, 1); break;
        case 4: oob_in_lambda<<<1, 64>>>(one, 1); break;
        case 5: softmax_forward_kernel4<<<1, 256>>>(y, x, 1, 256); break;
        case 6: race_inlined<<<1, 256>>>(x, y); break;
        case 7: float4_tail_rmw<<<1, 1>>>(one, 1); break;
    }
    cudaError_t e = cudaDeviceSynchronize();
    printf("probe %d: %s\n", which, cudaGetErrorString(e));
    return 0;
}
