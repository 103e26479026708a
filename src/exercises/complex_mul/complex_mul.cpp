// complex-mul (mastery/01): the elementwise product of two arrays of n complex numbers stored
// interleaved (re, im, re, im, ...), in one kernel
//     complex_mul(const float* a, const float* b, float* out, int n)
//     out[2i] = a[2i] b[2i] - a[2i+1] b[2i+1],   out[2i+1] = a[2i] b[2i+1] + a[2i+1] b[2i]
// Values uniform in [-1, 1). The bound: two products and a sum or difference, in any order with
// or without FMA, err by at most 2u (|p| + |q|) (a product's rounding and the sum's); the bound
// is twice that, 4u (|p| + |q|). Cancellation makes it large relative to the result where
// p is close to q, which is honest: a correct kernel can be that far off there.
#include "exercises/activation.h"
#include "exercises/float_exercise.h"
#include "exercises/registry.h"

namespace kc::exercises {

namespace {

constexpr uint64_t kTagA = 0x636d756c00000001ull;
constexpr uint64_t kTagB = 0x636d756c00000002ull;

double bytes(const Sizes& s) { return 24.0 * static_cast<double>(s.at("n")); }
double flops(const Sizes& s) { return 6.0 * static_cast<double>(s.at("n")); }

class ComplexMul final : public FloatExercise {
public:
    const Spec& spec() const override {
        static const Spec s{.name = "complex-mul",
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
    std::vector<TensorSpec> inputs(const Sizes& s) const override {
        const size_t n = elements_of({2, s.at("n")});
        return {{"a", n}, {"b", n}};
    }
    TensorSpec output(const Sizes& s) const override { return {"out", elements_of({2, s.at("n")})}; }
    // n rows of (re, im): a heatmap shows whether the real or the imaginary column is off.
    std::vector<long long> output_shape(const Sizes& s) const override { return {s.at("n"), 2}; }
    std::vector<Scalar> scalars(const Sizes& s) const override { return {Scalar::of(static_cast<int>(s.at("n")), "n")}; }
    void make_float_inputs(uint64_t seed, const Sizes&, std::vector<std::span<float>> in) const override {
        fill_uniform(in[0], stream_of(seed, kTagA), -1.f, 1.f);
        fill_uniform(in[1], stream_of(seed, kTagB), -1.f, 1.f);
    }
    void float_truth(const Sizes&, std::vector<std::span<const float>> in, std::span<double> truth,
                     std::span<double> bound) const override {
        parallel_chunks(truth.size() / 2, 1 << 15, [&](size_t begin, size_t end, size_t) {
            for (size_t i = begin; i < end; ++i) {
                const double ar = in[0][2 * i], ai = in[0][2 * i + 1], br = in[1][2 * i], bi = in[1][2 * i + 1];
                truth[2 * i] = ar * br - ai * bi;
                bound[2 * i] = 4 * kU32 * (std::fabs(ar * br) + std::fabs(ai * bi));
                truth[2 * i + 1] = ar * bi + ai * br;
                bound[2 * i + 1] = 4 * kU32 * (std::fabs(ar * bi) + std::fabs(ai * br));
            }
        });
    }
    TimedTransform timed_transform(const Sizes&) const override { return {.kind = TimedTransform::kFreshInputs}; }
};

}  // namespace

KC_REGISTER_EXERCISE(instance<ComplexMul>());

}  // namespace kc::exercises
