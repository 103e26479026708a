#include "course/hints.h"

#include <fmt/format.h>

#include <regex>
#include <sstream>

namespace kc::course {

Result<std::vector<Hint>> parse_hints(const std::string& text, const std::string& where) {
    static const std::regex part(R"(^#\s+(.*)$)");
    static const std::regex head(R"(^##\s+Hint\s+(\d+)\s*(?:—|-|:)?\s*(.*)$)");
    static const std::regex todo(R"(TODO\((\d+)(?:\s*-\s*(\d+))?\))");
    std::vector<Hint> hints;
    std::string kind;
    std::istringstream in(text);
    int line_no = 0;
    for (std::string line; std::getline(in, line);) {
        ++line_no;
        std::smatch m;
        if (std::regex_match(line, m, head)) {
            if (kind.empty())
                return make_error(fmt::format("{}:{}: a hint before any '# Compile hints' or '# Wrong-answer hints' part",
                                              where, line_no));
            Hint h;
            h.number = std::stoi(m[1].str());
            h.kind = kind;
            h.title = m[2].str();
            std::smatch t;
            if (std::regex_search(h.title, t, todo)) {
                h.todo_first = std::stoi(t[1].str());
                h.todo_last = t[2].matched ? std::stoi(t[2].str()) : h.todo_first;
            }
            if (h.number != static_cast<int>(hints.size()) + 1)
                return make_error(fmt::format("{}:{}: hint {} where hint {} was expected (number them 1, 2, 3...)",
                                              where, line_no, h.number, hints.size() + 1));
            hints.push_back(std::move(h));
        } else if (line.rfind("## ", 0) != 0 && std::regex_match(line, m, part)) {
            std::string name = m[1].str();
            if (name.find("Compile") != std::string::npos || name.find("compile") != std::string::npos)
                kind = "compile";
            else if (name.find("rong") != std::string::npos)
                kind = "wrong-answer";
            else if (!hints.empty())
                kind = "";  // a part of another kind ends the hints
        } else if (!hints.empty() && !kind.empty()) {
            hints.back().body += line + "\n";
        }
    }
    for (auto& h : hints) {
        while (!h.body.empty() && (h.body.back() == '\n' || h.body.back() == ' ')) h.body.pop_back();
        size_t start = h.body.find_first_not_of('\n');
        h.body = start == std::string::npos ? "" : h.body.substr(start);
    }
    return hints;
}

int todo_at_line(const std::string& source, int line) {
    static const std::regex todo(R"(TODO\((\d+)\))");
    std::istringstream in(source);
    int found = 0, n = 0;
    for (std::string l; std::getline(in, l) && ++n <= line;) {
        std::smatch m;
        if (std::regex_search(l, m, todo)) found = std::stoi(m[1].str());
    }
    return found;
}

const Hint* compile_hint_for(const std::vector<Hint>& hints, int todo) {
    if (todo <= 0) return nullptr;
    for (const auto& h : hints)
        if (h.kind == "compile" && h.todo_first <= todo && todo <= h.todo_last) return &h;
    return nullptr;
}

}  // namespace kc::course
