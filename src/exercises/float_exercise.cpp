#include "exercises/float_exercise.h"

namespace kc::exercises {

std::vector<TensorSpec> FloatExercise::tensors(const Sizes& s) const {
    std::vector<TensorSpec> all = inputs(s);
    for (auto& t : all) t.role = Role::kIn;
    TensorSpec out = output(s);
    out.role = Role::kOut;
    all.push_back(std::move(out));
    return all;
}

void FloatExercise::make_inputs(uint64_t seed, const Sizes& s, std::span<const HostTensor> seeded) const {
    std::vector<std::span<float>> in;
    for (const auto& t : seeded) in.push_back(t.as<float>());
    make_float_inputs(seed, s, in);
}

void FloatExercise::truth(const Sizes& s, std::span<const HostTensor> seeded, std::span<const Expected> written) const {
    std::vector<std::span<const float>> in;
    for (const auto& t : seeded) in.push_back(t.as<float>());
    float_truth(s, in, written[0].truth, written[0].bound);
}

}  // namespace kc::exercises
