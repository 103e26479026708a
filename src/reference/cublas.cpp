#include "reference/cublas.h"

#include <fmt/format.h>

#include <utility>

namespace kc::reference {

const char* status_name(cublasStatus_t s) { return cublasGetStatusName(s); }

Result<Cublas> Cublas::create(cudaStream_t stream) {
    Cublas c;
    cublasStatus_t s = cublasCreate(&c.h_);
    if (s != CUBLAS_STATUS_SUCCESS)
        return make_error(fmt::format("cublasCreate failed: {}", cublasGetStatusString(s)));
    // fp32 baselines are fp32: no TF32 (default math is not TF32; say so explicitly).
    if ((s = cublasSetMathMode(c.h_, CUBLAS_DEFAULT_MATH)) != CUBLAS_STATUS_SUCCESS ||
        (s = cublasSetStream(c.h_, stream)) != CUBLAS_STATUS_SUCCESS)
        return make_error(fmt::format("cuBLAS set-up failed: {}", cublasGetStatusString(s)));
    return c;
}

Cublas::Cublas(Cublas&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}

Cublas::~Cublas() {
    if (h_) cublasDestroy(h_);
}

cudaError_t Cublas::vector_add(const float* a, const float* b, float* out, int n) const {
    const float one = 1.0f;
    cublasStatus_t s = cublasSgeam(h_, CUBLAS_OP_N, CUBLAS_OP_N, n, 1, &one, a, n, &one, b, n, out, n);
    if (s != CUBLAS_STATUS_SUCCESS) return cudaErrorInvalidValue;  // not sticky: our error, not a crash
    return cudaGetLastError();
}

}  // namespace kc::reference
