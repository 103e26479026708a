// A control's "diagnosis" (module.json): words that the report of a kernel that must fail has to
// contain, so that a planted bug is caught for the reason its lesson is about and not for another
// one (debugging/01's edge-clamp control must fail on the last row and column, not crash). `dev
// check` grades the control as before, then looks for the words in what its grade says about the
// failure. Pure: no GPU, no printing.
#pragma once

#include <string>

#include "engine/grader.h"

namespace kc::engine {

// What a grade says about what went wrong, in the report's own words, one line each: its summary,
// then every case that did not pass ("case 'square' (h=45, w=45): WRONG: 1980 of 2025 elements
// are wrong: <diagnosis>", with the case's message when it has one: a write past the end of a
// buffer, a crash; and, for an exercise that writes several tensors, what it makes of which are
// wrong: "; `m` and `v` are right and `p` is not: ..."), every compute-sanitizer finding, and the
// timed runs' failure. Nothing of the cases that passed, so a case's name is in it only when that
// case failed.
std::string failure_report(const Grade& g);

// "" when `report` contains `diagnosis` (exactly, as a substring), or an empty `diagnosis`;
// otherwise why the check fails, quoting the words and the start of the report.
std::string missing_diagnosis(const std::string& report, const std::string& diagnosis);

}  // namespace kc::engine
