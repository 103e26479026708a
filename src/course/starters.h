// Pristine starters, for `kernelcoach reset`. A module's manifest carries the hash of its
// untouched kernel.cu (a part's, of its <part>.cu); whenever kernelcoach sees the file with that
// hash and has no copy yet, it keeps one in .kernelcoach/starters/. tools/bootstrap (the first
// command on a fresh clone) grades every module, so the copies exist before the learner edits
// anything.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "course/course.h"
#include "util/result.h"

namespace kc::course {

std::filesystem::path starter_copy_path(const Course& c, const Module& m);

// Whether the module's kernel.cu is its untouched starter (the hash its manifest names).
bool is_untouched(const Module& m);

// Saves a copy of every untouched starter that has none yet. Returns how many were saved.
Result<int> remember_starters(const Course& c);

// The pristine starter: the saved copy, or kernel.cu itself while it is untouched.
std::optional<std::string> pristine_starter(const Course& c, const Module& m);

}  // namespace kc::course
