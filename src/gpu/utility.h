// kernelcoach's own device kernels, compiled once with NVRTC (and cached like learner code):
// filling buffers, comparing them, and deriving fresh inputs, all without a trip through the
// host. On a 64M-element case these replace gigabytes of host-device copies.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <filesystem>

#include "gpu/library.h"
#include "util/result.h"

namespace kc::gpu {

class Utility {
public:
    static Result<Utility> load(int sm, const std::filesystem::path& cache_dir);
    Utility(Utility&&) noexcept = default;

    // Every 32-bit word of [p, p + bytes) becomes `value` (bytes a multiple of 4). Waits.
    Status fill_u32(void* p, size_t bytes, uint32_t value, cudaStream_t s) const;
    // Every 32-bit word becomes a finite float in +-[1, 2) that depends on its index and seed. Waits.
    Status fill_garbage(void* p, size_t bytes, uint32_t seed, cudaStream_t s) const;
    // How many 32-bit words of a and b differ (bytes a multiple of 4). Waits.
    Result<uint64_t> count_differences(const void* a, const void* b, size_t bytes, cudaStream_t s) const;
    // dst[i] = src[i] * factor for n floats. Waits.
    Status scale(const float* src, float* dst, size_t n, float factor, cudaStream_t s) const;
    // dst's row r is src's row rows - 1 - r, rows of `cols` floats. Waits.
    Status reverse_rows(const float* src, float* dst, size_t rows, size_t cols, cudaStream_t s) const;
    // Reads all of [p, p + bytes) (bytes a multiple of 16): the timer's L2 flush. Does not wait.
    cudaError_t read_all(const void* p, size_t bytes, cudaStream_t s) const;
    // y[i] = gelu_tanh(y[i]) for n floats, in place, with tanhf: the second kernel of
    // layer-norm-gelu's unfused vendor. Does not wait, so the pair stays one stream's work (and
    // a timing batch can capture it in a CUDA graph).
    Status gelu_tanh(float* y, size_t n, cudaStream_t s) const;
    // d[r][j] = gelu_tanh(d[r][j] + bias[j]) over rows x cols bf16 (raw 16-bit words), in place,
    // in fp32, rounded once: the second kernel of linear-bias-gelu's unfused pair. Does not wait.
    Status bias_gelu_bf16(void* d, const void* bias, size_t rows, size_t cols, cudaStream_t s) const;
    // count 16-bit values base | (random & mask) with a random sign (fp16: base 0x3c00, mask
    // 0x3ff gives +-[1, 2)). Waits.
    Status fill_pattern16(void* p, size_t count, uint32_t seed, uint16_t base, uint16_t mask, cudaStream_t s) const;

private:
    Utility(Library lib, void* counter) : lib_(std::move(lib)), counter_(counter) {}
    Library lib_;
    cudaKernel_t fill_ = nullptr, garbage_ = nullptr, diff_ = nullptr, scale_ = nullptr, reverse_ = nullptr,
                 read_ = nullptr, pattern16_ = nullptr, gelu_ = nullptr, bias_gelu_ = nullptr;
    struct FreeDevice {
        void operator()(void* p) const { cudaFree(p); }
    };
    std::unique_ptr<void, FreeDevice> counter_;  // one unsigned long long on the device
};

}  // namespace kc::gpu
