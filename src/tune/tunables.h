// The tunables of a kernel file: macros with a default (`#ifndef NAME` / `#define NAME default`)
// and candidate values, from the file's `// tune: NAME=16,32,64` lines and module.json's
// "tune"; and the variants to try, the cartesian product of those values. Pure: no files.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "util/result.h"

namespace kc::tune {

struct Tunable {
    std::string name;
    std::string default_text;        // what the file's `#define NAME` says: "(4 * kc::device.sm_count)"
    int define_line = 0;             // 1-based line of that #define
    std::vector<std::string> values; // the candidates, in order, each once
};

// module.json's "tune": candidate values by macro name.
using Declared = std::vector<std::pair<std::string, std::vector<std::string>>>;

// Every tunable of `source`, in the order the file first names them. The candidates are the
// union of the file's `// tune:` lines (the learner's) and `declared` (the course's): the file's
// values first, then the course's it lacks. A name on a `// tune:` line or in `declared` without
// `#ifndef NAME` + `#define NAME <default>` in the file, a malformed line, or a value that is not
// an integer or a name is an Error naming the line ("kernel.cu:3: ..."). `file` names the file in
// errors. No tunables at all is an Error that says how to declare one.
Result<std::vector<Tunable>> find_tunables(const std::string& source, const Declared& declared,
                                           const std::string& file = "kernel.cu");

// One build of the file: the -D values it is compiled with (empty: the file's own defaults).
struct Variant {
    std::vector<std::pair<std::string, std::string>> defines;  // in tunable order

    bool is_default() const { return defines.empty(); }
    // "BM=64 BN=128", or "defaults" for the file's own.
    std::string label() const;
    // "-DBM=64", ... for compile::Request::extra_options.
    std::vector<std::string> options() const;
};

struct Variants {
    std::vector<Variant> list;  // the file's defaults first, then the product in odometer order
    size_t skipped = 0;         // products left out past the cap
};

// The file's defaults and the cartesian product of every tunable's candidates, at most `cap`
// variants in all (the defaults included); the rest are counted in `skipped`.
constexpr size_t kMaxVariants = 64;
Variants variants(const std::vector<Tunable>& tunables, size_t cap = kMaxVariants);

}  // namespace kc::tune
