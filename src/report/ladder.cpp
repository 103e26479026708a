#include "report/ladder.h"

#include <fmt/format.h>

#include "course/examples.h"
#include "exercises/spec.h"
#include "report/bench.h"
#include "util/printable.h"

namespace kc::report {

using grade::Verdict;
using nlohmann::json;

namespace {

std::string rate_text(const engine::Speed& sp) {
    const double v = sp.compute_bound ? sp.tflops : sp.gbps;
    const std::string n = v >= 100 ? fmt::format("{:.0f}", v) : v >= 1 ? fmt::format("{:.2f}", v) : fmt::format("{:.3f}", v);
    return n + (sp.compute_bound ? " TFLOP/s" : " GB/s");
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

}  // namespace

std::string one_line_reason(const engine::Grade& g, const std::string& file) {
    if (g.verdict == Verdict::CompileError)
        for (const auto& d : g.diagnostics) {
            if (d.severity != "error") continue;
            // NVRTC names every learner file kernel.cu (see compile/): say which file it was.
            const std::string where = d.file == "kernel.cu" ? file : d.file;
            return fmt::format("{}:{}:{}: error: {}", where, d.line, d.column, first_line(d.message));
        }
    return first_line(g.summary);
}

LadderRow ladder_row(const std::string& step, const std::string& file, const engine::Grade& g,
                     const course::Module& m) {
    LadderRow r;
    r.step = step;
    r.file = file;
    r.verdict = g.verdict;
    if (g.verdict != Verdict::Passed) r.reason = printable(one_line_reason(g, file));
    const auto* spec = course::spec_of(m.manifest);
    r.vendor = spec && !spec->vendor.empty() ? spec->vendor : "the reference solution";
    if (g.kernel) r.registers = g.kernel->registers;
    // The timed case's row of a bench (a bench times every timed case; the manifest has one).
    const auto rows = bench_rows(g, m, {});
    const auto* timed = m.manifest.timed_case();
    const BenchRow* row = nullptr;
    for (const auto& b : rows)
        if (!row || (timed && b.case_name == timed->name)) row = &b;
    if (row && g.verdict == Verdict::Passed) {
        r.timed = true;
        r.case_name = row->case_name;
        r.sizes = row->sizes;
        r.ms = row->timing->kernel_ms;
        r.speed = row->speed;
        if (row->occupancy) r.occupancy = row->occupancy->percent;
    }
    if (g.kernel) {
        long long dynamic = 0;
        const std::string name = timed ? timed->name : std::string();
        for (const auto& geo : g.geometry)
            if (geo.name == name) dynamic = geo.launch.shared_bytes;
        r.shared_bytes = static_cast<long long>(g.kernel->static_shared) + dynamic;
    }
    return r;
}

void link_steps(std::vector<LadderRow>& rows) {
    for (size_t i = 0; i < rows.size(); ++i) {
        rows[i].vs_previous.reset();
        if (i == 0) continue;
        const auto& prev = rows[i - 1];
        if (prev.timed && rows[i].timed && prev.ms > 0 && rows[i].ms > 0) rows[i].vs_previous = prev.ms / rows[i].ms;
    }
}

int ladder_exit_code(const std::vector<LadderRow>& rows) {
    bool skipped = false;
    for (const auto& r : rows) {
        if (r.mine) continue;
        if (grade::is_failure(r.verdict)) return grade::exit_code::kFailed;
        skipped = skipped || r.verdict == Verdict::Skipped;
    }
    return skipped ? grade::exit_code::kNoGpu : grade::exit_code::kPassed;
}

BarChart ladder_chart(const course::Module& m, const std::vector<LadderRow>& rows) {
    BarChart c;
    c.title = fmt::format("{}: worked examples", m.id);
    c.axis = "% of light";
    for (const auto& r : rows) {
        Bar b{r.step, r.speed.percent_of_light, grade::name(r.verdict), r.timed};
        if (r.timed) {
            c.title = fmt::format("{}: worked examples, case {} ({})", m.id, r.case_name, r.sizes);
            c.axis = "% of light (" + r.speed.light_name + ")";
            b.value_text = fmt::format("{:.1f}%, {:.2f}x vendor", r.speed.percent_of_light, r.speed.vendor_ratio);
            // The vendor ran on the same inputs in every timed row: one line for all of them.
            c.reference = r.speed.vendor_percent_of_light;
            c.reference_label = fmt::format("{} {:.1f}%", r.vendor, r.speed.vendor_percent_of_light);
        }
        c.bars.push_back(std::move(b));
    }
    return c;
}

std::string ladder_text(const course::Module& m, const std::vector<LadderRow>& rows,
                        const std::optional<wire::Device>& device, const Style& s) {
    std::string out = fmt::format("{}  {}  {} worked examples in {}/{}\n", paint(s, kBold, m.id), printable(m.manifest.title),
                                  rows.size() - (!rows.empty() && rows.back().mine), m.rel_dir,
                                  course::examples_rel_dir(m));
    if (device) out += fmt::format("on {} (sm_{}, {} SMs)\n", device->name, device->sm, device->sm_count);
    const LadderRow* timed = nullptr;
    for (const auto& r : rows)
        if (r.timed && !timed) timed = &r;
    if (timed) out += fmt::format("case {} ({})\n", timed->case_name, timed->sizes);
    size_t w = 4;
    for (const auto& r : rows) w = std::max(w, r.step.size());
    out += fmt::format("\n  {:<{}}  {:<13} {:>10} {:>14} {:>8} {:>9} {:>7} {:>5} {:>9} {:>5}\n", "step", w, "verdict",
                       "median", "rate", "% light", "x vendor", "x prev", "regs", "shared", "occ.");
    for (const auto& r : rows) {
        // Padded by hand: the verdict's colour codes would count in a width.
        const std::string name = grade::name(r.verdict);
        std::string line = fmt::format("  {:<{}}  {}{}", r.step, w, verdict_text(s, r.verdict),
                                       std::string(name.size() < 13 ? 13 - name.size() : 0, ' '));
        if (r.timed) {
            line += fmt::format(" {:>10} {:>14} {:>7.1f}% {:>8.2f}x {:>7} {:>5} {:>9} {:>5}", ms_text(r.ms), rate_text(r.speed),
                                r.speed.percent_of_light, r.speed.vendor_ratio,
                                r.vs_previous ? fmt::format("{:.2f}x", *r.vs_previous) : "-",
                                r.registers ? std::to_string(*r.registers) : "-",
                                r.shared_bytes ? fmt::format("{} B", *r.shared_bytes) : "-",
                                r.occupancy ? fmt::format("{:.0f}%", *r.occupancy) : "-");
        } else {
            line += " " + r.reason;
        }
        out += line + "\n";
    }
    out += "\n";
    if (timed)
        out += fmt::format("  % light: of {}. x vendor: {}'s time over the step's. x prev: the step above's time over "
                           "this one's (above 1: faster). shared: static + dynamic per block; occ.: theoretical "
                           "occupancy\n\n",
                           timed->speed.light_name, timed->vendor);
    out += bar_chart_text(ladder_chart(m, rows));
    return out;
}

json ladder_json(const course::Module& m, const std::vector<LadderRow>& rows) {
    json arr = json::array();
    for (const auto& r : rows) {
        json j = {{"step", r.step}, {"file", r.file}, {"mine", r.mine}, {"verdict", grade::name(r.verdict)},
                  {"reason", r.reason}, {"timed", r.timed}};
        if (r.timed) {
            const auto& sp = r.speed;
            j.update({{"case", r.case_name},       {"sizes", r.sizes},
                      {"median_ms", r.ms},         {"unit", sp.compute_bound ? "TFLOP/s" : "GB/s"},
                      {"gbps", sp.gbps},           {"tflops", sp.tflops},
                      {"percent_of_light", sp.percent_of_light}, {"light", sp.light_name},
                      {"vendor_ratio", sp.vendor_ratio},         {"vendor_percent_of_light", sp.vendor_percent_of_light}});
        }
        j["vs_previous"] = r.vs_previous ? json(*r.vs_previous) : json(nullptr);
        j["registers"] = r.registers ? json(*r.registers) : json(nullptr);
        j["shared_bytes"] = r.shared_bytes ? json(*r.shared_bytes) : json(nullptr);
        j["occupancy_percent"] = r.occupancy ? json(*r.occupancy) : json(nullptr);
        arr.push_back(std::move(j));
    }
    json out = {{"module", m.id}, {"folder", m.rel_dir + "/" + course::examples_rel_dir(m)},
                {"rows", arr}, {"exit_code", ladder_exit_code(rows)}};
    if (m.is_part()) out["part"] = m.part;
    return out;
}

}  // namespace kc::report
