// Every exercise registers itself, from its own file, with one line:
//
//     KC_REGISTER_EXERCISE(instance<VectorAdd>());
//
// so that adding an exercise edits no shared file (its vendor reference registers itself the
// same way on the worker's side: worker/vendor.h). CMake links each exercise's object file
// directly into the programs (an OBJECT library), so no linker drops an unreferenced one.
#pragma once

#include <string>
#include <vector>

#include "exercises/exercise.h"

namespace kc::exercises {

// Adds `ex` (which lives as long as the program); a second exercise of the same name is a
// programming error, reported by all()'s callers through duplicate_names().
void register_exercise(const Exercise& ex);

// Every registered exercise, by name.
const std::vector<const Exercise*>& all();
// The exercise of this name; nullptr for others.
const Exercise* find_exercise(const std::string& name);
// Names registered twice (empty unless two files claim one name; a test checks it).
std::vector<std::string> duplicate_names();

// The one instance of an exercise class, for KC_REGISTER_EXERCISE(instance<MyExercise>()).
template <class T>
const T& instance() {
    static const T ex;
    return ex;
}

}  // namespace kc::exercises

// Registers the exercise `expr` refers to (evaluated once, during static initialisation).
#define KC_REGISTER_EXERCISE(expr) \
    [[maybe_unused]] static const bool kc_exercise_registered_ = (::kc::exercises::register_exercise(expr), true)
