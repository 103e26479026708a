#include "reference/host/dtype.h"

#include <bit>
#include <cmath>
#include <cstring>

namespace kc::reference {

const char* dtype_name(DType t) {
    switch (t) {
        case DType::kFp32: return "fp32";
        case DType::kFp16: return "fp16";
        case DType::kBf16: return "bf16";
        case DType::kInt32: return "int32";
    }
    return "?";
}

size_t dtype_bytes(DType t) { return t == DType::kFp16 || t == DType::kBf16 ? 2 : 4; }

double unit_roundoff(DType t) {
    switch (t) {
        case DType::kFp32: return 0x1p-24;
        case DType::kFp16: return 0x1p-11;
        case DType::kBf16: return 0x1p-8;
        case DType::kInt32: return 0;
    }
    return 0;
}

uint16_t bf16_bits(float x) {
    const uint32_t u = std::bit_cast<uint32_t>(x);
    if (std::isnan(x)) return static_cast<uint16_t>((u >> 16) | 0x40);  // quiet, sign kept
    const uint32_t round = 0x7fff + ((u >> 16) & 1);                    // ties to even
    return static_cast<uint16_t>((u + round) >> 16);
}

float from_bf16(uint16_t bits) { return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16); }

uint16_t fp16_bits(float x) {
    const uint32_t u = std::bit_cast<uint32_t>(x);
    const uint16_t sign = static_cast<uint16_t>((u >> 16) & 0x8000);
    const uint32_t abs = u & 0x7fffffff;
    if (abs > 0x7f800000) return sign | 0x7e00;  // NaN
    if (abs >= 0x477ff000) return sign | 0x7c00;  // >= 65520 rounds to infinity
    if (abs < 0x38800000) {
        // Below 2^-14, fp16's smallest normal: a multiple of 2^-24, rounded to nearest even.
        // Exact in double: |x| < 2^-14 has 24 significant bits, scaled by a power of two.
        const double scaled = std::fabs(static_cast<double>(x)) * 0x1p24;
        return sign | static_cast<uint16_t>(std::nearbyint(scaled));  // default mode: ties to even
    }
    // Normal: rebias the exponent (127 -> 15) and round the 23-bit mantissa to 10 bits; a carry
    // into the exponent is the right result (up to infinity, excluded above).
    const uint32_t rebased = abs - ((127u - 15u) << 23);
    const uint32_t round = 0xfff + ((rebased >> 13) & 1);
    return sign | static_cast<uint16_t>((rebased + round) >> 13);
}

float from_fp16(uint16_t bits) {
    const uint32_t sign = static_cast<uint32_t>(bits & 0x8000) << 16;
    const uint32_t exp = (bits >> 10) & 0x1f, mant = bits & 0x3ff;
    if (exp == 0) {  // zero or subnormal: mant * 2^-24, exact in fp32
        const float v = static_cast<float>(mant) * 0x1p-24f;
        return sign ? -v : v;
    }
    if (exp == 31) return std::bit_cast<float>(sign | 0x7f800000 | (mant << 13));
    return std::bit_cast<float>(sign | ((exp + 127 - 15) << 23) | (mant << 13));
}

float round_to(DType t, float x) {
    switch (t) {
        case DType::kFp16: return from_fp16(fp16_bits(x));
        case DType::kBf16: return from_bf16(bf16_bits(x));
        default: return x;
    }
}

std::vector<std::byte> encode(DType t, std::span<const float> values) {
    std::vector<std::byte> out(values.size() * dtype_bytes(t));
    for (size_t i = 0; i < values.size(); ++i) {
        if (t == DType::kFp32) {
            std::memcpy(out.data() + 4 * i, &values[i], 4);
        } else {
            const uint16_t b = t == DType::kBf16 ? bf16_bits(values[i]) : fp16_bits(values[i]);
            std::memcpy(out.data() + 2 * i, &b, 2);
        }
    }
    return out;
}

std::vector<float> decode(DType t, std::span<const std::byte> bytes) {
    const size_t n = bytes.size() / dtype_bytes(t);
    std::vector<float> out(n);
    for (size_t i = 0; i < n; ++i) {
        if (t == DType::kFp32) {
            std::memcpy(&out[i], bytes.data() + 4 * i, 4);
        } else {
            uint16_t b;
            std::memcpy(&b, bytes.data() + 2 * i, 2);
            out[i] = t == DType::kBf16 ? from_bf16(b) : from_fp16(b);
        }
    }
    return out;
}

}  // namespace kc::reference
