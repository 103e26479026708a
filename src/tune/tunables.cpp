#include "tune/tunables.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <sstream>

#include "course/manifest.h"

namespace kc::tune {

namespace {

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

bool is_macro_name(const std::string& s) {
    if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// "#  define NAME rest" -> {"define", "NAME", "rest"}; other lines give an empty directive.
struct Directive {
    std::string word, name, rest;
};
Directive directive(const std::string& line) {
    const std::string t = trim(line);
    if (t.empty() || t[0] != '#') return {};
    std::istringstream in(t.substr(1));
    Directive d;
    in >> d.word >> d.name;
    std::getline(in, d.rest);
    d.rest = trim(d.rest);
    return d;
}

struct Defaults {
    std::map<std::string, std::pair<int, std::string>> by_name;  // name -> (line, default text)
};

// Every `#ifndef NAME` followed (as its next directive) by `#define NAME <default>`.
Defaults find_defaults(const std::vector<std::string>& lines) {
    Defaults out;
    for (size_t i = 0; i < lines.size(); ++i) {
        const Directive d = directive(lines[i]);
        if (d.word != "ifndef" || d.name.empty()) continue;
        for (size_t k = i + 1; k < lines.size(); ++k) {
            const Directive def = directive(lines[k]);
            if (def.word.empty()) continue;
            if (def.word == "define" && def.name == d.name && !def.rest.empty())
                out.by_name.emplace(d.name, std::make_pair(int(k + 1), def.rest));
            break;
        }
    }
    return out;
}

// The candidates of one `// tune: A=1,2 B=x` line, in order; an Error names what is wrong.
Result<Declared> parse_tune_line(const std::string& body) {
    Declared out;
    std::istringstream in(body);
    std::string item;
    while (in >> item) {
        const auto eq = item.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
            return make_error(fmt::format("'{}' is not NAME=value,value", item));
        const std::string name = item.substr(0, eq);
        if (!is_macro_name(name)) return make_error(fmt::format("'{}' is not a macro name", name));
        std::vector<std::string> values;
        std::istringstream vs(item.substr(eq + 1));
        std::string v;
        while (std::getline(vs, v, ','))
            if (!course::is_define_value(v))
                return make_error(fmt::format("{}: '{}' is not an integer or a name (letters, digits, _ . - +)", name, v));
            else values.push_back(v);
        out.emplace_back(name, std::move(values));
    }
    if (out.empty()) return make_error("names no tunable: write `// tune: NAME=16,32,64`");
    return out;
}

void add_values(Tunable& t, const std::vector<std::string>& values) {
    for (const auto& v : values)
        if (std::find(t.values.begin(), t.values.end(), v) == t.values.end()) t.values.push_back(v);
}

std::vector<std::string> split_lines(const std::string& source) {
    std::vector<std::string> lines;
    std::istringstream in(source);
    std::string line;
    while (std::getline(in, line)) lines.push_back(line);
    return lines;
}

}  // namespace

Result<std::vector<Tunable>> find_tunables(const std::string& source, const Declared& declared, const std::string& file) {
    const auto lines = split_lines(source);
    const Defaults defaults = find_defaults(lines);
    std::vector<Tunable> out;
    auto tunable = [&](const std::string& name, const std::string& where) -> Result<Tunable*> {
        for (auto& t : out)
            if (t.name == name) return &t;
        auto it = defaults.by_name.find(name);
        if (it == defaults.by_name.end())
            return make_error(fmt::format("{}: {} has no default: tune needs `#ifndef {}` then `#define {} <default>` "
                                          "in the file",
                                          where, name, name, name));
        out.push_back({name, it->second.second, it->second.first, {}});
        return &out.back();
    };
    for (size_t i = 0; i < lines.size(); ++i) {
        const std::string t = trim(lines[i]);
        if (t.rfind("//", 0) != 0) continue;
        const std::string body = trim(t.substr(2));
        if (body.rfind("tune:", 0) != 0) continue;
        const std::string where = fmt::format("{}:{}", file, i + 1);
        auto parsed = parse_tune_line(body.substr(5));
        if (!parsed) return make_error(fmt::format("{}: `// tune:` {}", where, parsed.error().message));
        for (const auto& [name, values] : *parsed) {
            auto t = tunable(name, where);
            if (!t) return t.error();
            add_values(**t, values);
        }
    }
    for (const auto& [name, values] : declared) {
        auto t = tunable(name, "module.json: tune." + name);
        if (!t) return t.error();
        add_values(**t, values);
    }
    if (out.empty())
        return make_error(fmt::format("{} declares no tunables", file),
                          "add a `// tune: NAME=a,b` line next to a `#ifndef NAME` default");
    return out;
}

std::string Variant::label() const {
    if (defines.empty()) return "defaults";
    std::vector<std::string> parts;
    for (const auto& [n, v] : defines) parts.push_back(n + "=" + v);
    return fmt::format("{}", fmt::join(parts, " "));
}

std::vector<std::string> Variant::options() const {
    std::vector<std::string> out;
    for (const auto& [n, v] : defines) out.push_back("-D" + n + "=" + v);
    return out;
}

Variants variants(const std::vector<Tunable>& tunables, size_t cap) {
    Variants out;
    if (cap == 0) return out;
    out.list.push_back({});
    size_t total = 1;
    for (const auto& t : tunables) total *= std::max<size_t>(t.values.size(), 1);
    std::vector<size_t> digit(tunables.size(), 0);
    for (size_t n = 0; n < total; ++n) {
        if (out.list.size() < cap) {
            Variant v;
            for (size_t k = 0; k < tunables.size(); ++k) v.defines.emplace_back(tunables[k].name, tunables[k].values[digit[k]]);
            out.list.push_back(std::move(v));
        } else {
            ++out.skipped;
        }
        // The last tunable turns fastest, like an odometer.
        for (size_t k = tunables.size(); k-- > 0;) {
            if (++digit[k] < tunables[k].values.size()) break;
            digit[k] = 0;
        }
    }
    return out;
}

}  // namespace kc::tune
