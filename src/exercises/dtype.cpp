#include "exercises/dtype.h"

#include <bit>
#include <cmath>
#include <cstring>

namespace kc::exercises {

size_t size_of(DType t) {
    switch (t) {
        case DType::F32:
        case DType::I32: return 4;
        case DType::F16:
        case DType::BF16: return 2;
        case DType::U8: return 1;
    }
    return 4;
}

const char* name_of(DType t) {
    switch (t) {
        case DType::F32: return "fp32";
        case DType::F16: return "fp16";
        case DType::BF16: return "bf16";
        case DType::I32: return "int32";
        case DType::U8: return "uint8";
    }
    return "?";
}

const char* c_type_of(DType t) {
    switch (t) {
        case DType::F32: return "float";
        case DType::F16: return "__half";
        case DType::BF16: return "__nv_bfloat16";
        case DType::I32: return "int";
        case DType::U8: return "unsigned char";
    }
    return "?";
}

std::optional<DType> parse_dtype(const std::string& name) {
    for (DType t : {DType::F32, DType::F16, DType::BF16, DType::I32, DType::U8})
        if (name == name_of(t)) return t;
    return std::nullopt;
}

bool is_float(DType t) { return t == DType::F32 || t == DType::F16 || t == DType::BF16; }

double unit_roundoff(DType t) {
    switch (t) {
        case DType::F32: return std::ldexp(1.0, -24);
        case DType::F16: return std::ldexp(1.0, -11);
        case DType::BF16: return std::ldexp(1.0, -8);
        default: return 0;
    }
}

uint16_t to_fp16(float v) {
    const uint32_t x = std::bit_cast<uint32_t>(v);
    const uint32_t sign = (x >> 16) & 0x8000u;
    const uint32_t exp = (x >> 23) & 0xffu;
    uint32_t mant = x & 0x7fffffu;
    if (exp == 0xff) return static_cast<uint16_t>(sign | 0x7c00u | (mant ? 0x200u | (mant >> 13) : 0));
    const int e = static_cast<int>(exp) - 127 + 15;
    if (e >= 31) return static_cast<uint16_t>(sign | 0x7c00u);  // overflow: infinity
    if (e <= 0) {                                                // subnormal or zero in fp16
        if (e < -10) return static_cast<uint16_t>(sign);
        mant |= 0x800000u;
        const int shift = 14 - e;
        uint32_t half = mant >> shift;
        const uint32_t rest = mant & ((1u << shift) - 1), mid = 1u << (shift - 1);
        if (rest > mid || (rest == mid && (half & 1u))) ++half;
        return static_cast<uint16_t>(sign | half);
    }
    uint32_t half = (static_cast<uint32_t>(e) << 10) | (mant >> 13);
    const uint32_t rest = mant & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (half & 1u))) ++half;  // may carry into the exponent: right
    return static_cast<uint16_t>(sign | half);
}

float from_fp16(uint16_t h) {
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    const uint32_t exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
    if (exp == 0) return std::bit_cast<float>(sign) + (sign ? -1.f : 1.f) * std::ldexp(static_cast<float>(mant), -24);
    if (exp == 31) return std::bit_cast<float>(sign | 0x7f800000u | (mant << 13));
    return std::bit_cast<float>(sign | ((exp - 15 + 127) << 23) | (mant << 13));
}

uint16_t to_bf16(float v) {
    const uint32_t x = std::bit_cast<uint32_t>(v);
    if ((x & 0x7f800000u) == 0x7f800000u && (x & 0x7fffffu)) return static_cast<uint16_t>((x >> 16) | 0x40u);
    const uint32_t rounded = x + 0x7fffu + ((x >> 16) & 1u);
    return static_cast<uint16_t>(rounded >> 16);
}

float from_bf16(uint16_t bits) { return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16); }

double value_at(DType t, const std::byte* p) {
    switch (t) {
        case DType::F32: {
            float v;
            std::memcpy(&v, p, 4);
            return v;
        }
        case DType::F16:
        case DType::BF16: {
            uint16_t b;
            std::memcpy(&b, p, 2);
            return t == DType::F16 ? from_fp16(b) : from_bf16(b);
        }
        case DType::I32: {
            int32_t v;
            std::memcpy(&v, p, 4);
            return v;
        }
        case DType::U8: return static_cast<double>(std::to_integer<uint8_t>(*p));
    }
    return 0;
}

uint32_t sentinel_word(DType t) {
    switch (t) {
        case DType::F32:
        case DType::I32: return 0x7fc0deadu;
        case DType::F16: return 0x7eadu * 0x10001u;  // a quiet NaN with a payload
        case DType::BF16: return 0x7fadu * 0x10001u;
        case DType::U8: return 0xadadadadu;
    }
    return 0x7fc0deadu;
}

bool has_sentinel(DType t) { return t != DType::U8; }

bool is_sentinel(DType t, const std::byte* p) {
    if (!has_sentinel(t)) return false;
    const uint32_t word = sentinel_word(t);
    return std::memcmp(p, &word, size_of(t)) == 0;
}

}  // namespace kc::exercises
