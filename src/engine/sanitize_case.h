// Which case compute-sanitizer runs on. The tools slow a kernel down 10-100x, so each runs one
// case, chosen here by pure functions of the manifest's cases and the exercise's tensor sizes.
#pragma once

#include <cstddef>
#include <vector>

#include "course/manifest.h"
#include "wire/protocol.h"
#include "exercises/exercise.h"

namespace kc::engine {

// A case is small when it has at most 2^16 output elements and 2^20 elements in all its tensors;
// cases are ordered by output elements, then (a tie, as among a sum's one-element outputs) by
// all their elements.
//
// The case for racecheck and --sanitize: the first failing case when it has at most 2^20 output
// elements, since it shows the bug best; else the largest small case, never the timed one; else
// the smallest.
size_t sanitize_case(const exercises::Exercise& ex, const std::vector<course::Case>& cases,
                     const std::vector<wire::CaseResult>& results);

// The case `run --debug` launches when none is named: the smallest failing case (the least to
// read, and the fewest threads to print from); the smallest case when every case passed.
size_t debug_case(const exercises::Exercise& ex, const std::vector<course::Case>& cases,
                  const std::vector<wire::CaseResult>& results);

// The case memcheck runs on for every kernel that passes the plain runs: a small ragged one, in
// which some tensor's size is not a whole number of float4s, so that a vector access of the last
// partial group crosses the end of its buffer (and memcheck, with every buffer allocated at its
// exact size, reports it). The largest small ragged case that is not timed; else the smallest
// ragged case; else the smallest case.
size_t memcheck_case(const exercises::Exercise& ex, const std::vector<course::Case>& cases);

// Whether some tensor of the case is not a whole number of 16-byte vectors (for fp32: a number
// of floats that is not a multiple of 4).
bool ragged(const exercises::Exercise& ex, const exercises::Sizes& sizes);

}  // namespace kc::engine
