#include "report/printf_text.h"

#include <fmt/format.h>

#include <array>
#include <map>
#include <regex>
#include <unordered_map>

namespace kc::report {

namespace {

// A thread's coordinates, ordered block first, z before y before x.
struct Who {
    std::array<unsigned, 6> key;  // block z, y, x, thread z, y, x
    bool operator<(const Who& o) const { return key < o.key; }
};

std::string who_text(const Who& w) {
    return fmt::format("block ({}, {}, {}) thread ({}, {}, {})", w.key[2], w.key[1], w.key[0], w.key[5], w.key[4],
                       w.key[3]);
}

// Each distinct line once, in order of first appearance, with its count.
struct Lines {
    std::vector<std::pair<std::string, size_t>> lines;
    std::unordered_map<std::string, size_t> index;
    void add(const std::string& text) {
        auto [it, fresh] = index.try_emplace(text, lines.size());
        if (fresh) lines.push_back({text, 1});
        else ++lines[it->second].second;
    }
};

std::string count_prefix(size_t n) { return n > 1 ? fmt::format("{}x  ", n) : std::string(); }

// A line cut to what a terminal shows, saying how much was left out.
std::string cut_line(const std::string& line, size_t max_chars) {
    if (line.size() <= max_chars) return line;
    return line.substr(0, max_chars) + fmt::format(" ... ({} more characters)", line.size() - max_chars);
}

}  // namespace

PrintfOutput group_printf(const std::string& output) {
    static const std::regex kit(R"(^\[kc b\((\d+),(\d+),(\d+)\) t\((\d+),(\d+),(\d+)\)\] ?(.*)$)");
    PrintfOutput out;
    std::map<Who, Lines> threads;
    Lines plain;
    size_t start = 0;
    while (start < output.size()) {
        size_t end = output.find('\n', start);
        if (end == std::string::npos) end = output.size();
        const std::string line = output.substr(start, end - start);
        start = end + 1;
        std::smatch m;
        if (std::regex_match(line, m, kit)) {
            Who w;
            const int order[6] = {3, 2, 1, 6, 5, 4};  // z, y, x of the block, then of the thread
            for (int i = 0; i < 6; ++i) w.key[i] = static_cast<unsigned>(std::stoul(m[order[i]].str()));
            threads[w].add(m[7].str());
            ++out.kit_lines;
        } else if (!line.empty()) {
            plain.add(line);
            ++out.plain_lines;
        }
    }
    out.kit_threads = threads.size();
    std::map<std::vector<std::pair<std::string, size_t>>, size_t> group_of;
    for (auto& [w, t] : threads) {  // threads that printed the same lines share a group
        auto [it, fresh] = group_of.try_emplace(t.lines, out.groups.size());
        if (fresh) out.groups.push_back({who_text(w), 1, std::move(t.lines)});
        else ++out.groups[it->second].threads;
    }
    if (!plain.lines.empty()) out.groups.push_back({"", 0, std::move(plain.lines)});
    return out;
}

std::string printf_text(const PrintfOutput& p, const std::string& indent, size_t max_groups, size_t max_lines) {
    std::string out;
    size_t shown = 0;
    for (const auto& g : p.groups) {
        if (shown == max_groups) {
            out += fmt::format("{}... {} more groups of lines not shown\n", indent, p.groups.size() - shown);
            break;
        }
        ++shown;
        if (g.who.empty())
            out += fmt::format("{}printf ({} lines, {} distinct):\n", indent, p.plain_lines, g.lines.size());
        else if (g.threads > 1)
            out += fmt::format("{}{} and {} more threads, each:\n", indent, g.who, g.threads - 1);
        else
            out += fmt::format("{}{}:\n", indent, g.who);
        for (size_t i = 0; i < g.lines.size() && i < max_lines; ++i)
            out += fmt::format("{}  {}{}\n", indent, count_prefix(g.lines[i].second), cut_line(g.lines[i].first, 240));
        if (g.lines.size() > max_lines)
            out += fmt::format("{}  ... {} more distinct lines\n", indent, g.lines.size() - max_lines);
    }
    return out;
}

}  // namespace kc::report
