// One case of an fp32 exercise (exercises/float_exercise.h: Track 1's) made on the host, as the
// GPU harness makes it: seeded inputs, float64 truth and bounds, the output's shape. Shared by
// the tests that simulate kernels on the CPU. Any exercise's case: support/host_case.h.
#pragma once

#include <cstdint>
#include <vector>

#include "exercises/float_exercise.h"

namespace kc::test {

struct TensorCase {
    const exercises::FloatExercise* ex = nullptr;
    exercises::Sizes sizes;
    uint64_t seed = 0;
    std::vector<std::vector<float>> in;
    std::vector<double> truth, bound;
    std::vector<long long> shape;

    size_t elements() const { return truth.size(); }
};

// The exercise's inputs for these sizes and seed.
std::vector<std::vector<float>> make_inputs(const exercises::FloatExercise& ex, const exercises::Sizes& s,
                                            uint64_t seed);

// The case with its inputs, truth (NaN where the exercise left it unset) and shape.
TensorCase make_run(const exercises::FloatExercise& ex, const exercises::Sizes& s, uint64_t seed);

}  // namespace kc::test
