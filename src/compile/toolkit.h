// The NVIDIA tools installed beside the CUDA Toolkit kernelcoach compiles with.
#pragma once

#include <string>

namespace kc::compile {

// The path of an NVIDIA tool (compute-sanitizer, ncu): on PATH, or in the bin folder of the
// toolkit whose headers NVRTC uses, or in /usr/local/cuda/bin; "" when it is not installed.
std::string find_tool(const std::string& name);

}  // namespace kc::compile
