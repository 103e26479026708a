// The element types the vendor references read and write, and their storage on the host:
// fp32, fp16 and bf16 (IEEE round to nearest even, as cuda_fp16.h / cuda_bf16.h convert) and
// int32. No CUDA here: the host makes inputs in these types and reads outputs back with these.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace kc::reference {

enum class DType { kFp32, kFp16, kBf16, kInt32 };

const char* dtype_name(DType t);  // "fp32", "fp16", "bf16", "int32"
size_t dtype_bytes(DType t);      // 4, 2, 2, 4
// The unit roundoff of storing a real number in the type (round to nearest): 2^-24 (fp32),
// 2^-11 (fp16), 2^-8 (bf16); 0 for int32, which stores integers exactly.
double unit_roundoff(DType t);

uint16_t bf16_bits(float x);    // round to nearest even; NaN stays NaN
float from_bf16(uint16_t bits);
uint16_t fp16_bits(float x);    // round to nearest even, subnormals kept, overflow to infinity
float from_fp16(uint16_t bits);

// x as stored in `t` and read back: the value a kernel sees (t is a floating-point type).
float round_to(DType t, float x);

// Host copies of a device tensor: `values` encoded in `t` (fp32, fp16 or bf16) and decoded.
std::vector<std::byte> encode(DType t, std::span<const float> values);
std::vector<float> decode(DType t, std::span<const std::byte> bytes);

}  // namespace kc::reference
