#include "support/tensor_case.h"

#include <cmath>
#include <span>

namespace kc::test {

std::vector<std::vector<float>> make_inputs(const exercises::FloatExercise& ex, const exercises::Sizes& s,
                                            uint64_t seed) {
    std::vector<std::vector<float>> in;
    for (const auto& t : ex.inputs(s)) in.emplace_back(t.elements);
    std::vector<std::span<float>> spans(in.begin(), in.end());
    ex.make_float_inputs(seed, s, spans);
    return in;
}

TensorCase make_run(const exercises::FloatExercise& ex, const exercises::Sizes& s, uint64_t seed) {
    TensorCase r;
    r.ex = &ex;
    r.sizes = s;
    r.seed = seed;
    const size_t n = ex.output(s).elements;
    r.in = make_inputs(ex, s, seed);
    r.truth.assign(n, std::nan(""));
    r.bound.assign(n, std::nan(""));
    std::vector<std::span<const float>> cin(r.in.begin(), r.in.end());
    ex.float_truth(s, cin, r.truth, r.bound);
    r.shape = ex.output_shape(s);
    return r;
}

}  // namespace kc::test
