// Course integrity for authors (`kernelcoach dev check`): every manifest valid, every starter
// gets its declared verdict, every solution and worked example passes, every control gets its declared verdict,
// hints are present, the missing-element count agrees everywhere, no stray files.
#pragma once

#include <string>
#include <vector>

#include "course/course.h"
#include "engine/grader.h"

namespace kc::engine {

struct DevCheckItem {
    enum class Status { Pass, Fail, Skip };
    std::string module;   // "missing-elements/01"
    std::string what;     // "starter", "solution", "control controls/x.cu", "hints", ...
    std::string expected;
    std::string got;
    Status status = Status::Pass;
    std::string detail;   // why it failed or was skipped
};

// Checks that need no compiler: TODO(N) markers against the manifest and the README, hints,
// stray files. Pure file reading; testable anywhere. For a module without parts, both of:
std::vector<DevCheckItem> static_checks(const course::Module& m);
// The checks of one entry's own files (a module, or a part): TODO(N) markers against the
// manifest and the README, starter_hash, a hint for every TODO.
std::vector<DevCheckItem> unit_checks(const course::Module& m);
// The checks of a module folder, given all its entries (one, or every part): README.md and
// hints.md there, and no stray files (every entry's file, solution and controls are expected).
std::vector<DevCheckItem> folder_checks(const std::vector<const course::Module*>& units);

// The distinct N of every `TODO(N)` in a starter.
std::vector<int> todo_numbers(const std::string& source);
// The count a README states as "N missing elements" (the first such phrase), or -1.
int stated_missing_elements(const std::string& readme);
// The figures a README shows from its own folder: the targets of its image links that are plain
// file names ending in .svg (`![...](figure-tiling.svg)`), drawn by tools/figures. A module
// folder may hold these and no other picture.
std::vector<std::string> readme_figures(const std::string& readme);

// Whether a starter or control expected to get `expect` is graded with timing: when its
// manifest entry asks (`asked`, a control's "timed"), when it must be TOO_SLOW, and always in a
// module with a speed gate ("pass"): a pass is one only once the gate has seen its timing, and a
// vs_variant gate's variant can make it COMPILE_ERROR or WRONG.
bool graded_with_timing(const course::Manifest& m, const std::string& expect, bool asked);

// Grades the starter, the solution, every control (and looks for a control's "diagnosis" in
// its report: engine/control_diagnosis.h) and every worked example (examples/*.cu,
// expected to pass, untimed: a ladder's first steps are slow on purpose) with the graders given (one that times,
// for solutions and graded_with_timing(); one that does not, for the rest). Without a GPU, what compiled but could not
// run is a Skip; a kernel that should fail to compile but compiles is a Fail anywhere.
std::vector<DevCheckItem> graded_checks(const course::Module& m, Grader& timed, Grader& untimed);

}  // namespace kc::engine
