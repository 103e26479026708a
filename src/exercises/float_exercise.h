// An exercise whose one kernel reads fp32 tensors and writes one fp32 tensor (the five of
// Track 1): it says its inputs and its output, and the general Exercise follows from them.
#pragma once

#include <span>
#include <vector>

#include "exercises/exercise.h"

namespace kc::exercises {

class FloatExercise : public Exercise {
public:
    // The inputs in the kernel's parameter order; the output comes after them.
    virtual std::vector<TensorSpec> inputs(const Sizes& s) const = 0;
    virtual TensorSpec output(const Sizes& s) const = 0;
    // The output's shape for reports and heatmaps (outermost first), e.g. {m, n} or {n, k, p, q}.
    virtual std::vector<long long> output_shape(const Sizes& s) const = 0;
    // Fills the inputs from a seed; the same seed gives the same inputs on every machine.
    virtual void make_float_inputs(uint64_t seed, const Sizes& s, std::vector<std::span<float>> in) const = 0;
    // float64 truth of every output element and the bound its error must stay within.
    virtual void float_truth(const Sizes& s, std::vector<std::span<const float>> in, std::span<double> truth,
                             std::span<double> bound) const = 0;
    // Exercise::explain() for the one output.
    virtual std::string explain_output(const Sizes&, uint64_t /*case_seed*/,
                                       std::span<const uint8_t> /*mismatch_mask*/) const {
        return {};
    }

    std::vector<TensorSpec> tensors(const Sizes& s) const final;  // the inputs (in), then the output (out)
    std::vector<long long> shape(const Sizes& s, const std::string&) const final { return output_shape(s); }
    void make_inputs(uint64_t seed, const Sizes& s, std::span<const HostTensor> seeded) const final;
    void truth(const Sizes& s, std::span<const HostTensor> seeded, std::span<const Expected> written) const final;
    std::string explain(const Sizes& s, uint64_t case_seed, const std::string&,
                        std::span<const uint8_t> mismatch_mask) const final {
        return explain_output(s, case_seed, mismatch_mask);
    }
};

}  // namespace kc::exercises
