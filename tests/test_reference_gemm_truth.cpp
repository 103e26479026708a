// reference/host/gemm_truth.h: the float64 truth of the cuBLASLt GEMMs on known values, and its
// bounds against simulated kernels: correct ones (fp32 accumulation that truncates like a tensor
// core, per term or per block; round to nearest; the epilogue with a hardware-grade tanh) stay
// within them, wrong ones (bf16 accumulation, TF32, a dropped bias, no GELU) do not. The worst
// ratios are printed ("[calibration]").
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>

#include "reference/host/gemm_truth.h"
#include "support/reference_check.h"

namespace kc::reference {
namespace {

using test::random_values;
using test::worst_of;

float round_toward_zero(double x) {
    float f = static_cast<float>(x);
    if (std::fabs(static_cast<double>(f)) > std::fabs(x)) f = std::nextafter(f, 0.0f);
    return f;
}

float tf32(float x) {  // round to TF32's 10 explicit mantissa bits, to nearest even
    uint32_t u;
    std::memcpy(&u, &x, 4);
    u = (u + 0xfff + ((u >> 13) & 1)) & ~0x1fffu;
    std::memcpy(&x, &u, 4);
    return x;
}

struct Case {
    GemmShape s;
    std::vector<float> a, b, bias;
};

Case make_case(GemmShape s, uint64_t seed) {
    Case c{s, random_values(seed, s.m * s.k, -1, 1, s.in), random_values(seed + 1, s.k * s.n, -1, 1, s.in), {}};
    if (has_bias(s.epilogue)) c.bias = random_values(seed + 2, s.n, -1, 1, s.out);
    return c;
}

// One element's accumulation, as a kernel would do it: acc(l) adds product l.
using Accumulate = std::function<float(const Case&, size_t i, size_t j)>;

// The simulated kernel: accumulation, bias (fp32, to nearest), GELU in fp32 with tanh off by
// `tanh_error` relative (the hardware tanh's 2^-10.987 at worst), the store in D's type.
// With `epilogue_in_output_type`, the accumulator is rounded to D's type before the epilogue and
// the bias added in it, as cuBLASLt does for a bf16 output (and an unfused GEMM then bias).
std::vector<float> simulate(const Case& c, const Accumulate& acc, bool add_bias = true, bool apply_gelu = true,
                            double tanh_error = 0, bool epilogue_in_output_type = false) {
    const size_t m = c.s.m, n = c.s.n;
    std::vector<float> d(m * n);
    for (size_t i = 0; i < m; ++i)
        for (size_t j = 0; j < n; ++j) {
            float z = acc(c, i, j);
            if (epilogue_in_output_type) z = round_to(c.s.out, z);
            if (has_bias(c.s.epilogue) && add_bias) z = z + c.bias[j];
            if (epilogue_in_output_type) z = round_to(c.s.out, z);
            if (has_gelu(c.s.epilogue) && apply_gelu) {
                const float k0 = 0.7978845608f, inner = k0 * (z + 0.044715f * z * z * z);
                const float t = static_cast<float>(std::tanh(inner) * (1 - tanh_error));
                z = 0.5f * z * (1.0f + t);
            }
            d[i * n + j] = round_to(c.s.out, z);
        }
    return d;
}

float product(const Case& c, size_t i, size_t j, size_t l) { return c.a[i * c.s.k + l] * c.b[l * c.s.n + j]; }

// Tensor-core-like: blocks of `g` exact products added to the accumulator exactly, then cut
// toward zero (g = 1: every add truncates).
Accumulate truncating(size_t g) {
    return [g](const Case& c, size_t i, size_t j) {
        float acc = 0;
        for (size_t l = 0; l < static_cast<size_t>(c.s.k); l += g) {
            double s = acc;
            for (size_t q = l; q < std::min<size_t>(l + g, c.s.k); ++q) s += product(c, i, j, q);
            acc = round_toward_zero(s);
        }
        return acc;
    };
}

float fma_dot(const Case& c, size_t i, size_t j) {
    float acc = 0;
    for (size_t l = 0; l < static_cast<size_t>(c.s.k); ++l) acc = std::fma(c.a[i * c.s.k + l], c.b[l * c.s.n + j], acc);
    return acc;
}

float bf16_dot(const Case& c, size_t i, size_t j) {
    float acc = 0;
    for (size_t l = 0; l < static_cast<size_t>(c.s.k); ++l) acc = round_to(DType::kBf16, acc + product(c, i, j, l));
    return acc;
}

float tf32_dot(const Case& c, size_t i, size_t j) {
    float acc = 0;
    for (size_t l = 0; l < static_cast<size_t>(c.s.k); ++l)
        acc = std::fma(tf32(c.a[i * c.s.k + l]), tf32(c.b[l * c.s.n + j]), acc);
    return acc;
}

double ratio(const Case& c, const std::vector<float>& d, const char* what) {
    const auto truth = gemm_truth(c.s, c.a, c.b, c.bias);
    const auto w = worst_of(truth, d);
    std::printf("[calibration] gemm %s %lldx%lldx%lld %s->%s %s: %s\n", what, static_cast<long long>(c.s.m),
                static_cast<long long>(c.s.n), static_cast<long long>(c.s.k), dtype_name(c.s.in), dtype_name(c.s.out),
                epilogue_name(c.s.epilogue), w.text().c_str());
    return w.ratio;
}

TEST(ReferenceGemmTruth, KnownProductBiasAndGelu) {
    const std::vector<float> a = {1, 2, 3, 4}, b = {5, 6, 7, 8}, bias = {1, -1};
    auto d = gemm_truth(GemmShape{2, 2, 2, DType::kFp32, DType::kFp32, Epilogue::kNone}, a, b, {});
    EXPECT_EQ(d.value, (std::vector<double>{19, 22, 43, 50}));
    d = gemm_truth(GemmShape{2, 2, 2, DType::kBf16, DType::kFp32, Epilogue::kBias}, a, b, bias);
    EXPECT_EQ(d.value, (std::vector<double>{20, 21, 44, 49}));
    d = gemm_truth(GemmShape{2, 2, 2, DType::kBf16, DType::kBf16, Epilogue::kBiasGelu}, a, b, bias);
    EXPECT_NEAR(d.value[0], gelu_tanh(20), 1e-12);
    for (double bnd : d.bound) EXPECT_GT(bnd, 0);
    // A bf16 output may be 2^-8 off: the bound says so.
    EXPECT_GE(d.bound[3], 49 * std::ldexp(1.0, -8));
}

TEST(ReferenceGemmTruth, GeluIsTheTanhForm) {
    EXPECT_EQ(gelu_tanh(0), 0);
    EXPECT_NEAR(gelu_tanh(1), 0.8411919906082768, 1e-15);
    EXPECT_NEAR(gelu_tanh(-1), -0.15880800939172324, 1e-15);
    EXPECT_NEAR(gelu_tanh(10), 10, 1e-12);
    EXPECT_NEAR(gelu_tanh(-10), 0, 1e-12);
    double steepest = 0;
    for (double x = -8; x <= 8; x += 1e-4) steepest = std::max(steepest, (gelu_tanh(x + 1e-7) - gelu_tanh(x - 1e-7)) / 2e-7);
    EXPECT_GT(steepest, 1.128);
    EXPECT_LE(steepest, kGeluMaxSlope);
}

TEST(ReferenceGemmTruth, Bf16CorrectKernelsStayWithinTheBound) {
    for (Epilogue e : {Epilogue::kNone, Epilogue::kBias, Epilogue::kGelu, Epilogue::kBiasGelu})
        for (DType out : {DType::kBf16, DType::kFp32})
            for (int64_t k : {int64_t{37}, int64_t{1024}}) {
                const Case c = make_case(GemmShape{24, 40, k, DType::kBf16, out, e}, 0x6765 + k);
                for (size_t g : {size_t{1}, size_t{8}}) {
                    const auto d = simulate(c, truncating(g), true, true, std::exp2(-10.987));
                    EXPECT_LE(ratio(c, d, g == 1 ? "truncate per add" : "truncate per 8"), 1.0);
                }
                EXPECT_LE(ratio(c, simulate(c, fma_dot), "fp32 fma"), 1.0);
            }
}

// cuBLASLt's epilogue into a bf16 output reads the accumulator rounded to bf16 (measured on the
// H200: tools/probes/cublaslt_candidates); at k = 99 the sums are small enough for that rounding
// to exceed the accumulation's own bound. Right, so within the bound.
TEST(ReferenceGemmTruth, Bf16EpilogueOnTheRoundedAccumulatorStaysWithinTheBound) {
    for (Epilogue e : {Epilogue::kBias, Epilogue::kGelu, Epilogue::kBiasGelu})
        for (int64_t k : {int64_t{37}, int64_t{99}, int64_t{1024}}) {
            const Case c = make_case(GemmShape{77, 130, k, DType::kBf16, DType::kBf16, e}, 0x726e64 + k);
            EXPECT_LE(ratio(c, simulate(c, truncating(8), true, true, std::exp2(-10.987), true), "epilogue in bf16"), 1.0);
        }
}

TEST(ReferenceGemmTruth, Bf16WrongKernelsFail) {
    const Case c = make_case(GemmShape{24, 40, 1024, DType::kBf16, DType::kFp32, Epilogue::kBiasGelu}, 0x77726f6e67);
    EXPECT_GT(ratio(c, simulate(c, bf16_dot), "bf16 accumulation"), 10.0);
    EXPECT_GT(ratio(c, simulate(c, fma_dot, false), "no bias"), 10.0);
    EXPECT_GT(ratio(c, simulate(c, fma_dot, true, false), "no gelu"), 10.0);
    const Case out16 = make_case(GemmShape{24, 40, 1024, DType::kBf16, DType::kBf16, Epilogue::kNone}, 0x6f7574);
    EXPECT_GT(ratio(out16, simulate(out16, bf16_dot), "bf16 accumulation"), 10.0);
    // With an epilogue into bf16 the bound takes one more rounding of z; a bf16 accumulation
    // still fails by far.
    const Case gelu16 = make_case(GemmShape{24, 40, 1024, DType::kBf16, DType::kBf16, Epilogue::kBiasGelu}, 0x6f7574);
    EXPECT_GT(ratio(gelu16, simulate(gelu16, bf16_dot), "bf16 accumulation"), 5.0);
}

TEST(ReferenceGemmTruth, Fp32UsesTheMatrixMulBoundAndCatchesTf32) {
    for (int64_t k : {int64_t{37}, int64_t{1024}}) {
        const Case c = make_case(GemmShape{24, 40, k, DType::kFp32, DType::kFp32, Epilogue::kNone}, 0x66703332 + k);
        EXPECT_LE(ratio(c, simulate(c, fma_dot), "fp32 fma"), 0.5);
        EXPECT_GT(ratio(c, simulate(c, tf32_dot), "tf32"), 3.0);
    }
}

}  // namespace
}  // namespace kc::reference
