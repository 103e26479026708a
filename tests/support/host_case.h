// One case of any registered exercise made on the host: its tensors' bytes, the seeded ones
// filled, the float64 truth and bound of every written one. Shared by the model's tests
// (tests/test_exercise_model.cpp) and the exercises' own (tests/exercises/).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "exercises/exercise.h"

namespace kc::test {

struct HostCase {
    std::vector<exercises::TensorSpec> specs;
    std::vector<std::vector<std::byte>> bytes;
    std::vector<exercises::HostTensor> seeded;
    std::vector<std::vector<double>> truth, bound;
    std::vector<exercises::Expected> expected;
};

// With `view`, its inputs are planted (Exercise::plant) before the truth, as the harness does.
HostCase host_case(const exercises::Exercise& ex, const exercises::Sizes& s, uint64_t seed,
                   const exercises::View& view = {});

}  // namespace kc::test
