#include "compile/includes.h"

#include <algorithm>
#include <regex>
#include <set>
#include <sstream>

#include "util/atomic_file.h"

namespace kc::compile {

namespace fs = std::filesystem;

namespace {

bool inside(const fs::path& p, const fs::path& dir) {
    const fs::path rel = p.lexically_relative(dir.lexically_normal());
    return !rel.empty() && *rel.begin() != "..";
}

// The quoted names `text` includes; `complete` turns false at an include of a macro.
std::vector<std::string> quoted_includes(const std::string& text, bool& complete) {
    static const std::regex include(R"(^\s*#\s*include\s*(["<]?)([^">\s]*))");
    static const std::regex has_include(R"re(__has_include\s*\(\s*"([^"]+)")re");
    std::vector<std::string> names;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.find("include") == std::string::npos) continue;
        std::smatch m;
        if (std::regex_search(line, m, include)) {
            if (m[1] == "\"") names.push_back(m[2]);
            else if (m[1].str().empty()) complete = false;
        }
        for (std::sregex_iterator it(line.begin(), line.end(), has_include), end; it != end; ++it)
            names.push_back((*it)[1]);
    }
    return names;
}

}  // namespace

LocalIncludes local_includes(const std::string& text, const fs::path& dir, const std::vector<std::string>& in_memory,
                             const std::vector<fs::path>& toolkit_dirs) {
    LocalIncludes out;
    std::set<fs::path> seen;
    std::vector<std::pair<std::string, fs::path>> todo = {{text, dir}};
    while (!todo.empty()) {
        auto [body, from] = std::move(todo.back());
        todo.pop_back();
        for (const auto& name : quoted_includes(body, out.complete)) {
            if (std::find(in_memory.begin(), in_memory.end(), name) != in_memory.end()) continue;
            const fs::path p = (from / name).lexically_normal();
            std::error_code ec;
            if (seen.count(p) || !fs::is_regular_file(p, ec)) continue;
            if (std::any_of(toolkit_dirs.begin(), toolkit_dirs.end(), [&](const fs::path& d) { return inside(p, d); }))
                continue;
            seen.insert(p);
            auto read = read_file(p);
            if (!read) {
                out.complete = false;  // NVRTC may read what we cannot: do not trust a key without it
                continue;
            }
            out.files.push_back({p, *read});
            todo.emplace_back(*read, p.parent_path());
        }
    }
    return out;
}

}  // namespace kc::compile
