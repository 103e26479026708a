// The learner's own files that a compilation reads, for the cache key. NVRTC (13.0) cannot
// list the files it read, so kernelcoach follows the quoted includes itself, the way NVRTC
// resolves them: `#include "x"` from the including file's folder, then the include paths.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace kc::compile {

struct IncludedFile {
    std::filesystem::path path;  // as found: the including file's folder / the name
    std::string text;
};

struct LocalIncludes {
    std::vector<IncludedFile> files;  // each once
    // False when an include cannot be followed without preprocessing (`#include MACRO`): such
    // a compilation is not looked up in the cache.
    bool complete = true;
};

// Follows the quoted includes (and `__has_include("x")`) of `text`, a file in `dir`, and of
// every file they reach in `dir`'s tree or elsewhere on disk. Names in `in_memory` (NVRTC's
// in-memory headers, which win over files) and files inside `toolkit_dirs` (the NVRTC version
// and the include options already stand for those) are not followed. A quoted include found
// in neither place is left out: if it appears later, the files read change, and so does the key.
// Conditional compilation is not evaluated: an include in `#if 0` counts too (a key may change
// more often than needed, never less).
LocalIncludes local_includes(const std::string& text, const std::filesystem::path& dir,
                             const std::vector<std::string>& in_memory,
                             const std::vector<std::filesystem::path>& toolkit_dirs);

}  // namespace kc::compile
