#include "util/spell.h"

#include <algorithm>
#include <set>
#include <utility>

namespace kc {

size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diag = up;
        }
    }
    return row[b.size()];
}

std::vector<std::string> spelling_suggestions(const std::string& word,
                                              const std::vector<std::string>& candidates,
                                              size_t limit) {
    // Allow about one edit per three characters, at least two.
    const size_t allowed = std::max<size_t>(2, word.size() / 3);
    std::vector<std::pair<size_t, std::string>> scored;
    std::set<std::string> seen;
    for (const auto& c : candidates) {
        if (!seen.insert(c).second) continue;
        size_t d = edit_distance(word, c);
        bool prefix = word.size() >= 3 && c.rfind(word, 0) == 0;
        if (d <= allowed || prefix) scored.emplace_back(prefix ? 0 : d, c);
    }
    std::stable_sort(scored.begin(), scored.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    std::vector<std::string> out;
    for (auto& [d, c] : scored) {
        if (out.size() == limit) break;
        out.push_back(c);
    }
    return out;
}

}  // namespace kc
