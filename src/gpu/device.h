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
};

// Initialises device 0. An Error here means there is no usable GPU or driver; the message
// says which ("no CUDA driver is installed", "no CUDA GPU is visible").
Result<DeviceInfo> open_device();

}  // namespace kc::gpu
