// Checking CUDA runtime calls: every failure carries the call's text, file and line.
#pragma once

#include <cuda_runtime_api.h>
#include <fmt/format.h>

#include "util/result.h"

namespace kc::gpu {

struct CudaFailure {
    cudaError_t code = cudaSuccess;
    std::string call;   // "cudaMalloc(&p, bytes)"
    std::string where;  // "buffer.cpp:42"
};

inline Error to_error(const CudaFailure& f) {
    return make_error(fmt::format("{} failed: {} ({})", f.call, cudaGetErrorString(f.code),
                                  cudaGetErrorName(f.code)),
                      f.where);
}

// An error that leaves the CUDA context unusable: the process must end after reporting it.
bool is_sticky(cudaError_t e);

}  // namespace kc::gpu

// Evaluates a CUDA runtime call; on failure returns kc::Error from the enclosing function.
#define KC_CUDA(call)                                                                        \
    do {                                                                                     \
        cudaError_t kc_err_ = (call);                                                        \
        if (kc_err_ != cudaSuccess)                                                          \
            return ::kc::gpu::to_error(::kc::gpu::CudaFailure{kc_err_, #call,                \
                                                              fmt::format("{}:{}", __FILE__, __LINE__)}); \
    } while (0)
