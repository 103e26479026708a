// Which hint fits a learner's kernel.cu now: the one for the first element that is still
// missing or that a compile error is about. A pure function of the starter, the file, the
// compiler's errors and hints.md.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "course/hints.h"

namespace kc::course {

struct CompileError {
    int line = 0;  // in kernel.cu, 1-based
    std::string message;
};

struct HintQuery {
    std::string starter;  // the pristine starter (the learner's own file when it is lost)
    std::string source;   // the learner's kernel.cu
    bool compiled = false;
    std::vector<CompileError> errors;  // the compiler's errors in kernel.cu, in its order
    std::string missing_kernel;        // the entry kernel's name, when compiling found no such kernel
};

struct HintChoice {
    const Hint* hint = nullptr;
    int todo = 0;    // the element it is for
    int error = -1;  // the index in errors of the first error about that element; -1: it is missing
};

// A file that does not compile gets the compile hint, and one that compiles the wrong-answer
// hint, of the first element (in TODO order) that is still missing or that an error is
// about, skipping elements that no hint of that kind covers. Nothing when there is none.
std::optional<HintChoice> choose_hint(const std::vector<Hint>& hints, const HintQuery& q);

}  // namespace kc::course
