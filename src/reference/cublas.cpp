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
    // geam is a matrix kernel: as an n x 1 matrix it runs 10x slower than a copy on an H100
    // (measured: 3.0 ms vs 0.27 ms at n = 2^26). View the vector as the widest rows x cols
    // matrix with rows <= 1024 that tiles n exactly (contiguous, column-major, lda = rows).
    int rows = 1;
    for (int d = 1024; d > 1; --d)
        if (n % d == 0) {
            rows = d;
            break;
        }
    const float one = 1.0f;
    cublasStatus_t s = cublasSgeam(h_, CUBLAS_OP_N, CUBLAS_OP_N, rows, n / rows, &one, a, rows, &one,
                                   b, rows, out, rows);
    if (s != CUBLAS_STATUS_SUCCESS) return cudaErrorInvalidValue;  // not sticky: our error, not a crash
    return cudaGetLastError();
}

cudaError_t Cublas::transpose(const float* in, float* out, int rows, int cols) const {
    // Column-major, a row-major rows x cols `in` is a cols x rows matrix with leading dimension
    // cols, and the row-major cols x rows `out` a rows x cols one with leading dimension rows:
    // out = op_T(in), with beta = 0 (b is not read; cuBLAS wants a valid leading dimension).
    const float one = 1.0f, zero = 0.0f;
    cublasStatus_t s = cublasSgeam(h_, CUBLAS_OP_T, CUBLAS_OP_N, rows, cols, &one, in, cols, &zero, out, rows,
                                   out, rows);
    if (s != CUBLAS_STATUS_SUCCESS) return cudaErrorInvalidValue;
    return cudaGetLastError();
}

cudaError_t Cublas::matmul(const float* a, const float* b, float* c, int m, int n, int k) const {
    // cuBLAS is column-major: a row-major m x n C is a column-major n x m C^T = B^T A^T, and a
    // row-major B (k x n) read as column-major is B^T with leading dimension n.
    const float one = 1.0f, zero = 0.0f;
    cublasStatus_t s = cublasSgemm(h_, CUBLAS_OP_N, CUBLAS_OP_N, n, m, k, &one, b, n, a, k, &zero, c, n);
    if (s != CUBLAS_STATUS_SUCCESS) return cudaErrorInvalidValue;
    return cudaGetLastError();
}

cudaError_t Cublas::square_gemm(Precision p, const void* a, const void* b, void* c, int n) const {
    const float one = 1.0f, zero = 0.0f;
    cudaDataType_t type = CUDA_R_32F;
    cublasComputeType_t compute = CUBLAS_COMPUTE_32F;  // with default math: no TF32
    if (p == Precision::kTf32) compute = CUBLAS_COMPUTE_32F_FAST_TF32;
    if (p == Precision::kFp16) type = CUDA_R_16F;
    if (p == Precision::kBf16) type = CUDA_R_16BF;
    cublasStatus_t s = cublasGemmEx(h_, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &one, a, type, n, b, type, n, &zero, c,
                                    type, n, compute, CUBLAS_GEMM_DEFAULT);
    if (s != CUBLAS_STATUS_SUCCESS) return cudaErrorInvalidValue;
    return cudaGetLastError();
}

}  // namespace kc::reference
