// The device's speed of light, measured: a device-to-device copy at a size far beyond L2, and
// cuBLAS GEMMs at fp32 (TF32 off), TF32, fp16 and bf16. Run once per GPU and driver (the parent
// caches the result); `kernelcoach info --recalibrate` runs it again.
#pragma once

#include <cuda_runtime_api.h>

#include "engine/speed_of_light.h"
#include "gpu/device.h"
#include "gpu/timer.h"
#include "gpu/utility.h"
#include "util/result.h"

namespace kc::worker {

Result<engine::SpeedOfLight> calibrate(const gpu::DeviceInfo& device, const gpu::Utility& util, gpu::Timer& timer,
                                       cudaStream_t stream);

}  // namespace kc::worker
