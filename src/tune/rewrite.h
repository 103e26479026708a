// `tune --write`: the winner's values put into the file's `#define NAME <default>` lines. Pure.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "tune/tunables.h"
#include "util/result.h"

namespace kc::tune {

// `source` with the `#define NAME <default>` line of every tunable named in `values` made
// `#define NAME <value>`; every other byte (the line's indentation, a comment after the value, its line ending, the rest of
// the file) is kept. An Error when a tunable's #define is no longer on its line (the file changed
// since `tunables` were found).
Result<std::string> write_values(const std::string& source, const std::vector<Tunable>& tunables,
                                 const std::vector<std::pair<std::string, std::string>>& values);

}  // namespace kc::tune
