// glu (mastery/01): a gated linear unit over the last dimension, in one kernel
//     glu(const float* x, float* y, int rows, int cols)
//     y[r][c] = x[r][c] * sigmoid(x[r][cols + c])      x is rows x (2 cols), y rows x cols
// The first half of each row is the value, the second the gate. Both are uniform in [-6, 6).
// The bound is activation.h's sigmoid_product_bound: fast-math exp allowed.
#include "exercises/activation.h"
#include "exercises/float_exercise.h"
#include "exercises/registry.h"

namespace kc::exercises {

namespace {

constexpr uint64_t kTagX = 0x676c750000000001ull;

double bytes(const Sizes& s) { return 12.0 * static_cast<double>(s.at("rows")) * static_cast<double>(s.at("cols")); }
double flops(const Sizes& s) { return 4.0 * static_cast<double>(s.at("rows")) * static_cast<double>(s.at("cols")); }

class Glu final : public FloatExercise {
public:
    const Spec& spec() const override {
        static const Spec s{.name = "glu",
                            .fields = {"rows", "cols"},
                            .vendor = "",
                            .bytes = bytes,
                            .flops = flops,
                            .example = {{"rows", 7}, {"cols", 133}},
                            .sweep_fields = {"rows"},
                            .sweep_factor = 4,
                            .sweep_steps = 6};
        return s;
    }
    std::vector<TensorSpec> inputs(const Sizes& s) const override {
        return {{"x", elements_of({s.at("rows"), 2 * s.at("cols")})}};
    }
    TensorSpec output(const Sizes& s) const override { return {"y", elements_of({s.at("rows"), s.at("cols")})}; }
    std::vector<long long> output_shape(const Sizes& s) const override { return {s.at("rows"), s.at("cols")}; }
    std::vector<Scalar> scalars(const Sizes& s) const override {
        return {Scalar::of(static_cast<int>(s.at("rows")), "rows"), Scalar::of(static_cast<int>(s.at("cols")), "cols")};
    }
    void make_float_inputs(uint64_t seed, const Sizes&, std::vector<std::span<float>> in) const override {
        fill_uniform(in[0], stream_of(seed, kTagX), -6.f, 6.f);
    }
    void float_truth(const Sizes& s, std::vector<std::span<const float>> in, std::span<double> truth,
                     std::span<double> bound) const override {
        const auto cols = static_cast<size_t>(s.at("cols"));
        parallel_chunks(truth.size(), 1 << 16, [&](size_t begin, size_t end, size_t) {
            for (size_t i = begin; i < end; ++i) {
                const size_t r = i / cols, c = i % cols;
                const double a = in[0][r * 2 * cols + c], b = in[0][r * 2 * cols + cols + c];
                truth[i] = a * sigmoid(b);
                bound[i] = sigmoid_product_bound(truth[i], b);
            }
        });
    }
    TimedTransform timed_transform(const Sizes&) const override { return {.kind = TimedTransform::kFreshInputs}; }
};

}  // namespace

KC_REGISTER_EXERCISE(instance<Glu>());

}  // namespace kc::exercises
