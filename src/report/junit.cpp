#include "report/junit.h"

#include <fmt/format.h>

namespace kc::report {

std::string xml_escape(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default:
                // XML 1.0 allows no control characters but tab, newline and carriage return.
                if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') out += ' ';
                else out += static_cast<char>(c);
        }
    }
    return out;
}

std::string junit_xml(const std::vector<engine::Grade>& grades,
                      const std::vector<std::pair<std::string, std::string>>& errors) {
    int failures = 0, skipped = 0;
    double seconds = 0;
    std::string cases;
    for (const auto& g : grades) {
        std::string track = g.module_id.substr(0, g.module_id.find('/'));
        double t = g.seconds + g.compile_seconds;
        seconds += t;
        cases += fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3f}\">", xml_escape(track),
                             xml_escape(g.module_id), t);
        const std::string verdict = grade::name(g.verdict);
        if (g.verdict == grade::Verdict::Skipped) {
            ++skipped;
            cases += fmt::format("<skipped message=\"{}\"/>", xml_escape(g.summary));
        } else if (g.verdict != grade::Verdict::Passed) {
            ++failures;
            std::string detail;
            for (const auto& c : g.cases)
                if (c.verdict != "PASSED") detail += fmt::format("case {}: {} {}\n", c.name, c.verdict, c.message);
            cases += fmt::format("<failure type=\"{}\" message=\"{}\">{}</failure>", verdict, xml_escape(g.summary),
                                 xml_escape(fmt::format("{}\nsource: {}\nseed: {}\n{}", g.summary, g.source, g.seed, detail)));
        }
        cases += "</testcase>\n";
    }
    for (const auto& [id, message] : errors)
        cases += fmt::format("    <testcase classname=\"kernelcoach\" name=\"{}\"><error message=\"{}\"/></testcase>\n",
                             xml_escape(id), xml_escape(message));
    return fmt::format(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"kernelcoach\" tests=\"{}\" "
        "failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3f}\">\n{}  </testsuite>\n</testsuites>\n",
        grades.size() + errors.size(), failures, errors.size(), skipped, seconds, cases);
}

}  // namespace kc::report
