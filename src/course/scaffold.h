// `kernelcoach new <name> [--from <id>]`: the files of a learner's own module under
// tracks/portfolio/module-NN-<name>/, made here as text (pure; the CLI writes them). Without
// --from it is a worked example, complete and correct: a fused bias + ReLU over an m x n matrix
// (y = max(x + b[col], 0)), with its custom block, an empty kernel to fill, reference.cpp (its
// float64 truth), a solution and a control that must fail. With --from, the kernel file of an
// existing module is the starting point, and the custom block is derived from its exercise.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "course/course.h"
#include "exercises/custom.h"
#include "util/result.h"

namespace kc::course {

struct ScaffoldFile {
    std::string path;  // inside the module folder: "kernel.cu", "solution/kernel.cu"
    std::string text;
};

struct Scaffold {
    std::string folder;   // "module-01-bias-relu"
    std::string rel_dir;  // "tracks/portfolio/module-01-bias-relu"
    std::string id;       // "portfolio/01"
    std::vector<ScaffoldFile> files;
};

// Why `name` cannot name a new module, in words; "" when it can: lowercase letters, digits and
// '-', starting with a letter or a digit, at most 40 characters.
std::string module_name_problem(const std::string& name);

// The entry kernel's name for a module name: '-' becomes '_', and one that starts with a digit
// gets "k_" ("3d-blur" is k_3d_blur).
std::string kernel_name_for(const std::string& name);

// The number of a new portfolio module, given the module folders already in tracks/portfolio/
// ("module-01-x"): one more than the highest (1 for the first); nullopt past 99.
std::optional<int> next_module_number(const std::vector<std::string>& folders);

// An existing module whose kernel file starts a new one (--from).
struct StartingPoint {
    const Module* module = nullptr;
    std::string kernel;    // the text of its kernel file (the learner's, as it is now)
    std::string solution;  // its reference solution ("" when it has none)
    std::string reference; // a module of one's own: its reference.cpp, copied too
};

// The custom block that describes `m`'s exercise, so that its kernel file's signature and
// Problem fit a custom module: one kernel taking every tensor and then every scalar, fp32
// tensors read (in) or written (out), each of a size that is a product of the case's sizes,
// scalars that equal a size or never change. Otherwise an Error that says which rule the
// exercise breaks, in words. Ranges are [-1, 1), the bound abs 1e-6 + rel 1e-5 (to be set from
// the operation's error analysis), bytes and flops per output element those of its timed case.
Result<exercises::CustomSpec> derive_custom(const Module& m);

// The files of the new module `name`, number `number`: the worked example, or from `from`.
Result<Scaffold> make_scaffold(const std::string& name, int number, const StartingPoint* from = nullptr);

// The module folders of tracks/portfolio/ under `root` (none when it does not exist yet).
std::vector<std::string> portfolio_folders(const std::filesystem::path& root);

// Why no module named `name` can be added under `root`, in words ("" when one can): a bad name,
// or a portfolio module of that name already there (whatever its number).
std::string new_module_problem(const std::filesystem::path& root, const std::string& name);

// Writes the scaffold's files under `root`: into a hidden folder beside its place, then renamed
// there at once, so that a failure leaves no half-made module; an existing folder is never
// replaced.
Status write_scaffold(const std::filesystem::path& root, const Scaffold& s);

}  // namespace kc::course
