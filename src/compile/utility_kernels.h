// The source of kernelcoach's own device kernels (gpu/utility.cpp loads them in the worker).
// Kept here, on the side that needs no GPU, so a CPU test can compile it.
#pragma once

namespace kc::compile {

// kc_fill_u32, kc_fill_garbage, kc_count_diff, kc_scale, kc_reverse_rows, kc_read_all,
// kc_gelu_tanh, kc_bias_gelu_bf16 and kc_fill_pattern16, as CUDA C++ for NVRTC.
const char* utility_kernels_source();

}  // namespace kc::compile
