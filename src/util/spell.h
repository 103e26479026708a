// "Did you mean": the nearest names to a misspelt one.
#pragma once

#include <string>
#include <vector>

namespace kc {

// Levenshtein distance between a and b.
size_t edit_distance(const std::string& a, const std::string& b);

// Candidates close enough to `word` to be a likely typo, nearest first (at most `limit`).
std::vector<std::string> spelling_suggestions(const std::string& word,
                                              const std::vector<std::string>& candidates,
                                              size_t limit = 3);

}  // namespace kc
