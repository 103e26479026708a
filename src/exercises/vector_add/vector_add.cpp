#include "exercises/vector_add/vector_add.h"

#include "exercises/registry.h"

#include <array>
#include <cmath>

#include "util/parallel.h"

namespace kc::exercises {

namespace {

constexpr size_t kInputChunk = 1 << 16;

double bytes(const Sizes& s) { return 12.0 * static_cast<double>(s.at("n")); }
double flops(const Sizes& s) { return static_cast<double>(s.at("n")); }

}  // namespace

const Spec& vector_add_spec() {
    static const Spec spec{
        .name = "vector-add",
        .fields = {"n"},
        .vendor = "cuBLAS cublasSgeam",
        .bytes = bytes,
        .flops = flops,
        .example = {{"n", 1003}},
        .sweep_fields = {"n"},
        .sweep_factor = 4,
        .sweep_steps = 8,
    };
    return spec;
}

void vector_add_inputs(uint64_t seed, std::span<float> a, std::span<float> b) {
    static const auto scale = [] {
        std::array<float, 17> s{};
        for (int k = 0; k < 17; ++k) s[k] = std::ldexp(1.0f, k - 8);
        return s;
    }();
    // Each chunk has its own stream, so the inputs do not depend on the thread count.
    parallel_chunks(a.size(), kInputChunk, [&](size_t begin, size_t end, size_t chunk) {
        Rng r(seed ^ (0x9e3779b97f4a7c15ull * (chunk + 1)));
        for (size_t i = begin; i < end; ++i) {
            a[i] = r.uniform(-1.f, 1.f) * scale[r.next() % 17];
            b[i] = r.uniform(-1.f, 1.f) * scale[r.next() % 17];
        }
    });
}

void vector_add_truth(std::span<const float> a, std::span<const float> b, std::span<double> truth,
                      std::span<double> bound) {
    constexpr double u = 1.0 / 16777216.0;  // unit roundoff of fp32, 2^-24
    parallel_chunks(a.size(), kInputChunk, [&](size_t begin, size_t end, size_t) {
        for (size_t i = begin; i < end; ++i) {
            double x = a[i], y = b[i];
            truth[i] = x + y;
            bound[i] = 2.0 * u * (std::fabs(x) + std::fabs(y));
        }
    });
}

namespace {

class VectorAdd final : public FloatExercise {
public:
    const Spec& spec() const override { return vector_add_spec(); }
    std::vector<TensorSpec> inputs(const Sizes& s) const override {
        const auto n = static_cast<size_t>(s.at("n"));
        return {{"a", n}, {"b", n}};
    }
    TensorSpec output(const Sizes& s) const override { return {"out", static_cast<size_t>(s.at("n"))}; }
    std::vector<long long> output_shape(const Sizes& s) const override { return {s.at("n")}; }
    std::vector<Scalar> scalars(const Sizes& s) const override { return {Scalar::of(static_cast<int>(s.at("n")), "n")}; }
    void make_float_inputs(uint64_t seed, const Sizes&, std::vector<std::span<float>> in) const override {
        vector_add_inputs(seed, in[0], in[1]);
    }
    void float_truth(const Sizes&, std::vector<std::span<const float>> in, std::span<double> truth,
               std::span<double> bound) const override {
        vector_add_truth(in[0], in[1], truth, bound);
    }
    // Both inputs halved (exact in fp32): the sum halves exactly too.
    TimedTransform timed_transform(const Sizes&) const override {
        return {.kind = TimedTransform::kHalveAllInputs, .output_scale = 0.5};
    }
};

}  // namespace

const FloatExercise& vector_add_exercise() {
    static const VectorAdd ex;
    return ex;
}

KC_REGISTER_EXERCISE(vector_add_exercise());

}  // namespace kc::exercises
