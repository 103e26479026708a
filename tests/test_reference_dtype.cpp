// reference/host/dtype.h: the host's fp16 and bf16 conversions, checked bit for bit against
// cuda_fp16.h's and cuda_bf16.h's own host conversions (round to nearest even).
#include <gtest/gtest.h>

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "exercises/spec.h"
#include "reference/host/dtype.h"

namespace kc::reference {
namespace {

uint16_t cuda_half_bits(float x) {
    const __half h = __float2half_rn(x);
    uint16_t b;
    std::memcpy(&b, &h, 2);
    return b;
}

uint16_t cuda_bf16_bits(float x) {
    const __nv_bfloat16 h = __float2bfloat16_rn(x);
    uint16_t b;
    std::memcpy(&b, &h, 2);
    return b;
}

TEST(ReferenceDtype, NamesSizesAndRoundoffs) {
    EXPECT_STREQ(dtype_name(DType::kBf16), "bf16");
    EXPECT_EQ(dtype_bytes(DType::kFp16), 2u);
    EXPECT_EQ(dtype_bytes(DType::kInt32), 4u);
    EXPECT_EQ(unit_roundoff(DType::kFp32), std::ldexp(1.0, -24));
    EXPECT_EQ(unit_roundoff(DType::kFp16), std::ldexp(1.0, -11));
    EXPECT_EQ(unit_roundoff(DType::kBf16), std::ldexp(1.0, -8));
    EXPECT_EQ(unit_roundoff(DType::kInt32), 0.0);
}

TEST(ReferenceDtype, Bf16RoundsToNearestEven) {
    EXPECT_EQ(bf16_bits(1.0f), 0x3f80);
    EXPECT_EQ(from_bf16(bf16_bits(1.0f + 0x1p-8f)), 1.0f);                  // a tie: to even
    EXPECT_EQ(from_bf16(bf16_bits(1.0f + 3 * 0x1p-8f)), 1.0f + 0x1p-6f);   // a tie: to even, up
    EXPECT_EQ(from_bf16(bf16_bits(1.0f + 0x1p-8f + 0x1p-20f)), 1.0f + 0x1p-7f);
    EXPECT_TRUE(std::isnan(from_bf16(bf16_bits(std::numeric_limits<float>::quiet_NaN()))));
    EXPECT_EQ(from_bf16(bf16_bits(INFINITY)), INFINITY);
    EXPECT_EQ(from_bf16(bf16_bits(-std::numeric_limits<float>::max())), -INFINITY);
}

TEST(ReferenceDtype, Fp16RoundsToNearestEvenWithSubnormals) {
    EXPECT_EQ(fp16_bits(1.0f), 0x3c00);
    EXPECT_EQ(fp16_bits(65504.0f), 0x7bff);
    EXPECT_EQ(fp16_bits(65519.0f), 0x7bff);
    EXPECT_EQ(fp16_bits(65520.0f), 0x7c00);  // a tie between 65504 and 2^16: to even, infinity
    EXPECT_EQ(fp16_bits(0x1p-14f), 0x0400);
    EXPECT_EQ(fp16_bits(0x1p-24f), 0x0001);
    EXPECT_EQ(fp16_bits(0x1p-25f), 0x0000);      // a tie: to even, zero
    EXPECT_EQ(fp16_bits(3 * 0x1p-25f), 0x0002);  // a tie: to even, up
    EXPECT_EQ(fp16_bits(-2.0f), 0xc000);
    EXPECT_EQ(from_fp16(0x0001), 0x1p-24f);
    EXPECT_EQ(from_fp16(0x7c00), INFINITY);
    EXPECT_TRUE(std::isnan(from_fp16(fp16_bits(std::numeric_limits<float>::quiet_NaN()))));
}

TEST(ReferenceDtype, EveryHalfAndBf16ValueSurvivesARoundTrip) {
    for (uint32_t b = 0; b < 0x10000; ++b) {
        const auto bits = static_cast<uint16_t>(b);
        const float h = from_fp16(bits), f = from_bf16(bits);
        if (!std::isnan(h)) EXPECT_EQ(fp16_bits(h), bits) << std::hex << b;
        if (!std::isnan(f)) EXPECT_EQ(bf16_bits(f), bits) << std::hex << b;
    }
}

TEST(ReferenceDtype, AgreesWithCudaHeadersOnRandomFloats) {
    exercises::Rng rng(0x6474797065ull);
    for (int i = 0; i < 1000000; ++i) {
        // Random bit patterns (every exponent), and values near fp16's range.
        const float x = i % 2 ? std::bit_cast<float>(static_cast<uint32_t>(rng.next())) : rng.uniform(-70000.f, 70000.f) *
                                                                                          std::ldexp(1.0f, -(i % 40));
        if (std::isnan(x)) continue;
        ASSERT_EQ(fp16_bits(x), cuda_half_bits(x)) << x;
        ASSERT_EQ(bf16_bits(x), cuda_bf16_bits(x)) << x;
    }
}

TEST(ReferenceDtype, EncodesAndDecodes) {
    const std::vector<float> v = {1.0f, -2.5f, 0.1f, 1e-6f};
    for (DType t : {DType::kFp32, DType::kFp16, DType::kBf16}) {
        const auto bytes = encode(t, v);
        ASSERT_EQ(bytes.size(), v.size() * dtype_bytes(t));
        const auto back = decode(t, bytes);
        ASSERT_EQ(back.size(), v.size());
        for (size_t i = 0; i < v.size(); ++i) EXPECT_EQ(back[i], round_to(t, v[i])) << dtype_name(t);
    }
    EXPECT_EQ(round_to(DType::kFp32, 0.1f), 0.1f);
    EXPECT_NE(round_to(DType::kBf16, 0.1f), 0.1f);
}

}  // namespace
}  // namespace kc::reference
