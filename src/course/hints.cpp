#include "course/hints.h"

#include <fmt/format.h>

#include <algorithm>
#include <regex>
#include <sstream>

namespace kc::course {

Result<std::vector<Hint>> parse_hints(const std::string& text, const std::string& where) {
    static const std::regex part(R"(^#\s+(.*)$)");
    static const std::regex head(R"(^##\s+Hint\s+(\d+)\s*(?:—|-|:)?\s*(.*)$)");
    static const std::regex todo(R"(TODO\((\d+)(?:\s*-\s*(\d+))?\))");
    static const std::regex parts(R"(\(part\s+([A-Za-z0-9_-]+)((?:\s*,\s*part\s+[A-Za-z0-9_-]+)*)\))");
    static const std::regex more(R"(part\s+([A-Za-z0-9_-]+))");
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
            for (std::sregex_iterator t(h.title.begin(), h.title.end(), todo), end; t != end; ++t) {
                const int first = std::stoi((*t)[1].str());
                const int last = (*t)[2].matched ? std::stoi((*t)[2].str()) : first;
                if (h.todos.empty()) {
                    h.todo_first = first;
                    h.todo_last = last;
                }
                for (int n = first; n <= last; ++n) h.todos.push_back(n);
            }
            if (std::smatch p; std::regex_search(h.title, p, parts)) {
                h.parts.push_back(p[1].str());
                const std::string rest = p[2].str();
                for (std::sregex_iterator t(rest.begin(), rest.end(), more), end; t != end; ++t)
                    h.parts.push_back((*t)[1].str());
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

bool Hint::covers(int todo) const { return std::find(todos.begin(), todos.end(), todo) != todos.end(); }

bool Hint::for_part(const std::string& part) const {
    return parts.empty() || std::find(parts.begin(), parts.end(), part) != parts.end();
}

std::vector<Hint> hints_for_part(const std::vector<Hint>& hints, const std::string& part) {
    std::vector<Hint> out;
    for (const auto& h : hints)
        if (part.empty() || h.for_part(part)) {
            out.push_back(h);
            out.back().number = static_cast<int>(out.size());
        }
    return out;
}

const Hint* hint_for(const std::vector<Hint>& hints, const std::string& kind, int todo) {
    for (const auto& h : hints)
        if (h.kind == kind && h.covers(todo)) return &h;
    return nullptr;
}

}  // namespace kc::course
