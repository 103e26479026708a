// Probe (not part of the product): what compute-sanitizer prints for each tool, so the
// grader's parser is written against real output. Run: tools/probes/sanitizer_probe.sh
#include <cstdio>
#include <cuda_runtime.h>

#define T 16
extern "C" __global__ void matmul_race(const float* a, const float* b, float* c, int n) {
    __shared__ float as[T][T], bs[T][T];
    int row = blockIdx.y * T + threadIdx.y, col = blockIdx.x * T + threadIdx.x;
    float acc = 0;
    for (int t = 0; t < n; t += T) {
        as[threadIdx.y][threadIdx.x] = a[row * n + t + threadIdx.x];
        bs[threadIdx.y][threadIdx.x] = b[(t + threadIdx.y) * n + col];
        __syncthreads();
        for (int kk = 0; kk < T; ++kk) acc += as[threadIdx.y][kk] * bs[kk][threadIdx.x];
        // missing second barrier
    }
    c[row * n + col] = acc;
}
extern "C" __global__ void oob(float* out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    out[i] = 1.0f;  // no bounds check
}
extern "C" __global__ void uninit(const float* in, float* out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = in[i] * 2;
}
extern "C" __global__ void divergent_barrier(float* out) {
    __shared__ float s[256];
    s[threadIdx.x] = threadIdx.x;
    if (threadIdx.x < 100) __syncthreads();
    out[threadIdx.x] = s[(threadIdx.x + 1) % 256];
}

int main(int argc, char** argv) {
    int which = argc > 1 ? atoi(argv[1]) : 0;
    int n = 64;
    float *a, *b, *c;
    cudaMalloc(&a, n * n * 4); cudaMalloc(&b, n * n * 4); cudaMalloc(&c, n * n * 4);
    cudaMemset(a, 0, n * n * 4); cudaMemset(b, 0, n * n * 4);
    if (which == 0) matmul_race<<<dim3(n / T, n / T), dim3(T, T)>>>(a, b, c, n);
    if (which == 1) oob<<<1, 256>>>(c, 100), cudaMalloc(&a, 4);
    if (which == 2) { float* u; cudaMalloc(&u, 4096); uninit<<<4, 256>>>(u, c, 1000); }
    if (which == 3) divergent_barrier<<<1, 256>>>(c);
    cudaError_t e = cudaDeviceSynchronize();
    printf("probe %d: %s\n", which, cudaGetErrorString(e));
    return 0;
}
