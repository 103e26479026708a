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

private:
    Cublas() = default;
    cublasHandle_t h_ = nullptr;
};

const char* status_name(cublasStatus_t s);

}  // namespace kc::reference
