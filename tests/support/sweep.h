// An exercise's Spec by name and one size across a sweep: for the tests of `bench --sizes`'
// sweeps, the general ones (tests/test_sweep.cpp) and each exercise's own (tests/exercises/).
#pragma once

#include <string>
#include <vector>

#include "exercises/spec.h"

namespace kc::test {

// The registered exercise's Spec; throws (failing the test) when there is none.
const exercises::Spec& spec_of(const std::string& name);

// The size `name` of every case of a sweep, in order.
std::vector<long long> field(const std::vector<exercises::Sizes>& sweep, const std::string& name);

}  // namespace kc::test
