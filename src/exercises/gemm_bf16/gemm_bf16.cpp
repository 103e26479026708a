// gemm-bf16: C = A B with A (m x k), B (k x n) and C (m x n) in bf16, all row-major, the
// products accumulated in fp32 (on tensor cores: mma.sync, WMMA or wgmma). The exercise of
// optimization/02, 04 and 05, timed against cuBLASLt's bf16 GEMM.
//
// Truth and bound: bf16 values are exact in fp32 and in float64, so the float64 truth is
// matrix-mul's blocked product of the inputs widened to float (matrix_mul.h), and sum |t| of
// each element, which the bound needs, the same product of their magnitudes. The bound is the
// cuBLASLt reference's (reference/host/gemm_truth.cpp derives it): the tensor cores' fp32
// accumulation, 4u (k + 1) sum |t|, then the rounding of the result to bf16, 2^-8 of it. An
// accumulation in bf16, a wrong layout or a dropped k-tile is far outside it.
#include "exercises/gemm_bf16/gemm_bf16.h"

#include <cmath>
#include <vector>

#include "exercises/dtype.h"
#include "exercises/matrix_mul/matrix_mul.h"
#include "exercises/registry.h"
#include "reference/host/gemm_truth.h"
#include "util/parallel.h"

namespace kc::exercises {

namespace {

constexpr uint64_t kTagA = 0x67656d6d00000001ull, kTagB = 0x67656d6d00000002ull;
constexpr size_t kChunk = 1 << 16;

double d(const Sizes& s, const char* f) { return static_cast<double>(s.at(f)); }
double bytes(const Sizes& s) { return 2.0 * (d(s, "m") * d(s, "k") + d(s, "k") * d(s, "n") + d(s, "m") * d(s, "n")); }
double flops(const Sizes& s) { return 2.0 * d(s, "m") * d(s, "n") * d(s, "k"); }

class GemmBf16 final : public Exercise {
public:
    const Spec& spec() const override {
        static const Spec s{.name = "gemm-bf16",
                            .fields = {"m", "n", "k"},
                            .vendor = "cuBLASLt bf16 GEMM (fp32 accumulation)",
                            .bytes = bytes,
                            .flops = flops,
                            .example = {{"m", 67}, {"n", 129}, {"k", 80}},
                            .sweep_fields = {"m", "n", "k"},
                            .sweep_factor = 2,
                            .sweep_steps = 4,
                            .math = Math::kBf16};
        return s;
    }
    std::vector<TensorSpec> tensors(const Sizes& s) const override {
        const long long m = s.at("m"), n = s.at("n"), k = s.at("k");
        return {{"a", elements_of({m, k}), Role::kIn, DType::BF16},
                {"b", elements_of({k, n}), Role::kIn, DType::BF16},
                {"c", elements_of({m, n}), Role::kOut, DType::BF16}};
    }
    std::vector<Scalar> scalars(const Sizes& s) const override {
        return {Scalar::of(static_cast<int>(s.at("m")), "m"), Scalar::of(static_cast<int>(s.at("n")), "n"),
                Scalar::of(static_cast<int>(s.at("k")), "k")};
    }
    std::vector<long long> shape(const Sizes& s, const std::string&) const override { return {s.at("m"), s.at("n")}; }
    void make_inputs(uint64_t seed, const Sizes&, std::span<const HostTensor> t) const override {
        make_gemm_bf16_inputs(seed, t[0].as<uint16_t>(), t[1].as<uint16_t>());
    }
    void truth(const Sizes& s, std::span<const HostTensor> t, std::span<const Expected> out) const override {
        const auto m = static_cast<size_t>(s.at("m")), n = static_cast<size_t>(s.at("n")),
                   k = static_cast<size_t>(s.at("k"));
        const auto a = t[0].as<const uint16_t>(), b = t[1].as<const uint16_t>();
        std::vector<double> unused(m * n);  // matrix-mul's own fp32 bound, not this one
        matrix_mul_truth(widened_bf16(a), widened_bf16(b), m, n, k, out[0].truth, unused);
        matrix_mul_truth(widened_bf16(a, true), widened_bf16(b, true), m, n, k, out[0].bound, unused);  // sum |t|
        auto& bound = out[0].bound;
        parallel_chunks(m * n, kChunk, [&](size_t begin, size_t end, size_t) {
            for (size_t i = begin; i < end; ++i) {
                const double acc = reference::bf16_accumulation_bound(static_cast<double>(k), bound[i]);
                bound[i] = acc + unit_roundoff(DType::BF16) * (std::fabs(out[0].truth[i]) + acc);  // stored in bf16
            }
        });
    }
    // bf16 tensors are not halved on the GPU: the timed inputs are drawn afresh.
    TimedTransform timed_transform(const Sizes&) const override { return {.kind = TimedTransform::kFreshInputs}; }
};

}  // namespace

void fill_bf16_uniform(std::span<uint16_t> x, uint64_t stream) {
    parallel_chunks(x.size(), kChunk, [&](size_t begin, size_t end, size_t) {
        for (size_t i = begin; i < end; ++i) x[i] = to_bf16(uniform_at(stream, i, -1.f, 1.f));
    });
}

void make_gemm_bf16_inputs(uint64_t seed, std::span<uint16_t> a, std::span<uint16_t> b) {
    fill_bf16_uniform(a, stream_of(seed, kTagA));
    fill_bf16_uniform(b, stream_of(seed, kTagB));
}

std::vector<float> widened_bf16(std::span<const uint16_t> x, bool magnitude) {
    std::vector<float> out(x.size());
    parallel_chunks(x.size(), kChunk, [&](size_t begin, size_t end, size_t) {
        for (size_t i = begin; i < end; ++i) out[i] = magnitude ? std::fabs(from_bf16(x[i])) : from_bf16(x[i]);
    });
    return out;
}

KC_REGISTER_EXERCISE(instance<GemmBf16>());

}  // namespace kc::exercises
