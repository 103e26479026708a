#include "compile/diagnostics.h"

#include <fmt/format.h>

#include <regex>
#include <sstream>

namespace kc::compile {

namespace {

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) {
        if (!l.empty() && l.back() == '\r') l.pop_back();
        lines.push_back(l);
    }
    return lines;
}

bool is_caret_line(const std::string& l) {
    auto pos = l.find('^');
    if (pos == std::string::npos) return false;
    for (char c : l)
        if (c != ' ' && c != '^' && c != '\t') return false;
    return true;
}

}  // namespace

std::vector<Diagnostic> parse_nvrtc_log(const std::string& log, const std::string& file_name,
                                        const std::string& source) {
    // NVRTC writes: FILE(LINE): SEVERITY[ #NUM-D]: MESSAGE, then any continuation lines of the
    // message, then the source line indented by two spaces and a caret line. Diagnostics are
    // separated by a blank line, or not at all (notes follow their error directly).
    static const std::regex head(
        R"(^(.+)\((\d+)\): (error|warning|remark|note|catastrophic error)(?: #[0-9]+-?[A-Z]?)?: (.*)$)");
    auto src_lines = split_lines(source);
    auto lines = split_lines(log);
    std::vector<Diagnostic> out;
    for (size_t i = 0; i < lines.size(); ++i) {
        std::smatch m;
        if (!std::regex_match(lines[i], m, head)) continue;
        Diagnostic d;
        d.file = m[1].str();
        d.line = std::stoi(m[2].str());
        d.severity = m[3].str() == "catastrophic error" ? "error" : m[3].str();
        d.message = m[4].str();
        // This diagnostic's lines: up to a blank line or the next diagnostic.
        size_t end = i + 1;
        while (end < lines.size() && !lines[end].empty() && !std::regex_match(lines[end], head)) ++end;
        // Its caret is the first caret line; the line just before it echoes the source.
        size_t caret = end;
        for (size_t j = i + 1; j < end; ++j)
            if (is_caret_line(lines[j])) {
                caret = j;
                break;
            }
        size_t message_end = caret < end && caret > i + 1 ? caret - 1 : caret;
        for (size_t j = i + 1; j < message_end; ++j) {
            auto first = lines[j].find_first_not_of(" \t");
            d.message += "\n  " + (first == std::string::npos ? std::string() : lines[j].substr(first));
        }
        if (caret < end) {
            std::string echoed = caret > i + 1 ? lines[caret - 1] : std::string();
            int col = static_cast<int>(lines[caret].find('^'));
            int shift = 2;  // NVRTC indents the echoed line by two spaces
            if (d.file == file_name && d.line >= 1 && d.line <= static_cast<int>(src_lines.size())) {
                const std::string& real = src_lines[d.line - 1];
                if (echoed.size() >= real.size() &&
                    echoed.compare(echoed.size() - real.size(), real.size(), real) == 0)
                    shift = static_cast<int>(echoed.size() - real.size());
            }
            d.column = std::max(1, col - shift + 1);
        }
        i = end - 1;
        if (d.file == file_name && d.line >= 1 && d.line <= static_cast<int>(src_lines.size()))
            d.source_line = src_lines[d.line - 1];
        out.push_back(std::move(d));
    }
    return out;
}

std::string format_diagnostic(const Diagnostic& d, const std::string& display_path) {
    std::string where = d.column > 0 ? fmt::format("{}:{}:{}", display_path, d.line, d.column)
                                     : fmt::format("{}:{}", display_path, d.line);
    std::string text = fmt::format("{}: {}: {}", where, d.severity, d.message);
    if (!d.source_line.empty()) {
        std::string gutter = fmt::format("{:>5}", d.line);
        text += fmt::format("\n{} | {}", gutter, d.source_line);
        if (d.column > 0) {
            std::string pad;
            for (int c = 0; c < d.column - 1 && c < static_cast<int>(d.source_line.size()); ++c)
                pad += d.source_line[c] == '\t' ? '\t' : ' ';
            text += fmt::format("\n{} | {}^", std::string(gutter.size(), ' '), pad);
        }
    }
    return text;
}

}  // namespace kc::compile
