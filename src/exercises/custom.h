// A custom exercise: one a learner declares in their own module's module.json
// ("exercise": "custom" and a "custom" block: sizes, tensors, scalars, input ranges, a bound)
// instead of one compiled into kernelcoach. Its float64 truth is the learner's own C++ function
// kc_reference() in reference.cpp, built into a shared library by the parent
// (engine/reference_build.h) and loaded by the worker (exercises/reference_library.h); the
// bound of every element is the declared |got - truth| <= abs + rel |truth|.
// The parent builds it without the function (it never computes truth); the worker with it.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "exercises/exercise.h"
#include "util/result.h"

namespace kc::exercises {

// kc_reference(sizes, inputs, outputs): `sizes` in the block's "fields" order, every "in"
// tensor widened to double (row-major, in "tensors" order), and every "out" tensor's float64
// truth to write (the same order). The ABI of reference.cpp (exercises/reference_library.h).
using ReferenceFn = void (*)(const long long* sizes, const double* const* inputs, double* const* outputs);

struct CustomTensor {
    std::string name;
    Role role = Role::kIn;             // in or out
    DType type = DType::F32;
    std::vector<std::string> shape;    // field names, outermost first; empty: one element
    double lo = -1, hi = 1;            // an input's uniform range (from "inputs")
};

struct CustomScalar {
    std::string name;
    bool is_float = false;
    std::string field;                 // the size it takes its value from; "" for a fixed value
    double value = 0;
};

struct CustomSpec {
    std::vector<std::string> fields;
    std::vector<CustomTensor> tensors;
    std::vector<CustomScalar> scalars;
    double abs = 0, rel = 0;           // the bound: abs + rel |truth|
    double bytes = 0, flops = 0;       // per element of the first output
};

// Parses module.json's "custom" block. An Error's message starts with the field inside the
// block and says what is wrong in words ("tensors[1].shape[0]: names 'k', which is not one of
// the fields (m, n)"); the manifest puts "module.json: custom." before it.
Result<CustomSpec> parse_custom(const nlohmann::json& block);
// The block again, as module.json writes it (the worker's request carries it).
nlohmann::json custom_json(const CustomSpec& spec);

class CustomExercise final : public Exercise {
public:
    // `reference` null: the parent's copy, which never computes truth (truth() throws).
    // `keep_alive` holds what `reference` lives in (the loaded library).
    explicit CustomExercise(CustomSpec spec, ReferenceFn reference = nullptr, std::shared_ptr<void> keep_alive = {});

    const CustomSpec& custom() const { return custom_; }
    const Spec& spec() const override { return spec_; }
    std::vector<TensorSpec> tensors(const Sizes& s) const override;
    std::vector<Scalar> scalars(const Sizes& s) const override;
    std::vector<long long> shape(const Sizes& s, const std::string& tensor) const override;
    void make_inputs(uint64_t seed, const Sizes& s, std::span<const HostTensor> seeded) const override;
    void truth(const Sizes& s, std::span<const HostTensor> seeded, std::span<const Expected> written) const override;
    TimedTransform timed_transform(const Sizes&) const override { return {TimedTransform::kFreshInputs}; }

private:
    CustomSpec custom_;
    Spec spec_;
    ReferenceFn reference_;
    std::shared_ptr<void> keep_alive_;
};

// The bound of one element: abs + rel |truth| (NaN and infinite truths get abs: the comparison
// wants those exactly).
double custom_bound(const CustomSpec& spec, double truth);

}  // namespace kc::exercises
