// The GPU this worker runs on.
#pragma once

#include <cstddef>
#include <string>

#include "wire/protocol.h"
#include "util/result.h"

namespace kc::gpu {

// What the worker reports of its GPU is what it knows of it: one struct (wire/protocol.h).
using DeviceInfo = wire::Device;

// "GPU-" and the 16 bytes of a cudaUUID_t in nvidia-smi's grouping (8-4-4-4-12 hex digits).
std::string format_uuid(const unsigned char bytes[16]);

// fp32 lanes per SM for a compute capability (64 on 7.x and 8.0, 128 on 8.6 and newer).
int fp32_lanes_per_sm(int sm);

// Initialises device 0. An Error here means there is no usable GPU or driver; the message
// says which ("no CUDA driver is installed", "no CUDA GPU is visible").
Result<DeviceInfo> open_device();

}  // namespace kc::gpu
