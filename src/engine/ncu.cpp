#include "engine/ncu.h"

#include <fmt/format.h>

#include <map>

namespace kc::engine {

namespace {

std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> out;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        out.push_back(line);
        pos = end + 1;
    }
    return out;
}

// The end of the text, for an error's detail: what ncu said about why it profiled nothing.
std::string last_lines(const std::vector<std::string_view>& lines, size_t n) {
    size_t end = lines.size();
    while (end > 0 && lines[end - 1].find_first_not_of(" \t") == std::string_view::npos) --end;
    std::string out;
    for (size_t i = end > n ? end - n : 0; i < end; ++i) {
        out += lines[i];
        out += '\n';
    }
    return out;
}

// One CSV record. ncu quotes every field, and quoted fields hold commas ("2,880",
// "(256, 1, 1)"); a doubled quote inside one is a quote. Metric rows end in a bare comma.
std::vector<std::string> split_csv(std::string_view line) {
    std::vector<std::string> out;
    std::string cur;
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c != '"') cur += c;
            else if (i + 1 < line.size() && line[i + 1] == '"') cur += line[++i];
            else quoted = false;
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            out.push_back(std::move(cur));
            cur.clear();
        } else {
            cur += c;
        }
    }
    out.push_back(std::move(cur));
    return out;
}

}  // namespace

Result<NcuReport> parse_ncu_csv(std::string_view text) {
    const auto lines = lines_of(text);
    std::map<std::string, size_t> col;
    bool header = false, any_row = false;
    std::string first_id;
    NcuReport r;
    for (std::string_view line : lines) {
        // The profiled program's output and ncu's own "==PROF==" lines are not CSV.
        if (line.empty() || line.front() != '"') continue;
        auto f = split_csv(line);
        if (f.front() == "ID") {
            if (!header) {
                for (size_t i = 0; i < f.size(); ++i) col.emplace(f[i], i);
                for (const char* need : {"Kernel Name", "Section Name", "Metric Name", "Metric Value"})
                    if (!col.count(need))
                        return make_error(fmt::format("ncu's table has no \"{}\" column", need), last_lines(lines, 20));
            }
            header = true;
            continue;
        }
        if (!header) continue;
        auto get = [&](const char* name) -> std::string {
            auto it = col.find(name);
            return it != col.end() && it->second < f.size() ? f[it->second] : std::string();
        };
        // Several launches (or processes) give several IDs; the first one is the one asked for.
        const std::string id = get("ID");
        if (!any_row) {
            first_id = id;
            r.kernel = get("Kernel Name");
            r.block = get("Block Size");
            r.grid = get("Grid Size");
            r.device_cc = get("CC");
            any_row = true;
        } else if (id != first_id) {
            continue;
        }
        const std::string metric = get("Metric Name"), rule = get("Rule Name");
        if (!metric.empty()) {
            r.metrics.push_back({get("Section Name"), metric, get("Metric Unit"), get("Metric Value")});
        } else if (!rule.empty()) {
            r.rules.push_back({get("Section Name"), rule, get("Rule Type"), get("Rule Description"),
                               get("Estimated Speedup Type"), get("Estimated Speedup")});
        }
    }
    if (!header) return make_error("ncu profiled no launch of the kernel", last_lines(lines, 20));
    if (!any_row) return make_error("ncu's table has no rows: it profiled no launch of the kernel", last_lines(lines, 20));
    return r;
}

std::vector<std::string> ncu_arguments(const std::string& kernel, int launch_skip,
                                       const std::vector<std::string>& sections) {
    static const std::vector<std::string> defaults = {"SpeedOfLight", "Occupancy", "LaunchStats",
                                                      "MemoryWorkloadAnalysis"};
    // The kernel runs in a worker process, so ncu follows children; clocks are left as the
    // timer sees them, and caches are flushed before the launch, as the timer's cold L2 is.
    std::vector<std::string> a = {"--target-processes", "all",
                                  "--kernel-name", kernel,
                                  "--launch-skip", std::to_string(launch_skip),
                                  "--launch-count", "1",
                                  "--clock-control", "none",
                                  "--cache-control", "all",
                                  "--csv", "--page", "details"};
    for (const auto& s : sections.empty() ? defaults : sections) {
        a.push_back("--section");
        a.push_back(s);
    }
    return a;
}

std::vector<std::pair<std::string, std::vector<NcuMetric>>> by_section(const NcuReport& r) {
    std::vector<std::pair<std::string, std::vector<NcuMetric>>> out;
    std::map<std::string, size_t> index;
    for (const auto& m : r.metrics) {
        auto [it, fresh] = index.emplace(m.section, out.size());
        if (fresh) out.push_back({m.section, {}});
        out[it->second].second.push_back(m);
    }
    return out;
}

}  // namespace kc::engine
