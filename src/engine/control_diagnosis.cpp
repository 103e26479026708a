#include "engine/control_diagnosis.h"

#include <fmt/format.h>

namespace kc::engine {

namespace {

// "1980 of 2025 elements are wrong: <diagnosis>" for every written tensor that is wrong, naming
// the tensor when the case has several, then the exercise's sentence on which are wrong.
std::string checks_text(const wire::CaseResult& c) {
    std::string out;
    auto add = [&](const wire::Check& ch) {
        if (ch.comparison.passed()) return;
        const auto& cmp = ch.comparison;
        out += fmt::format("{}{}{} of {} elements are wrong", out.empty() ? "" : "; ",
                           c.others.empty() ? "" : fmt::format("`{}`: ", ch.tensor), cmp.mismatches, cmp.count);
        if (!ch.diagnosis.empty()) out += ": " + ch.diagnosis;
    };
    if (c.check) add(*c.check);
    for (const auto& other : c.others) add(other);
    if (!out.empty() && !c.explanation.empty()) out += "; " + c.explanation;
    return out;
}

std::string sizes_of(const Grade& g, const std::string& name) {
    for (const auto& geo : g.geometry)
        if (geo.name == name) return geo.sizes;
    return {};
}

// "case 'square' (h=45, w=45): WRONG: <message>; <checks>"
std::string case_line(const Grade& g, const wire::CaseResult& c) {
    std::string why = c.message;
    if (const std::string checks = checks_text(c); !checks.empty()) why += (why.empty() ? "" : "; ") + checks;
    return fmt::format("case '{}' ({}): {}{}\n", c.name, sizes_of(g, c.name), c.verdict, why.empty() ? "" : ": " + why);
}

}  // namespace

std::string failure_report(const Grade& g) {
    std::string out = g.summary + "\n";
    for (const auto& c : g.cases)
        if (c.verdict != "PASSED") out += case_line(g, c);
    for (const auto& run : g.sanitizer)
        for (const auto& f : run.findings)
            out += fmt::format("{} (case '{}'): {}\n", run.tool, run.case_name, describe(f, g.source));
    if (g.timing && !g.timing->wrong.empty())
        out += fmt::format("timed runs (case '{}'): {}\n", g.timing->case_name, g.timing->wrong);
    return out;
}

std::string missing_diagnosis(const std::string& report, const std::string& diagnosis) {
    if (diagnosis.empty() || report.find(diagnosis) != std::string::npos) return {};
    constexpr size_t kQuoted = 300;
    std::string said;
    for (char ch : report) said += ch == '\n' ? std::string(" | ") : std::string(1, ch);
    while (said.size() >= 3 && said.compare(said.size() - 3, 3, " | ") == 0) said.resize(said.size() - 3);
    if (said.size() > kQuoted) said = said.substr(0, kQuoted) + "...";
    return fmt::format("its report does not say \"{}\", the diagnosis this control is about; it says: {}", diagnosis,
                       said.empty() ? "nothing" : said);
}

}  // namespace kc::engine
