// Element types of the tensors an exercise's kernels read and write, and their host-side
// conversions (round to nearest even), so that inputs, truth and comparisons need no CUDA.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace kc::exercises {

enum class DType : uint8_t { F32, F16, BF16, I32, U8 };

size_t size_of(DType t);
const char* name_of(DType t);    // "fp32", "fp16", "bf16", "int32", "uint8": as in module.json
const char* c_type_of(DType t);  // "float", "__half", "__nv_bfloat16", "int", "unsigned char"
std::optional<DType> parse_dtype(const std::string& name);
bool is_float(DType t);
// The unit roundoff of one rounding to the type: 2^-24, 2^-11, 2^-8; 0 for the integer types.
double unit_roundoff(DType t);

// fp16 and bf16 bits from a float, rounded to nearest even (overflow to infinity, NaN kept).
uint16_t to_fp16(float v);
float from_fp16(uint16_t bits);
uint16_t to_bf16(float v);
float from_bf16(uint16_t bits);

// The value of the element at `p`, read as `t`.
double value_at(DType t, const std::byte* p);

// The bits outputs are filled with before a run ("the sentinel"), repeated to fill 32 bits: a
// NaN with a payload for the float types (0x7fc0dead for fp32), 0x7fc0dead for int32 (a value no
// exercise produces by chance), 0xad for uint8.
uint32_t sentinel_word(DType t);
// Whether an element still holding the sentinel can be told from a value a kernel wrote: not
// for uint8, where every byte is a value (173 is a right answer as often as any other); there an
// unwritten element shows only as a wrong value, and in the run with garbage.
bool has_sentinel(DType t);
// Whether the element at `p` still holds the sentinel (false for a type without one).
bool is_sentinel(DType t, const std::byte* p);

}  // namespace kc::exercises
