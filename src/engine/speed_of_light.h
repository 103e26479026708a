// The speed of light of a GPU: what a plain device-to-device copy and the vendor's GEMMs reach
// on it. A worker measures it once; the parent caches it in
// `<course root>/.kernelcoach/speed-of-light.json`, keyed by the device UUID and the driver
// version, so another GPU or a new driver measures again.
//
// The file is JSON a person can read (indent 2), versioned by a top-level "schema": 1, with
// one entry per (uuid, driver_version):
//
//   {
//     "schema": 1,
//     "devices": [
//       {
//         "uuid": "GPU-1b2c...",            cudaDeviceProp::uuid as nvidia-smi prints it
//         "driver_version": 13000,          cudaDriverGetVersion: 13000 = 13.0
//         "device": "NVIDIA H100 80GB HBM3",
//         "measured_at": "2026-11-25T23:40:00Z",
//         "copy_gbps": 2970.4,              device-to-device copy: bytes read + written / time
//         "copy_bytes": 1073741824,         the size of one copy (bytes moved one way)
//         "gemm_size": 8192,                m = n = k of the GEMMs
//         "fp32_tflops": 51.2, "tf32_tflops": 380.1,
//         "fp16_tflops": 700.3, "bf16_tflops": 705.0,   vendor GEMM; 0 = not measured
//         "gemm_library": "cuBLAS 13.1.0",
//         "seconds": 4.2                    how long the measurement took
//       }
//     ]
//   }
//
// Missing fields read as 0 (or ""), so files written before a field existed still read. Several
// GPUs may share one course folder (a network home); their entries live side by side.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "util/result.h"

namespace kc::engine {

// The schema this code reads and writes.
inline constexpr int kSpeedOfLightSchema = 1;

struct SpeedOfLight {
    std::string uuid;            // "GPU-1b2c...": cudaDeviceProp::uuid formatted like nvidia-smi
    int driver_version = 0;      // 13000 = 13.0
    std::string device;          // "NVIDIA H100 80GB HBM3"
    std::string measured_at;     // ISO 8601 UTC, "2026-11-25T23:40:00Z"
    double copy_gbps = 0;        // device-to-device copy, read + write bytes / time
    double copy_bytes = 0;       // the size of one copy (bytes moved one way)
    int gemm_size = 0;           // m = n = k of the GEMMs
    double fp32_tflops = 0, tf32_tflops = 0, fp16_tflops = 0, bf16_tflops = 0;  // vendor GEMM; 0 = not measured
    std::string gemm_library;    // "cuBLAS 13.1.0"
    double seconds = 0;          // how long the measurement took
};

// One entry of the file. from_json reads a missing or null field as 0 / "" and throws
// nlohmann::json::type_error for a field of the wrong type.
void to_json(nlohmann::json& j, const SpeedOfLight& s);
void from_json(const nlohmann::json& j, SpeedOfLight& s);

// state_dir / "speed-of-light.json" (state_dir is the course's .kernelcoach folder).
std::filesystem::path speed_of_light_path(const std::filesystem::path& state_dir);

// The entry for this GPU and driver, or nullopt when there is none. A missing file is nullopt;
// a file that cannot be read, is not JSON, has an unknown schema or a malformed entry is an
// Error whose message names the file.
Result<std::optional<SpeedOfLight>> load_speed_of_light(const std::filesystem::path& file,
                                                        const std::string& uuid, int driver_version);

// Adds the entry, or replaces the one with the same uuid and driver version, keeping every other
// entry as it is; written atomically (a kill leaves the old file or the new one). A file that
// load_speed_of_light() refuses is replaced. An entry without a uuid, or with a number that is
// not finite, is refused.
Status save_speed_of_light(const std::filesystem::path& file, const SpeedOfLight& s);

// One line for a person: "H100: copy 2970 GB/s; GEMM fp32 51.2, TF32 380, fp16 700, bf16 705
// TFLOP/s (cuBLAS 13.1.0, 8192^3), measured 2026-11-25". Whole numbers from 100 up, three
// significant digits below; a zero is "not measured".
std::string describe(const SpeedOfLight& s);

}  // namespace kc::engine
