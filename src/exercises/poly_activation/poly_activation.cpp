// poly-activation (mastery/01): y = x + a x^2 + b x^3 for n floats, in one kernel
//     poly(const float* x, float* y, int n, float a, float b)
// with a = 0.3 and b = -0.05 passed as scalars. x is uniform in [-4, 4), so no term dominates
// everywhere: near 0 the linear one, at |x| = 4 the cubic (3.2) and quadratic (4.8) ones.
//
// The bound: any evaluation order of a degree-3 polynomial in fp32 (Horner with or without FMA,
// or the terms one by one) errs by at most gamma_6 sum |a_i x^i| (Higham, Accuracy and
// Stability of Numerical Algorithms, 5.1), about 6u; the bound is 12u sum |a_i x^i|, so a
// correct kernel stays within half of it, and a dropped term or half precision fails by far.
#include "exercises/activation.h"
#include "exercises/float_exercise.h"
#include "exercises/registry.h"

namespace kc::exercises {

namespace {

constexpr uint64_t kTagX = 0x706f6c7900000001ull;
constexpr float kA = 0.3f, kB = -0.05f;

double bytes(const Sizes& s) { return 8.0 * static_cast<double>(s.at("n")); }
double flops(const Sizes& s) { return 5.0 * static_cast<double>(s.at("n")); }

class PolyActivation final : public FloatExercise {
public:
    const Spec& spec() const override {
        static const Spec s{.name = "poly-activation",
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
    std::vector<TensorSpec> inputs(const Sizes& s) const override { return {{"x", static_cast<size_t>(s.at("n"))}}; }
    TensorSpec output(const Sizes& s) const override { return {"y", static_cast<size_t>(s.at("n"))}; }
    std::vector<long long> output_shape(const Sizes& s) const override { return {s.at("n")}; }
    std::vector<Scalar> scalars(const Sizes& s) const override {
        return {Scalar::of(static_cast<int>(s.at("n")), "n"), Scalar::of(kA, "a"), Scalar::of(kB, "b")};
    }
    void make_float_inputs(uint64_t seed, const Sizes&, std::vector<std::span<float>> in) const override {
        fill_uniform(in[0], stream_of(seed, kTagX), -4.f, 4.f);
    }
    void float_truth(const Sizes&, std::vector<std::span<const float>> in, std::span<double> truth,
                     std::span<double> bound) const override {
        parallel_chunks(truth.size(), 1 << 16, [&](size_t begin, size_t end, size_t) {
            for (size_t i = begin; i < end; ++i) {
                const double x = in[0][i], t1 = x, t2 = double(kA) * x * x, t3 = double(kB) * x * x * x;
                truth[i] = t1 + t2 + t3;
                bound[i] = 12 * kU32 * (std::fabs(t1) + std::fabs(t2) + std::fabs(t3));
            }
        });
    }
    TimedTransform timed_transform(const Sizes&) const override { return {.kind = TimedTransform::kFreshInputs}; }
};

}  // namespace

KC_REGISTER_EXERCISE(instance<PolyActivation>());

}  // namespace kc::exercises
