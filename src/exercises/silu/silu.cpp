// silu and silu-bf16 (mastery/01): Swish / SiLU, y = x * sigmoid(x), for n values, in one kernel
//     silu(const float* x, float* y, int n)                                   (silu)
//     silu(const __nv_bfloat16* x, __nv_bfloat16* y, int n)                   (silu-bf16)
// x is uniform in [-8, 8). fp32: the bound is activation.h's sigmoid_product_bound (fast-math
// exp allowed). bf16: the inputs are bf16 values, the math is meant to be fp32, and the result
// is rounded once to bf16 (at most 2^-8 relative, round to nearest even): the bound is that
// rounding twice over plus the fp32 bound, so computing in fp32 and rounding once passes with
// half of it to spare, and arithmetic in bf16 throughout (three more roundings) does not.
#include "exercises/activation.h"
#include "exercises/registry.h"

namespace kc::exercises {

namespace {

constexpr uint64_t kTagX = 0x73696c7500000001ull;

template <DType T>
class Silu final : public Exercise {
public:
    static double bytes(const Sizes& s) { return 2.0 * size_of(T) * static_cast<double>(s.at("n")); }
    static double flops(const Sizes& s) { return 4.0 * static_cast<double>(s.at("n")); }
    const Spec& spec() const override {
        static const Spec s{.name = T == DType::F32 ? "silu" : "silu-bf16",
                            .fields = {"n"},
                            .vendor = "",
                            .bytes = bytes,
                            .flops = flops,
                            .example = {{"n", 1003}},
                            .sweep_fields = {"n"},
                            .sweep_factor = 4,
                            .sweep_steps = 8};
        return s;
    }
    std::vector<TensorSpec> tensors(const Sizes& s) const override {
        const auto n = static_cast<size_t>(s.at("n"));
        return {{"x", n, Role::kIn, T}, {"y", n, Role::kOut, T}};
    }
    std::vector<Scalar> scalars(const Sizes& s) const override { return {Scalar::of(static_cast<int>(s.at("n")), "n")}; }
    std::vector<long long> shape(const Sizes& s, const std::string&) const override { return {s.at("n")}; }
    void make_inputs(uint64_t seed, const Sizes&, std::span<const HostTensor> t) const override {
        const uint64_t st = stream_of(seed, kTagX);
        if constexpr (T == DType::F32) {
            fill_uniform(t[0].as<float>(), st, -8.f, 8.f);
        } else {
            auto x = t[0].as<uint16_t>();
            parallel_chunks(x.size(), 1 << 16, [&](size_t begin, size_t end, size_t) {
                for (size_t i = begin; i < end; ++i) x[i] = to_bf16(uniform_at(st, i, -8.f, 8.f));
            });
        }
    }
    void truth(const Sizes&, std::span<const HostTensor> t, std::span<const Expected> out) const override {
        parallel_chunks(out[0].truth.size(), 1 << 16, [&](size_t begin, size_t end, size_t) {
            for (size_t i = begin; i < end; ++i) {
                double x;
                if constexpr (T == DType::F32) x = t[0].as<const float>()[i];
                else x = from_bf16(t[0].as<const uint16_t>()[i]);
                const double v = x * sigmoid(x);
                out[0].truth[i] = v;
                out[0].bound[i] = sigmoid_product_bound(v, x) + (T == DType::F32 ? 0 : 2 * std::ldexp(std::fabs(v), -8));
            }
        });
    }
    TimedTransform timed_transform(const Sizes&) const override { return {.kind = TimedTransform::kFreshInputs}; }
};

}  // namespace

KC_REGISTER_EXERCISE(instance<Silu<DType::F32>>());
// A second exercise from this file: KC_REGISTER_EXERCISE names one variable per file.
[[maybe_unused]] static const bool kc_silu_bf16_registered_ = (register_exercise(instance<Silu<DType::BF16>>()), true);

}  // namespace kc::exercises
