// CUB, created once per worker: the vendor for device-wide sums and prefix sums (fp32, int32).
// The calls are compiled by nvcc in cub.cu, the program's one CUDA-language file; this header is
// plain C++. Every call runs on the stream given to create() and is asynchronous, except when
// the temporary storage has to grow (a cudaMalloc, on the first call of a larger size).
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <string>

#include "reference/host/cub_plan.h"
#include "util/result.h"

namespace kc::reference {

class Cub {
public:
    static Result<Cub> create(cudaStream_t stream);
    Cub(Cub&& o) noexcept;
    Cub& operator=(Cub&& o) noexcept;
    Cub(const Cub&) = delete;
    Cub& operator=(const Cub&) = delete;
    ~Cub();  // frees the temporary storage

    // out[0] = in[0] + ... + in[n-1] (0 when n = 0): cub::DeviceReduce::Sum, fp32 summed in fp32.
    Status sum(const float* in, float* out, int64_t n);
    Status sum(const int32_t* in, int32_t* out, int64_t n);
    // out[i] = in[0] + ... + in[i]: cub::DeviceScan::InclusiveSum.
    Status inclusive_sum(const float* in, float* out, int64_t n);
    Status inclusive_sum(const int32_t* in, int32_t* out, int64_t n);
    // out[0] = 0, out[i] = in[0] + ... + in[i-1]: cub::DeviceScan::ExclusiveSum.
    Status exclusive_sum(const float* in, float* out, int64_t n);
    Status exclusive_sum(const int32_t* in, int32_t* out, int64_t n);

    // The last call: "CUB DeviceScan::InclusiveSum, fp32, 1000000 items, temp storage 4.0 KiB";
    // "" before any.
    const std::string& detail() const { return detail_; }
    size_t temp_bytes() const { return temp_bytes_; }

private:
    explicit Cub(cudaStream_t stream) : stream_(stream) {}
    Status run(ScanKind k, DType t, const void* in, void* out, int64_t n);
    void release();

    cudaStream_t stream_ = nullptr;
    void* temp_ = nullptr;
    size_t temp_bytes_ = 0;
    std::string detail_;
};

}  // namespace kc::reference
