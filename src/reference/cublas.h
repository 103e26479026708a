// cuBLAS, created once per worker.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include "util/result.h"

namespace kc::reference {

class Cublas {
public:
    static Result<Cublas> create(cudaStream_t stream);
    Cublas(Cublas&& o) noexcept;
    Cublas(const Cublas&) = delete;
    ~Cublas();

    cublasHandle_t handle() const { return h_; }

    // out = a + b over n floats, as one cuBLAS kernel: geam on the vector viewed as the widest
    // matrix of at most 1024 rows that tiles n (as an n x 1 matrix it runs 10x slower).
    cudaError_t vector_add(const float* a, const float* b, float* out, int n) const;
    // Row-major c = a * b: a is m x k, b is k x n, c is m x n; fp32 SGEMM, no TF32.
    cudaError_t matmul(const float* a, const float* b, float* c, int m, int n, int k) const;
    // Row-major out = in^T: in is rows x cols, out is cols x rows (geam with the transpose op).
    cudaError_t transpose(const float* in, float* out, int rows, int cols) const;

    // The GEMM rates that set a device's speed of light: fp32 with TF32 off, fp32 inputs on
    // TF32 tensor cores, and fp16 / bf16 inputs and output with fp32 accumulation.
    enum class Precision { kFp32, kTf32, kFp16, kBf16 };
    // c = a * b for n x n matrices of the precision's element type (float, float, half, bf16).
    cudaError_t square_gemm(Precision p, const void* a, const void* b, void* c, int n) const;

private:
    Cublas() = default;
    cublasHandle_t h_ = nullptr;
};

const char* status_name(cublasStatus_t s);

}  // namespace kc::reference
