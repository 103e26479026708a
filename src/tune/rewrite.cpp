#include "tune/rewrite.h"

#include <fmt/format.h>

#include <algorithm>
#include <regex>

namespace kc::tune {

namespace {

// [begin, end) of line `n` (1-based) in `s`, the line ending excluded.
bool line_span(const std::string& s, int n, size_t& begin, size_t& end) {
    begin = 0;
    for (int i = 1; i < n; ++i) {
        const size_t nl = s.find('\n', begin);
        if (nl == std::string::npos) return false;
        begin = nl + 1;
    }
    if (begin > s.size()) return false;
    end = s.find('\n', begin);
    if (end == std::string::npos) end = s.size();
    if (end > begin && s[end - 1] == '\r') --end;
    return true;
}

}  // namespace

Result<std::string> write_values(const std::string& source, const std::vector<Tunable>& tunables,
                                 const std::vector<std::pair<std::string, std::string>>& values) {
    std::string out = source;
    // From the last line up, so the spans of earlier lines stay where they were.
    std::vector<std::pair<const Tunable*, std::string>> edits;
    for (const auto& [name, value] : values)
        for (const auto& t : tunables)
            if (t.name == name) edits.emplace_back(&t, value);
    std::sort(edits.begin(), edits.end(), [](const auto& a, const auto& b) { return a.first->define_line > b.first->define_line; });
    for (const auto& [t, value] : edits) {
        size_t begin = 0, end = 0;
        const std::regex define(R"(^(\s*#\s*define\s+)(\w+)(\s+)(.*?)(\s*(?://.*|/\*.*)?)$)");
        std::smatch m;
        std::string line;
        if (line_span(out, t->define_line, begin, end)) line = out.substr(begin, end - begin);
        if (!std::regex_match(line, m, define) || m[2] != t->name)
            return make_error(fmt::format("line {} is no longer `#define {} ...`: the file changed while tuning; run tune "
                                          "again",
                                          t->define_line, t->name));
        out.replace(begin, end - begin, m[1].str() + m[2].str() + m[3].str() + value + m[5].str());
    }
    return out;
}

}  // namespace kc::tune
