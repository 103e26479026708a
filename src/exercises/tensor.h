// The host side of an exercise whose kernel reads float tensors and writes one float tensor:
// which tensors a case has, the kernel's scalar arguments, seeded inputs, float64 truth with a
// per-element error bound, and the exact transform that derives the timed run's fresh inputs.
// No CUDA here: everything is tested on the CPU. The GPU side (worker/tensor_harness.cpp) is
// one harness for every exercise that implements this.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "exercises/spec.h"
#include "grade/compare.h"
#include "grade/regime.h"

namespace kc::exercises {

struct TensorSpec {
    std::string name;   // as the kernel's parameter: "a", "x", "out"
    size_t elements;    // floats
};

// One scalar argument after the pointers: an int (a size) or a float (epsilon).
struct Scalar {
    bool is_float = false;
    int i = 0;
    float f = 0.f;
    static Scalar of(int v) { return {false, v, 0.f}; }
    static Scalar of(float v) { return {true, 0, v}; }
};

// How the timed run's inputs are made from the checked run's, exactly, so that its truth is
// the checked truth transformed the same exact way (no second float64 pass on the host).
struct TimedTransform {
    enum Kind {
        kHalveInput,       // input `input` times 0.5 (exact in fp32): truth and bound times 0.5
        kHalveAllInputs,   // every input times 0.5: truth and bound times `output_scale`
        kReverseRows,      // every input whose size is rows * row_length reverses its rows, as does the output
    } kind = kHalveInput;
    size_t input = 0;           // kHalveInput: which input
    double output_scale = 0.5;  // kHalveAllInputs: 0.5 for a sum, 0.25 for a product of two inputs
    size_t row_length = 0;      // kReverseRows: floats per row
};

class TensorExercise {
public:
    virtual ~TensorExercise() = default;
    virtual const Spec& spec() const = 0;
    // The inputs in the kernel's parameter order; the output is separate (it comes after them).
    virtual std::vector<TensorSpec> inputs(const Sizes& s) const = 0;
    virtual TensorSpec output(const Sizes& s) const = 0;
    // The output's shape for reports and heatmaps (outermost first), e.g. {m, n} or {n, k, p, q}.
    virtual std::vector<long long> shape(const Sizes& s) const = 0;
    // The scalar arguments after the pointers (after the output), in order.
    virtual std::vector<Scalar> scalars(const Sizes& s) const = 0;
    // Fills the inputs from a seed; the same seed gives the same inputs on every machine.
    virtual void make_inputs(uint64_t seed, const Sizes& s, std::vector<std::span<float>> in) const = 0;
    // float64 truth of every output element and the bound its error must stay within.
    virtual void truth(const Sizes& s, std::vector<std::span<const float>> in, std::span<double> truth,
                       std::span<double> bound) const = 0;
    virtual TimedTransform timed_transform(const Sizes& s) const = 0;
    // Which of the case's inputs the mismatches fall on, when the exercise knows its hard ones
    // (its row regimes, the padding, a k that no tile divides), with the likely cause and fix:
    // "only the rows with mean 1e4 (rows 1, 5, 9) are wrong: ...". "" when they single out none.
    // `case_seed` is the seed make_inputs() was given; `mismatch_mask` is compare()'s mask of
    // the checked output (the timed runs' reversed rows are not these rows).
    virtual std::string explain(const Sizes&, uint64_t /*case_seed*/,
                                std::span<const uint8_t> /*mismatch_mask*/) const {
        return {};
    }
};

// The diagnosis line of a wrong output of `ex`: its explain() when that has one, else
// grade::diagnose()'s pattern, told the case's launch.
std::string diagnose_case(const TensorExercise& ex, const Sizes& s, uint64_t case_seed,
                          const grade::Comparison& comparison, std::span<const uint8_t> mismatch_mask,
                          std::optional<grade::LaunchShape> launch);

// What `t` does to one input (of `elements` floats, the output having `output_elements`).
enum class InputTransform { kCopy, kHalve, kReverseRows };
InputTransform input_transform(const TimedTransform& t, size_t input, size_t elements, size_t output_elements);

// The checked run's truth and bound, transformed exactly as `t` transforms the inputs: what the
// timed runs' output is checked against (scaled, or with its rows reversed).
void transform_truth(const TimedTransform& t, size_t elements, std::span<const double> truth,
                     std::span<const double> bound, std::span<double> truth_out, std::span<double> bound_out);

// Every exercise, in course order: the one registry (exercises::find() reads it too).
const std::vector<const TensorExercise*>& tensor_exercises();
// The exercise with this spec name; nullptr for others.
const TensorExercise* find_tensor(const std::string& name);

// The most floats a tensor may have by default: INT_MAX, so a kernel's flat int index never
// overflows.
inline constexpr size_t kMaxTensorElements = 2147483647;

// Output elements of the case, or 0 when the case is refused: a size the spec names is missing,
// negative or above INT_MAX (the kernel takes ints), the sizes make no output (conv2d: the
// filter does not fit, stride < 1) or an empty one, or a tensor (an input or the output) has
// more than `limit` floats, overflow included. The other methods assume sizes it accepted.
size_t checked_elements(const TensorExercise& ex, const Sizes& s, size_t limit = kMaxTensorElements);

// ---- helpers for the implementations ----------------------------------------------------

// A product of sizes for TensorSpec::elements: SIZE_MAX when a size is negative or the product
// overflows, which checked_elements() then refuses.
size_t elements_of(std::initializer_list<long long> sizes);

// A tensor's own random stream, from the case's seed and a tag that names the tensor.
inline uint64_t stream_of(uint64_t seed, uint64_t tag) { return Rng(seed ^ tag).next(); }

// Element i of a stream: what the (i+1)-th call of Rng(stream).next() / .uniform() gives
// (splitmix64 is a counter hashed), so inputs made from it do not depend on how the work is
// split between threads.
inline Rng rng_at(uint64_t stream, uint64_t i) { return Rng(stream + i * 0x9e3779b97f4a7c15ull); }
inline uint64_t bits_at(uint64_t stream, uint64_t i) { return rng_at(stream, i).next(); }
inline float uniform_at(uint64_t stream, uint64_t i, float lo, float hi) { return rng_at(stream, i).uniform(lo, hi); }

// explain() for an exercise whose rows of `cols` elements have regimes: row r's regime is
// regime_of(r), an enum indexing `regimes`.
template <class RegimeOf>
std::string explain_rows(size_t rows, size_t cols, std::span<const uint8_t> mismatch_mask, RegimeOf regime_of,
                         std::span<const grade::Regime> regimes) {
    std::vector<uint8_t> labels(rows);
    for (size_t r = 0; r < rows; ++r) labels[r] = static_cast<uint8_t>(regime_of(r));
    return grade::explain_regimes(mismatch_mask, cols, labels, regimes, grade::Units::kRows);
}

}  // namespace kc::exercises
