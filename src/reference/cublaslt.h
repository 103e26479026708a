// cuBLASLt, created once per worker: the vendor for bf16 GEMMs with fp32 accumulation and their
// fused epilogues (bias, GELU), and an fp32 SGEMM with TF32 off to compare with cuBLAS's.
//
// Row-major operands as our kernels see them (host/lt_plan.h maps them onto cuBLASLt's
// column-major ones without copying). The heuristic's algorithm is chosen on the first call for
// a shape, types, epilogue and pointer alignments, and kept: later calls only run it. The
// workspace is the object's own, allocated once. Calls are asynchronous on the stream given to
// create(); the first call of a shape also runs the heuristic on the host.
#pragma once

#include <cuda_runtime_api.h>

#include <memory>
#include <string>

#include "reference/host/lt_plan.h"
#include "util/result.h"

namespace kc::reference {

class CublasLt {
public:
    // A cuBLASLt handle for `stream` and a workspace sized for the current device
    // (lt_workspace_bytes of its compute capability).
    static Result<CublasLt> create(cudaStream_t stream);
    CublasLt(CublasLt&& o) noexcept;
    CublasLt& operator=(CublasLt&& o) noexcept;
    CublasLt(const CublasLt&) = delete;
    CublasLt& operator=(const CublasLt&) = delete;
    ~CublasLt();  // plans and descriptors, the workspace, then the handle

    // d = epilogue(a b): a is m x k and b is k x n in s.in's type, d is m x n in s.out's type,
    // all row-major and contiguous; bias holds n values of s.out's type when s.epilogue has a
    // bias (nullptr otherwise). fp32 accumulation (and fp32 arithmetic for fp32 inputs: never
    // TF32).
    Status gemm(const GemmShape& s, const void* a, const void* b, const void* bias, void* d);

    // Row-major fp32 c = a b (a m x k, b k x n), TF32 off: what Cublas::matmul computes.
    Status sgemm(const float* a, const float* b, float* c, int m, int n, int k);

    // The algorithm of the last call (host/lt_plan.h's describe()); "" before any.
    std::string detail() const;
    size_t workspace_bytes() const;
    size_t plan_count() const;  // the algorithms chosen so far, one per shape and alignment

private:
    struct State;
    explicit CublasLt(std::unique_ptr<State> s);
    std::unique_ptr<State> s_;
};

}  // namespace kc::reference
