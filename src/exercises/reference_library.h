// The ABI of a custom exercise's reference.cpp, and the loaded library it is built into.
// The parent builds the library (engine/reference_build.h) and never loads it: loading runs the
// learner's host code (its static initialisers), so only the worker does, by path, the way it
// runs the learner's kernel.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "exercises/custom.h"
#include "util/result.h"

namespace kc::exercises {

// The header every reference.cpp is compiled with (`-include`; an #include of it is harmless):
// kc_reference()'s declaration, the ABI's version, and a reference to kc_reference that makes a
// file without it fail to link ("defines no kc_reference").
inline constexpr const char* kReferenceHeaderName = "kernelcoach_reference.h";
inline constexpr int kReferenceAbi = 1;
const std::string& reference_header();

// A loaded reference library (dlopen, RTLD_NOW | RTLD_LOCAL); closed when the last owner goes.
class ReferenceLibrary {
public:
    // An Error names the file and says what is wrong in words: it cannot be loaded (the loader's
    // message), it has no kc_reference, or it was built against another ABI version.
    static Result<std::shared_ptr<ReferenceLibrary>> open(const std::filesystem::path& path);
    ReferenceLibrary(const ReferenceLibrary&) = delete;
    ReferenceLibrary& operator=(const ReferenceLibrary&) = delete;
    ~ReferenceLibrary();
    ReferenceFn function() const { return fn_; }

private:
    ReferenceLibrary() = default;
    void* handle_ = nullptr;
    ReferenceFn fn_ = nullptr;
};

// The custom exercise of `spec` with its truth from the library at `path`.
Result<std::unique_ptr<CustomExercise>> load_custom_exercise(const CustomSpec& spec, const std::filesystem::path& path);

}  // namespace kc::exercises
