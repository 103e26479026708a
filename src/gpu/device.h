// The GPU this worker runs on.
#pragma once

#include <cstddef>
#include <string>

#include "util/result.h"

namespace kc::gpu {

struct DeviceInfo {
    std::string name;
    int sm = 0;            // 10 * major + minor
    int sm_count = 0;
    size_t l2_bytes = 0;
    size_t memory_bytes = 0;
    size_t max_shared_per_block = 0;  // with the opt-in attribute
    int driver_version = 0;           // 13000 = 13.0
    int runtime_version = 0;
    int clock_khz = 0;
    int memory_clock_khz = 0;
    int bus_width_bits = 0;
    double peak_gbps = 0;  // DRAM peak: 2 (double data rate) x memory clock x bus width
    double peak_fp32_tflops = 0;  // fp32 FMA peak: SMs x fp32 lanes per SM x 2 flops x clock
    std::string uuid;             // "GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", as nvidia-smi prints it
    // Per SM, for the theoretical occupancy of a launch.
    int max_threads_per_sm = 0, max_blocks_per_sm = 0, regs_per_sm = 0;
    size_t shared_per_sm = 0, reserved_shared_per_block = 0;
};

// "GPU-" and the 16 bytes of a cudaUUID_t in nvidia-smi's grouping (8-4-4-4-12 hex digits).
std::string format_uuid(const unsigned char bytes[16]);

// fp32 lanes per SM for a compute capability (64 on 7.x and 8.0, 128 on 8.6 and newer).
int fp32_lanes_per_sm(int sm);

// Initialises device 0. An Error here means there is no usable GPU or driver; the message
// says which ("no CUDA driver is installed", "no CUDA GPU is visible").
Result<DeviceInfo> open_device();

}  // namespace kc::gpu
