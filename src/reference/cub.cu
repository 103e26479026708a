// The program's one CUDA-language file: CUB's device-wide algorithms are templates that nvcc
// instantiates here (CMakeLists.txt builds this file alone with the CUDA language, for sm_80,
// sm_90 and sm_100, with compute_100 PTX for newer GPUs). Host code only: no kernel of ours.
#include "reference/cub.h"

#include <cub/device/device_reduce.cuh>
#include <cub/device/device_scan.cuh>

#include <string>
#include <utility>

namespace kc::reference {
namespace {

Error cuda_error(const char* call, cudaError_t e) {
    return make_error(std::string("CUB ") + call + " failed: " + cudaGetErrorString(e) + " (" + cudaGetErrorName(e) +
                      ")");
}

// One CUB call: with temp == nullptr it only writes the temporary storage it needs to `bytes`.
// 32-bit offsets (validate_scan keeps n below 2^31): CUB's fast path.
template <typename T>
cudaError_t call_cub(ScanKind k, void* temp, size_t& bytes, const T* in, T* out, int n, cudaStream_t stream) {
    switch (k) {
        case ScanKind::kSum: return cub::DeviceReduce::Sum(temp, bytes, in, out, n, stream);
        case ScanKind::kInclusiveSum: return cub::DeviceScan::InclusiveSum(temp, bytes, in, out, n, stream);
        case ScanKind::kExclusiveSum: return cub::DeviceScan::ExclusiveSum(temp, bytes, in, out, n, stream);
    }
    return cudaErrorInvalidValue;
}

cudaError_t call_typed(ScanKind k, DType t, void* temp, size_t& bytes, const void* in, void* out, int n,
                       cudaStream_t stream) {
    if (t == DType::kFp32)
        return call_cub(k, temp, bytes, static_cast<const float*>(in), static_cast<float*>(out), n, stream);
    return call_cub(k, temp, bytes, static_cast<const int32_t*>(in), static_cast<int32_t*>(out), n, stream);
}

}  // namespace

Result<Cub> Cub::create(cudaStream_t stream) { return Cub(stream); }

Cub::Cub(Cub&& o) noexcept
    : stream_(o.stream_), temp_(std::exchange(o.temp_, nullptr)), temp_bytes_(std::exchange(o.temp_bytes_, 0)),
      detail_(std::move(o.detail_)) {}

Cub& Cub::operator=(Cub&& o) noexcept {
    if (this != &o) {
        release();
        stream_ = o.stream_;
        temp_ = std::exchange(o.temp_, nullptr);
        temp_bytes_ = std::exchange(o.temp_bytes_, 0);
        detail_ = std::move(o.detail_);
    }
    return *this;
}

Cub::~Cub() { release(); }

void Cub::release() {
    if (temp_) (void)cudaFree(temp_);
    temp_ = nullptr;
    temp_bytes_ = 0;
}

Status Cub::run(ScanKind k, DType t, const void* in, void* out, int64_t n) {
    if (Status v = validate_scan(k, t, n); !v) return v;
    const int items = static_cast<int>(n);
    size_t need = 0;
    if (cudaError_t e = call_typed(k, t, nullptr, need, in, out, items, stream_); e != cudaSuccess)
        return cuda_error("temporary storage query", e);
    if (const size_t want = temp_capacity(temp_bytes_, need); want != temp_bytes_) {
        // Work queued on the stream may still use the old storage: let it finish first.
        if (cudaError_t e = cudaStreamSynchronize(stream_); e != cudaSuccess) return cuda_error("cudaStreamSynchronize", e);
        release();
        if (cudaError_t e = cudaMalloc(&temp_, want); e != cudaSuccess) {
            temp_ = nullptr;
            return cuda_error("cudaMalloc of the temporary storage", e);
        }
        temp_bytes_ = want;
    }
    size_t bytes = temp_bytes_;
    if (cudaError_t e = call_typed(k, t, temp_, bytes, in, out, items, stream_); e != cudaSuccess)
        return cuda_error(scan_kind_name(k), e);
    if (cudaError_t e = cudaGetLastError(); e != cudaSuccess) return cuda_error(scan_kind_name(k), e);
    detail_ = describe_scan(k, t, n, temp_bytes_);
    return Ok{};
}

Status Cub::sum(const float* in, float* out, int64_t n) { return run(ScanKind::kSum, DType::kFp32, in, out, n); }
Status Cub::sum(const int32_t* in, int32_t* out, int64_t n) { return run(ScanKind::kSum, DType::kInt32, in, out, n); }
Status Cub::inclusive_sum(const float* in, float* out, int64_t n) {
    return run(ScanKind::kInclusiveSum, DType::kFp32, in, out, n);
}
Status Cub::inclusive_sum(const int32_t* in, int32_t* out, int64_t n) {
    return run(ScanKind::kInclusiveSum, DType::kInt32, in, out, n);
}
Status Cub::exclusive_sum(const float* in, float* out, int64_t n) {
    return run(ScanKind::kExclusiveSum, DType::kFp32, in, out, n);
}
Status Cub::exclusive_sum(const int32_t* in, int32_t* out, int64_t n) {
    return run(ScanKind::kExclusiveSum, DType::kInt32, in, out, n);
}

}  // namespace kc::reference
