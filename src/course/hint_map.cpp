#include "course/hint_map.h"

#include <algorithm>
#include <regex>
#include <sstream>

#include "course/hint_align.h"

namespace kc::course {

namespace {

std::string fold(const std::string& s) {
    std::istringstream in(s);
    std::string word, out;
    while (in >> word) out += (out.empty() ? "" : " ") + word;
    return out;
}

// Where a `//` comment starts, outside string and character literals; npos when none.
size_t comment_start(const std::string& line) {
    char quote = 0;
    for (size_t i = 0; i < line.size(); ++i) {
        char c = line[i];
        if (quote) {
            if (c == '\\') ++i;
            else if (c == quote) quote = 0;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '/' && i + 1 < line.size() && line[i + 1] == '/') {
            return i;
        }
    }
    return std::string::npos;
}

// The variable a line of code assigns (`out[i] = sum;` is out, `for (...) m = f(m);` is m),
// or "" when it assigns none.
std::string assigned_name(std::string code) {
    static const std::regex header(R"(^(?:for|if|while)\s*\()");
    if (std::regex_search(code, header)) {
        int depth = 0;
        size_t i = code.find('(');
        for (; i < code.size(); ++i) {
            depth += code[i] == '(' ? 1 : code[i] == ')' ? -1 : 0;
            if (depth == 0) break;
        }
        code = i < code.size() ? code.substr(i + 1) : "";
    }
    static const std::regex assignment(R"(([A-Za-z_][\w.]*)\s*(?:\[[^\]]*\]\s*)*(?:[-+*/%&|^]|<<|>>)?=(?!=))");
    std::smatch m;
    return std::regex_search(code, m, assignment) ? m[1].str() : "";
}

bool is_identifier(const std::string& s) { return std::regex_match(s, std::regex(R"([A-Za-z_]\w*)")); }

}  // namespace

bool SourceLine::real() const { return code.find_first_not_of("{} ") != std::string::npos; }

std::string SourceLine::key() const { return code.empty() && !comment.empty() ? "//" + comment : code; }

std::vector<SourceLine> read_lines(const std::string& text) {
    static const std::regex todo(R"(TODO\((\d+)\))");
    std::vector<SourceLine> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) {
        if (!l.empty() && l.back() == '\r') l.pop_back();
        SourceLine s;
        s.text = l;
        size_t c = comment_start(l);
        s.code = fold(l.substr(0, c));
        if (c != std::string::npos) s.comment = fold(l.substr(c + 2));
        std::smatch m;
        if (std::regex_search(s.comment, m, todo)) s.marker = std::stoi(m[1].str());
        out.push_back(std::move(s));
    }
    return out;
}

int statements(const std::string& code) {
    if (!code.empty() && code[0] == '#') return 1;
    int depth = 0, n = 0;
    for (char c : code) {
        if (c == '(') ++depth;
        else if (c == ')') --depth;
        else if (c == ';' && depth <= 0) ++n;
    }
    return n;
}

// ---- StarterMap ---------------------------------------------------------------------------

StarterMap::StarterMap(const std::string& starter) : lines_(read_lines(starter)) {
    find_markers();
    assign_owners();
    find_groups();
}

void StarterMap::find_markers() {
    const int n = static_cast<int>(lines_.size());
    governing_.assign(n, 0);
    int current = 0;
    for (int i = 0; i < n; ++i) {
        const int t = lines_[i].marker;
        if (t > 0 && !markers_.count(t)) {
            Marker m{i, i, !lines_[i].code.empty(), false, lines_[i].comment, {t}};
            while (!m.trailing && m.last + 1 < n && lines_[m.last + 1].code.empty() &&
                   !lines_[m.last + 1].comment.empty() && lines_[m.last + 1].marker == 0)
                m.text += " " + lines_[++m.last].comment;
            markers_[t] = m;
            current = t;
        }
        governing_[i] = current;
    }
}

void StarterMap::assign_owners() {
    const int n = static_cast<int>(lines_.size());
    owner_.assign(n, 0);
    for (auto& [t, m] : markers_) {
        int j = m.trailing ? m.first : m.last + 1;
        for (; j < n && !lines_[j].code.empty(); ++j) {
            if (lines_[j].marker != 0 && lines_[j].marker != t) break;
            owner_[j] = t;
            m.owns_code = m.owns_code || lines_[j].real();
        }
    }
}

void StarterMap::find_groups() {
    std::vector<int> run;
    auto close = [&] {
        for (int t : run) markers_[t].group = run;
        run.clear();
    };
    for (const auto& [t, m] : markers_) {
        if (m.trailing) continue;
        if (!run.empty() && markers_[run.back()].last + 1 != m.first) close();
        run.push_back(t);
    }
    close();
}

std::vector<int> StarterMap::elements() const {
    std::vector<int> out;
    for (const auto& [t, m] : markers_) out.push_back(t);
    return out;
}

int StarterMap::block_ending_at(int line) const {
    for (const auto& [t, m] : markers_)
        if (!m.trailing && m.last == line) return t;
    return 0;
}

int StarterMap::element_of_name(const std::string& name) const {
    if (!is_identifier(name)) return 0;
    const std::regex word("\\b" + name + "\\b");
    static const std::string type = R"((?:^|[\s(,])(?!return\b|else\b|case\b|goto\b|throw\b|delete\b|new\b))"
                                    R"([A-Za-z_][\w:]*(?:<[^<>]*>)?[\s*&]+)";
    const std::regex declares(type + name + R"(\s*(?:=|;|\[|,|\)|\{|:))");
    for (size_t i = 0; i < lines_.size(); ++i) {
        if (!std::regex_search(lines_[i].code, word)) continue;
        if (std::regex_search(lines_[i].code, declares) && governing_[i] > 0) return governing_[i];
        break;
    }
    if (name.size() < 2) return 0;  // "a" is a word of every comment
    for (const auto& [t, m] : markers_)
        if (std::regex_search(m.text, word)) return t;
    return 0;
}

int StarterMap::element_of_parameters(int line) const {
    const int n = static_cast<int>(lines_.size());
    for (int j = line; j < n && j < line + 16 && !lines_[j].code.empty(); ++j) {
        if (lines_[j].marker > 0) return lines_[j].marker;
        if (lines_[j].code.find(')') != std::string::npos) break;
    }
    return 0;
}

int StarterMap::element_of_function(const std::string& name) const {
    if (!is_identifier(name)) return 0;
    const std::regex call("\\b" + name + R"(\s*\()");
    for (size_t i = 0; i < lines_.size(); ++i)
        if (std::regex_search(lines_[i].code, call)) return owner_[i] > 0 ? group(owner_[i]).front() : 0;
    return 0;
}

// ---- Reading ------------------------------------------------------------------------------

Reading::Reading(const StarterMap& starter, const std::string& source)
    : starter_(starter), lines_(read_lines(source)), to_starter_(lines_.size(), -1) {
    const auto& sl = starter.lines();
    std::vector<int> s_index, l_index;
    std::vector<std::string> s_keys, l_keys;
    for (int i = 0; i < static_cast<int>(sl.size()); ++i)
        if (!sl[i].key().empty()) s_index.push_back(i), s_keys.push_back(sl[i].key());
    for (int i = 0; i < static_cast<int>(lines_.size()); ++i)
        if (!lines_[i].key().empty()) l_index.push_back(i), l_keys.push_back(lines_[i].key());
    std::vector<int> match = match_lines(s_keys, l_keys);
    int ps = -1, pl = -1;
    auto hunk_to = [&](int s, int l) {
        if (s > ps + 1 || l > pl + 1) {
            hunks_.push_back({ps + 1, s, pl + 1, l, {}});
            pair_edits(hunks_.back());
        }
        ps = s;
        pl = l;
    };
    for (size_t k = 0; k < match.size(); ++k) {
        if (match[k] < 0) continue;
        to_starter_[l_index[match[k]]] = s_index[k];
        hunk_to(s_index[k], l_index[match[k]]);
    }
    hunk_to(static_cast<int>(sl.size()), static_cast<int>(lines_.size()));
}

void Reading::pair_edits(Hunk& h) const {
    std::vector<int> d, ins;
    std::vector<std::string> dc, ic;
    for (int s = h.s_lo; s < h.s_hi; ++s)
        if (starter_.lines()[s].real()) d.push_back(s), dc.push_back(starter_.lines()[s].code);
    for (int l = h.l_lo; l < h.l_hi; ++l)
        if (lines_[l].real()) ins.push_back(l), ic.push_back(lines_[l].code);
    auto pairs = pair_edited_lines(dc, ic);
    for (size_t k = 0; k < pairs.size(); ++k)
        if (pairs[k] >= 0) h.edited[ins[pairs[k]]] = d[k];
}

std::pair<int, int> Reading::around(const Hunk& h, int l) const {
    int lo = h.s_lo - 1, hi = h.s_hi;
    for (const auto& [learner, s] : h.edited) {
        if (learner < l) lo = s;
        if (learner > l) {
            hi = s;
            break;
        }
    }
    return {lo, hi};
}

Reading::Targets Reading::targets(const Hunk& h, int l, const std::set<int>& touched) const {
    Targets out;
    auto [lo, hi] = around(h, l);
    if (int t = lo >= 0 ? starter_.block_ending_at(lo) : 0) {
        out.under_todo = true;
        out.whole = starter_.owns_code(t);
        for (int m : starter_.group(t)) {
            if (!touched.count(m)) out.elements.push_back(m);
            if (m == t) break;
        }
    }
    for (int s = lo + 1; s < hi; ++s) {
        const int t = starter_.block_ending_at(s);
        if (t > 0 && !starter_.owns_code(t) && !touched.count(t)) out.elements.push_back(t);
    }
    return out;
}

void Reading::touch_insertions(const Hunk& h, std::set<int>& touched) const {
    std::string last;  // the variable the line before assigned
    for (int l = h.l_lo; l < h.l_hi; ++l) {
        if (!lines_[l].real()) continue;
        const std::string name = assigned_name(lines_[l].code);
        // A statement that goes on assigning the variable of the line before it (`m =
        // partial[0];` then `for (...) m = fmaxf(m, ...);`) is part of the same element.
        const bool goes_on = !name.empty() && name == last;
        if (!name.empty()) last = name;
        if (h.edited.count(l)) continue;
        const Targets t = targets(h, l, touched);
        size_t n = goes_on ? 0 : statements(lines_[l].code);
        if (t.under_todo) n = t.whole ? t.elements.size() : std::max<size_t>(n, 1);
        for (size_t i = 0; i < std::min(n, t.elements.size()); ++i) touched.insert(t.elements[i]);
    }
}

std::set<int> Reading::missing() const {
    std::set<int> touched;
    for (const auto& h : hunks_)
        for (int s = h.s_lo; s < h.s_hi; ++s)
            if (starter_.lines()[s].real() && starter_.owner(s) > 0)
                for (int m : starter_.group(starter_.owner(s))) touched.insert(m);
    for (const auto& h : hunks_) touch_insertions(h, touched);
    std::set<int> out;
    for (int t : starter_.elements())
        if (!touched.count(t)) out.insert(t);
    return out;
}

int Reading::starter_spot(int line) const {
    const int li = std::clamp(line - 1, 0, std::max(0, static_cast<int>(lines_.size()) - 1));
    if (li < static_cast<int>(to_starter_.size()) && to_starter_[li] >= 0) return to_starter_[li];
    for (const auto& h : hunks_) {
        if (li < h.l_lo || li >= h.l_hi) continue;
        if (auto e = h.edited.find(li); e != h.edited.end()) return e->second;
        const Targets t = targets(h, li, {});
        if (!t.elements.empty()) return -t.elements.front();
        auto [lo, hi] = around(h, li);
        return lo >= 0 ? lo : std::min(hi, static_cast<int>(starter_.lines().size()) - 1);
    }
    return 0;
}

int Reading::element_of_error(int line, const std::string& message) const {
    static const std::regex undefined(R"re(identifier "([A-Za-z_]\w*)" is undefined)re");
    static const std::regex not_a_function(
        R"(does not apply here|incomplete type "void" is not allowed|expected a type specifier)");
    const int spot = starter_spot(line);
    std::smatch m;
    if (std::regex_search(message, m, undefined))
        if (int e = starter_.element_of_name(m[1].str())) return e;
    if (spot >= 0 && std::regex_search(message, not_a_function))
        if (int e = starter_.element_of_parameters(spot)) return e;
    return spot < 0 ? -spot : starter_.governing(spot);
}

}  // namespace kc::course
