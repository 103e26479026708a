#include "gpu/device.h"

#include "grade/floor.h"

#include "gpu/check.h"

namespace kc::gpu {

bool is_sticky(cudaError_t e) {
    switch (e) {
        case cudaErrorIllegalAddress:
        case cudaErrorMisalignedAddress:
        case cudaErrorLaunchFailure:
        case cudaErrorIllegalInstruction:
        case cudaErrorInvalidAddressSpace:
        case cudaErrorInvalidPc:
        case cudaErrorHardwareStackError:
        case cudaErrorAssert:
        case cudaErrorLaunchTimeout:
        case cudaErrorECCUncorrectable:
        case cudaErrorUnknown:
            return true;
        default:
            return false;
    }
}

Result<DeviceInfo> open_device() {
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e == cudaErrorInsufficientDriver || e == cudaErrorNoDevice || e == cudaErrorInitializationError ||
        e == cudaErrorSystemDriverMismatch || e == cudaErrorCompatNotSupportedOnDevice) {
        int driver = 0;
        cudaDriverGetVersion(&driver);
        if (driver == 0) return make_error("no CUDA driver is installed on this machine");
        if (e == cudaErrorInsufficientDriver)
            return make_error(fmt::format("the CUDA driver ({}.{}) is older than this program needs",
                                          driver / 1000, (driver % 1000) / 10));
        return make_error(fmt::format("no CUDA GPU is visible ({})", cudaGetErrorString(e)));
    }
    if (e != cudaSuccess) return make_error(fmt::format("cannot query GPUs: {}", cudaGetErrorString(e)));
    if (count == 0) return make_error("no CUDA GPU is visible");

    DeviceInfo d;
    KC_CUDA(cudaSetDevice(0));
    cudaDeviceProp p{};
    KC_CUDA(cudaGetDeviceProperties(&p, 0));
    d.name = p.name;
    d.sm = p.major * 10 + p.minor;
    d.sm_count = p.multiProcessorCount;
    d.l2_bytes = static_cast<size_t>(p.l2CacheSize);
    d.memory_bytes = p.totalGlobalMem;
    d.max_shared_per_block = p.sharedMemPerBlockOptin;
    d.bus_width_bits = p.memoryBusWidth;
    d.uuid = format_uuid(reinterpret_cast<const unsigned char*>(p.uuid.bytes));
    d.max_threads_per_sm = p.maxThreadsPerMultiProcessor;
    d.max_blocks_per_sm = p.maxBlocksPerMultiProcessor;
    d.regs_per_sm = p.regsPerMultiprocessor;
    d.shared_per_sm = p.sharedMemPerMultiprocessor;
    d.reserved_shared_per_block = p.reservedSharedMemPerBlock;
    KC_CUDA(cudaDeviceGetAttribute(&d.clock_khz, cudaDevAttrClockRate, 0));
    KC_CUDA(cudaDeviceGetAttribute(&d.memory_clock_khz, cudaDevAttrMemoryClockRate, 0));
    d.peak_gbps = 2.0 * d.memory_clock_khz * 1e3 * (d.bus_width_bits / 8.0) / 1e9;
    d.peak_fp32_tflops = d.sm_count * fp32_lanes_per_sm(d.sm) * 2.0 * d.clock_khz * 1e3 / 1e12;
    d.peak_bf16_tflops = d.sm_count * static_cast<double>(grade::bf16_tensor_flops_per_clock(d.sm)) * d.clock_khz * 1e3 / 1e12;
    KC_CUDA(cudaDriverGetVersion(&d.driver_version));
    KC_CUDA(cudaRuntimeGetVersion(&d.runtime_version));
    KC_CUDA(cudaFree(nullptr));  // create the context now, so its cost is not in the first case
    return d;
}

std::string format_uuid(const unsigned char b[16]) {
    std::string s = "GPU-";
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
        s += fmt::format("{:02x}", b[i]);
    }
    return s;
}

int fp32_lanes_per_sm(int sm) {
    // Volta, Turing and A100 have 64 fp32 lanes per SM; GA10x, Ada, Hopper and Blackwell 128.
    if (sm < 80) return 64;
    if (sm == 80) return 64;
    return 128;
}

}  // namespace kc::gpu
