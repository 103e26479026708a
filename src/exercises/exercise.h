// The host side of an exercise, whatever its tensors: their names, roles and element types, the
// kernels a case launches and their arguments, seeded inputs, float64 truth with a per-element
// bound for every tensor the kernels write, and how the timed run's inputs are made. No CUDA
// here: everything is tested on the CPU. The GPU side (worker/tensor_harness.cpp) is one
// harness for every exercise; an exercise registers itself (exercises/registry.h).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "exercises/dtype.h"
#include "exercises/spec.h"
#include "exercises/view.h"
#include "grade/compare.h"
#include "grade/regime.h"

namespace kc::exercises {

// What the kernels do with a tensor.
enum class Role : uint8_t {
    kIn,       // read only: filled from the seed, checked unchanged after every run
    kOut,      // written: filled with the sentinel (then with finite garbage), checked
    kInOut,    // updated in place (an optimizer step): filled from the seed, restored from a
               // pristine copy before every checked run and every timed sample, checked
    kScratch,  // the kernels' own workspace, never checked: zeroed or garbage before every run
};
const char* name_of(Role r);  // "in", "out", "inout", "scratch"

struct TensorSpec {
    std::string name;     // as the kernel's parameter: "a", "x", "out"
    size_t elements = 0;  // of `type`; a scratch tensor with 0 is sized by the kernel file (below)
    Role role = Role::kIn;
    DType type = DType::F32;
    bool zeroed = false;  // scratch: zeroed before every launch of the plan (atomics need it)

    bool written() const { return role == Role::kOut || role == Role::kInOut; }
    bool seeded() const { return role == Role::kIn || role == Role::kInOut; }
    size_t bytes() const { return elements * size_of(type); }
};
// The learner's kernel.cu sizes scratch tensor `t` whose elements are 0 with
// `constexpr long long <t>_elements(Problem p)`, evaluated at compile time like launch().
std::string scratch_function(const std::string& tensor);

// One scalar argument: an int (a size) or a float (epsilon, a learning rate).
struct Scalar {
    bool is_float = false;
    int i = 0;
    float f = 0.f;
    std::string name;  // the kernel parameter's name, by which a launch plan's step takes it
    static Scalar of(int v, std::string name = {}) { return {false, v, 0.f, std::move(name)}; }
    static Scalar of(float v, std::string name = {}) { return {true, 0, v, std::move(name)}; }
};

// One launch of a case's plan: the arguments of the module's kernel at this position (its
// `kernels[i]`), by name: tensors and scalars.
struct Step {
    std::vector<std::string> args;
};

// One tensor's host bytes.
struct HostTensor {
    const TensorSpec* spec = nullptr;
    std::span<std::byte> bytes;
    template <class T>
    std::span<T> as() const {
        return {reinterpret_cast<T*>(bytes.data()), bytes.size() / sizeof(T)};
    }
};

// What one written tensor must hold: float64 truth and the bound of each element's error.
struct Expected {
    std::span<double> truth, bound;
};

// How the timed run's inputs are made from the checked run's: exactly, so that its truth is the
// checked truth transformed the same way (no second float64 pass on the host), or afresh.
struct TimedTransform {
    enum Kind {
        kHalveInput,       // input `input` times 0.5 (exact in fp32): truth and bound times 0.5
        kHalveAllInputs,   // every input times 0.5: truth and bound times `output_scale`
        kReverseRows,      // every input whose size is rows * row_length reverses its rows, as does the output
        kFreshInputs,      // inputs drawn from another seed, truth computed again (any types)
    } kind = kHalveInput;
    size_t input = 0;           // kHalveInput: which input
    double output_scale = 0.5;  // kHalveAllInputs: 0.5 for a sum, 0.25 for a product of two inputs
    size_t row_length = 0;      // kReverseRows: elements per row
};

class Exercise {
public:
    virtual ~Exercise() = default;
    virtual const Spec& spec() const = 0;
    // Every tensor of a case. A one-kernel exercise's kernel takes them in this order, then the
    // scalars.
    virtual std::vector<TensorSpec> tensors(const Sizes& s) const = 0;
    virtual std::vector<Scalar> scalars(const Sizes& s) const = 0;
    // The launches of a case, in order; the module names a kernel for each. By default one:
    // every tensor, then every scalar.
    virtual std::vector<Step> plan(const Sizes& s) const;
    // A written tensor's shape for reports and heatmaps (outermost first): {m, n}.
    virtual std::vector<long long> shape(const Sizes& s, const std::string& tensor) const = 0;
    // Fills the seeded tensors (in and inout), in tensors() order, from a seed: the same seed
    // gives the same bytes on every machine.
    virtual void make_inputs(uint64_t seed, const Sizes& s, std::span<const HostTensor> seeded) const = 0;
    // float64 truth and bound of every written tensor (out and inout, in tensors() order), from
    // the seeded tensors as make_inputs() left them.
    virtual void truth(const Sizes& s, std::span<const HostTensor> seeded, std::span<const Expected> written) const = 0;
    virtual TimedTransform timed_transform(const Sizes& s) const = 0;
    // Applies a case's input view to the seeded tensors make_inputs() filled, before the truth
    // is computed from them (view.h). The default plants NaN, +Inf and -Inf at seeded places of
    // every fp32 input when `v.nonfinite` (plant_nonfinite); an exercise with index inputs
    // overrides it for `v.bad_indices`. `v.offset` is the harness's, not the inputs'.
    virtual void plant(const View& v, uint64_t seed, const Sizes& s, std::span<const HostTensor> seeded) const;
    // Which of the case's inputs the mismatches of written tensor `tensor` fall on, when the
    // exercise knows its hard ones (its row regimes, the padding, a k that no tile divides),
    // with the likely cause and fix: "only the rows with mean 1e4 (rows 1, 5, 9) are wrong:
    // ...". "" when they single out none. `case_seed` is make_inputs()'s seed.
    virtual std::string explain(const Sizes&, uint64_t /*case_seed*/, const std::string& /*tensor*/,
                                std::span<const uint8_t> /*mismatch_mask*/) const {
        return {};
    }
    // What it means when, of the written tensors of a case, `wrong` miss their truth and `right`
    // match it (an optimizer step that writes p, m and v: "`m` and `v` are right and `p` is not,
    // so the update is wrong: ..."), said once per failing case after each tensor's diagnosis; ""
    // when the pattern says nothing (the default; an exercise with one written tensor has none).
    virtual std::string explain_written(const Sizes&, const std::vector<std::string>& /*wrong*/,
                                        const std::vector<std::string>& /*right*/) const {
        return {};
    }
};

// What one argument of a step is: a tensor (its index in tensors()) or a scalar (its index in
// scalars()); both -1 when the name is neither.
struct ArgRef {
    int tensor = -1, scalar = -1;
};
// Every step's arguments, resolved by name: the one reading of a plan (parameters(),
// check_declarations() and the worker's argument arrays).
std::vector<std::vector<ArgRef>> resolve_plan(const std::vector<TensorSpec>& tensors,
                                              const std::vector<Scalar>& scalars, const std::vector<Step>& plan);

// The kernel parameter list of step `step` ("const float* a, const float* b, float* out, int n"):
// a pointer to const for inputs, to mutable for the others, then the scalars.
std::string parameters(const Exercise& ex, const Sizes& s, size_t step = 0);

// Why the exercise's declarations do not hold together ("step 1 names `partial`, which is no
// tensor or scalar"), or "" when they do; checked for every exercise by a test.
std::string check_declarations(const Exercise& ex, const Sizes& s);

// The diagnosis line of a wrong written tensor: the exercise's explain() when that has one, else
// grade::diagnose()'s pattern, told the case's first launch.
std::string diagnose_case(const Exercise& ex, const Sizes& s, uint64_t case_seed, const std::string& tensor,
                          const grade::Comparison& comparison, std::span<const uint8_t> mismatch_mask,
                          std::optional<grade::LaunchShape> launch);

// explain_written() of a case, from each written tensor's name and whether it matched its truth
// (in any order); "" when every one matched.
std::string explain_written_tensors(const Exercise& ex, const Sizes& s,
                                    std::span<const std::pair<std::string, bool>> matched);

// The most elements a scratch tensor may have: INT_MAX, so a kernel's flat int index never
// overflows (an exercise's own tensors: Spec::max_elements).
inline constexpr size_t kMaxTensorElements = 2147483647;

// Elements of the first written tensor, or nullopt when the case is refused: a size the spec
// names is missing, negative, 0 (unless Spec::zero_ok lists it) or above INT_MAX (the kernel takes ints), a written tensor's shape
// has a dimension below 1 (conv2d: the filter does not fit; 0 is allowed where Spec::empty_ok),
// or a tensor has more than Spec::max_elements elements, overflow included. The other methods
// assume sizes it accepted.
std::optional<size_t> checked_elements(const Exercise& ex, const Sizes& s);

// A product of sizes for TensorSpec::elements: SIZE_MAX when a size is negative or the product
// overflows, which checked_elements() then refuses.
size_t elements_of(std::initializer_list<long long> sizes);

// What `t` does to seeded tensor `input` (of `elements`, the first written one having
// `output_elements`).
enum class InputTransform { kCopy, kHalve, kReverseRows };
InputTransform input_transform(const TimedTransform& t, size_t input, size_t elements, size_t output_elements);

// The checked run's truth and bound, transformed exactly as `t` transforms the inputs: what the
// timed runs' output is checked against (scaled, or with its rows reversed). Not for kFreshInputs.
void transform_truth(const TimedTransform& t, size_t elements, std::span<const double> truth,
                     std::span<const double> bound, std::span<double> truth_out, std::span<double> bound_out);

// The seed of the timed run's fresh inputs (kFreshInputs), from the checked case's.
inline uint64_t fresh_seed(uint64_t case_seed) { return case_seed ^ 0x5bd1e9955bd1e995ull; }

// ---- helpers for the implementations ----------------------------------------------------

// A tensor's own random stream, from the case's seed and a tag that names the tensor.
inline uint64_t stream_of(uint64_t seed, uint64_t tag) { return Rng(seed ^ tag).next(); }

// Element i of a stream: what the (i+1)-th call of Rng(stream).next() / .uniform() gives
// (splitmix64 is a counter hashed), so inputs made from it do not depend on how the work is
// split between threads.
inline Rng rng_at(uint64_t stream, uint64_t i) { return Rng(stream + i * 0x9e3779b97f4a7c15ull); }
inline uint64_t bits_at(uint64_t stream, uint64_t i) { return rng_at(stream, i).next(); }
inline float uniform_at(uint64_t stream, uint64_t i, float lo, float hi) { return rng_at(stream, i).uniform(lo, hi); }

// The integers +-1 .. +-8 with random signs, from a tensor's stream: never 0 (a dropped element
// always changes a sum), and every partial sum of fewer than 2^21 of them exact in fp32, in any
// order (device-sum, sum-reduce, row-sum).
void fill_small_integers(std::span<float> x, uint64_t stream);

// x[i] = uniform_at(stream, i, lo, hi): the same values whatever the thread count.
void fill_uniform(std::span<float> x, uint64_t stream, float lo, float hi);

// NaN, +Inf and -Inf in turn: the k-th value a nonfinite view plants.
float nonfinite_value(size_t k);
// nonfinite_value(0, 1, ...) at max(3, size / 1024) places of `x` drawn from `stream`.
void plant_nonfinite(std::span<float> x, uint64_t stream);

// A case's seeded inputs as the grader makes them: make_inputs(), then plant() of its view.
void make_case_inputs(const Exercise& ex, uint64_t seed, const Sizes& s, const View& view,
                      std::span<const HostTensor> seeded);

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
