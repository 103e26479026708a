// What the worker says of a simulated kernel's output when it is wrong: the comparison and the
// case's diagnosis line (exercises::diagnose_case), for the explain tests of every exercise
// (tests/exercises/) and the report lines of issue 11's examples (tests/test_explain.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "grade/compare.h"
#include "support/tensor_case.h"

namespace kc::test::explain {

using CaseRun = TensorCase;

inline constexpr uint64_t kRunSeed = 1;  // as `kernelcoach run --seed 1`; case indices from module 04's manifest

struct Checked {
    grade::Comparison comparison;
    std::string diagnosis;
};

// What the worker's check_output says of `got`: the comparison and diagnose_case()'s line.
Checked check(const CaseRun& r, const std::vector<float>& got, std::optional<grade::LaunchShape> launch = {});

// "rows 1, 5 and 9", "rows 1, 5, 9 and 5 more": where `regime` stands among the rows of a case,
// as explain_regimes lists them.
template <class Regime, class RegimeOf>
std::string rows_of(size_t rows, Regime regime, RegimeOf regime_of) {
    std::vector<size_t> at;
    for (size_t r = 0; r < rows; ++r)
        if (regime_of(r) == regime) at.push_back(r);
    if (at.size() == 1) return fmt::format("row {}", at[0]);
    if (at.size() <= 3) return fmt::format("rows {} and {}", fmt::join(at.begin(), at.end() - 1, ", "), at.back());
    return fmt::format("rows {}, {}, {} and {} more", at[0], at[1], at[2], at.size() - 3);
}

}  // namespace kc::test::explain
