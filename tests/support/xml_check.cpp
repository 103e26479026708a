#include "support/xml_check.h"

#include <cctype>
#include <regex>
#include <set>
#include <vector>

namespace kc::test {

namespace {

// Every `&` starts an entity.
bool entities_ok(const std::string& s) {
    static const std::regex entity(R"(^&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)");
    for (size_t i = s.find('&'); i != std::string::npos; i = s.find('&', i + 1))
        if (!std::regex_search(s.substr(i, 12), entity)) return false;
    return true;
}

// `name a="..." b='...'` (a start tag's inside, without < > or the closing /).
bool tag_ok(const std::string& inside, std::string& name) {
    static const std::regex re(R"(^([A-Za-z_][\w:.-]*)((\s+[A-Za-z_][\w:.-]*\s*=\s*("[^"<]*"|'[^'<]*'))*)\s*$)");
    std::smatch m;
    if (!std::regex_match(inside, m, re)) return false;
    name = m[1].str();
    // No attribute twice.
    static const std::regex attr(R"(([A-Za-z_][\w:.-]*)\s*=)");
    std::set<std::string> seen;
    const std::string attrs = m[2].str();
    for (auto it = std::sregex_iterator(attrs.begin(), attrs.end(), attr); it != std::sregex_iterator(); ++it) {
        const std::string a = (*it)[1].str();
        // (the charts' attribute values hold no "=", so every match is a name)
        if (!seen.insert(a).second) return false;
    }
    return entities_ok(attrs);
}

}  // namespace

std::string xml_problem(const std::string& xml) {
    std::vector<std::string> open;
    int roots = 0;
    size_t i = 0;
    while (i < xml.size()) {
        if (xml[i] != '<') {
            const size_t next = xml.find('<', i);
            const std::string text = xml.substr(i, next == std::string::npos ? std::string::npos : next - i);
            if (text.find('>') != std::string::npos || !entities_ok(text)) return "bad text at " + std::to_string(i);
            if (open.empty() && text.find_first_not_of(" \t\r\n") != std::string::npos)
                return "text outside the root at " + std::to_string(i);
            if (next == std::string::npos) break;
            i = next;
            continue;
        }
        if (xml.compare(i, 4, "<!--") == 0) {
            const size_t end = xml.find("-->", i);
            if (end == std::string::npos) return "unclosed comment";
            i = end + 3;
            continue;
        }
        if (xml.compare(i, 2, "<?") == 0) {
            const size_t end = xml.find("?>", i);
            if (end == std::string::npos || i != 0) return "misplaced processing instruction at " + std::to_string(i);
            i = end + 2;
            continue;
        }
        const size_t end = xml.find('>', i);
        if (end == std::string::npos) return "unclosed tag at " + std::to_string(i);
        std::string inside = xml.substr(i + 1, end - i - 1);
        i = end + 1;
        if (!inside.empty() && inside[0] == '/') {
            std::string name = inside.substr(1);
            while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back()))) name.pop_back();
            if (open.empty() || open.back() != name) return "</" + name + "> closes nothing open";
            open.pop_back();
            continue;
        }
        const bool empty = !inside.empty() && inside.back() == '/';
        if (empty) inside.pop_back();
        std::string name;
        if (!tag_ok(inside, name)) return "bad tag <" + inside + ">";
        if (open.empty() && ++roots > 1) return "more than one root element";
        if (!empty) open.push_back(name);
    }
    if (!open.empty()) return "<" + open.back() + "> is never closed";
    if (roots != 1) return "no root element";
    return {};
}

}  // namespace kc::test
