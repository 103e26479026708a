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

    // out = a + b over n floats, as one cuBLAS kernel (geam on an n x 1 matrix).
    cudaError_t vector_add(const float* a, const float* b, float* out, int n) const;
    // Row-major c = a * b: a is m x k, b is k x n, c is m x n; fp32 SGEMM, no TF32.
    cudaError_t matmul(const float* a, const float* b, float* c, int m, int n, int k) const;

private:
    Cublas() = default;
    cublasHandle_t h_ = nullptr;
};

const char* status_name(cublasStatus_t s);

}  // namespace kc::reference
