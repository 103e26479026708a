// Shared by the vendor references' CPU tests (simulated kernels) and GPU tests (the libraries):
// seeded inputs stored in a given type, and how far an output is from its bounded truth.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "reference/host/bounded.h"
#include "reference/host/dtype.h"

namespace kc::test {

// n values uniform in [lo, hi) from the seed, each rounded to `t` (what a device tensor of
// that type holds).
std::vector<float> random_values(uint64_t seed, size_t n, float lo, float hi, reference::DType t);

// The worst element of `got` against the truth: the largest |got - value| / bound (0 where
// both the error and the bound are 0, infinity where only the bound is), with its index.
struct Worst {
    double ratio = 0;
    size_t index = 0;
    double got = 0, want = 0, bound = 0;
    size_t over = 0;  // elements over their bound (NaN counts)
    std::string text() const;  // "element 12: 1.25 vs 1.2500001 (bound 3e-07), 0.33 of it; 0 over"
};
Worst worst_of(const reference::Bounded& truth, std::span<const float> got);
Worst worst_of(const reference::Bounded& truth, std::span<const double> got);

}  // namespace kc::test
