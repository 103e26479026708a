// A module's worked examples (issue 14): `examples/NN-name.cu` in the module folder, a ladder
// from naive to optimised that `bench <id> --examples` times side by side and `dev check`
// expects to pass. A module with parts keeps each part's ladder in `examples/<part>/`.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "course/course.h"
#include "util/result.h"

namespace kc::course {

struct Example {
    std::string step;             // "03 smem-tile"
    std::filesystem::path path;   // absolute
    std::string rel;              // relative to the module folder: "examples/03-smem-tile.cu"
};

// "examples", or "examples/<part>" for a part.
std::string examples_rel_dir(const Module& m);
// "03-smem-tile.cu" -> "03 smem-tile": the number, then the rest of the name (less ".cu").
std::string step_name(const std::string& file_name);
// The `.cu` files directly in the module's examples folder, in file-name order. An error when
// the folder is missing or holds none: the module has no ladder to show.
Result<std::vector<Example>> examples(const Module& m);
// Whether the module (or part) has an examples folder at all.
bool has_examples(const Module& m);

}  // namespace kc::course
