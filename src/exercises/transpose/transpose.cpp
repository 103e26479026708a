// transpose: out = in^T in fp32, in rows x cols and out cols x rows, both row-major:
// out[c * rows + r] = in[r * cols + c]. A pure data movement (no flops): its speed of light is
// the copy's, 2 * 4 * rows * cols bytes. Every element is copied, so the check is exact, and
// the inputs are all distinct (the element's index in the fraction), so an element taken from
// the wrong place is always wrong.
#include <cmath>

#include "exercises/float_exercise.h"
#include "exercises/registry.h"
#include "util/parallel.h"

namespace kc::exercises {

namespace {

constexpr size_t kChunk = 1 << 16;

double bytes(const Sizes& s) { return 8.0 * static_cast<double>(s.at("rows")) * static_cast<double>(s.at("cols")); }
double flops(const Sizes&) { return 0; }

class Transpose final : public FloatExercise {
public:
    const Spec& spec() const override {
        static const Spec s{.name = "transpose",
                            .fields = {"rows", "cols"},
                            .vendor = "cuBLAS cublasSgeam (transpose)",
                            .bytes = bytes,
                            .flops = flops,
                            .example = {{"rows", 33}, {"cols", 65}},
                            .sweep_fields = {"rows", "cols"},
                            .sweep_factor = 2,
                            .sweep_steps = 6};
        return s;
    }
    std::vector<TensorSpec> inputs(const Sizes& s) const override {
        return {{"in", elements_of({s.at("rows"), s.at("cols")})}};
    }
    TensorSpec output(const Sizes& s) const override { return {"out", elements_of({s.at("rows"), s.at("cols")})}; }
    std::vector<long long> output_shape(const Sizes& s) const override { return {s.at("cols"), s.at("rows")}; }
    std::vector<Scalar> scalars(const Sizes& s) const override {
        return {Scalar::of(static_cast<int>(s.at("rows")), "rows"), Scalar::of(static_cast<int>(s.at("cols")), "cols")};
    }
    // in[i] = +-(1 + (i mod 2^23) 2^-23) 2^e with a random sign and exponent e in -8 .. 7: the
    // significand is the index, so every element of a matrix under 2^23 elements is distinct
    // (and past that the random sign and exponent still tell most apart): no wrong index hides.
    void make_float_inputs(uint64_t seed, const Sizes&, std::vector<std::span<float>> in) const override {
        const uint64_t stream = stream_of(seed, 0x7472616e73000001ull);
        auto x = in[0];
        parallel_chunks(x.size(), kChunk, [&](size_t begin, size_t end, size_t) {
            for (size_t i = begin; i < end; ++i) {
                const uint64_t b = bits_at(stream, i);
                const float mantissa = 1.f + static_cast<float>(i & 0x7fffff) * 0x1p-23f;
                x[i] = std::ldexp(mantissa, static_cast<int>(b % 16) - 8) * ((b >> 8) & 1 ? -1.f : 1.f);
            }
        });
    }
    void float_truth(const Sizes& s, std::vector<std::span<const float>> in, std::span<double> truth,
                     std::span<double> bound) const override {
        const auto rows = static_cast<size_t>(s.at("rows")), cols = static_cast<size_t>(s.at("cols"));
        auto x = in[0];
        parallel_chunks(cols, std::max<size_t>(1, kChunk / std::max<size_t>(rows, 1)), [&](size_t c0, size_t c1, size_t) {
            for (size_t c = c0; c < c1; ++c)
                for (size_t r = 0; r < rows; ++r) {
                    truth[c * rows + r] = x[r * cols + c];
                    bound[c * rows + r] = 0;
                }
        });
    }
    // Halving is exact in fp32 (the inputs are far from the denormals): the output halves.
    TimedTransform timed_transform(const Sizes&) const override {
        return {.kind = TimedTransform::kHalveAllInputs, .output_scale = 0.5};
    }
};

}  // namespace

KC_REGISTER_EXERCISE(instance<Transpose>());

}  // namespace kc::exercises
