// Versions of the vendor libraries this program is linked with, and where the NVIDIA tools
// it can hand kernels to are installed. Asking needs no GPU and starts no CUDA context.
#pragma once

#include <string>

namespace kc::gpu {

struct Toolchain {
    std::string cublas;             // "13.1.0"
    std::string cudnn;              // "9.14.0"
    std::string compute_sanitizer;  // its path, or "" when not installed
    std::string ncu;                // its path, or ""
};

Toolchain toolchain();

}  // namespace kc::gpu
