#include "report/render.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "exercises/spec.h"
#include "report/printf_text.h"
#include "util/printable.h"

namespace kc::report {

using engine::Grade;
using grade::Verdict;
using nlohmann::json;

namespace {

std::string coords_text(const std::vector<long long>& c) {
    return fmt::format("[{}]", fmt::join(c, ", "));
}

std::string value_text(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    return fmt::format("{:.9g}", v);
}

std::string mismatch_text(const grade::Mismatch& m, const std::string& buffer) {
    if (m.never_written)
        return fmt::format("{}{} was never written (expected {})", buffer, coords_text(m.coords),
                           value_text(m.expected));
    return fmt::format("{}{} = {} (expected {}, error {:.3g} > bound {:.3g})", buffer,
                       coords_text(m.coords), value_text(m.got), value_text(m.expected), m.error, m.bound);
}

std::string check_lines(const wire::Check& ch, const std::string& indent) {
    const auto& c = ch.comparison;
    std::string out;
    double pct = c.count ? 100.0 * static_cast<double>(c.mismatches) / static_cast<double>(c.count) : 0;
    const std::string name = ch.tensor.empty() ? "out" : ch.tensor;
    out += fmt::format("{}{}{} of {} elements wrong ({:.3g}%); never written: {}; NaN: {}; Inf mismatches: {}\n",
                       indent, ch.tensor.empty() ? "" : fmt::format("`{}`: ", ch.tensor), c.mismatches, c.count, pct,
                       c.never_written, c.nan_got, c.inf_mismatch);
    if (c.first) out += fmt::format("{}first: {}\n", indent, mismatch_text(*c.first, name));
    if (c.worst && (!c.first || c.worst->index != c.first->index))
        out += fmt::format("{}worst: {}\n", indent, mismatch_text(*c.worst, name));
    auto rows = heatmap_rows(ch.heatmap);
    if (!rows.empty()) {
        out += fmt::format("{}where (each cell a slice of the output; ' ' right, '#' all wrong):\n", indent);
        for (const auto& r : rows) out += fmt::format("{}  |{}|\n", indent, r);
    }
    if (!ch.diagnosis.empty()) out += fmt::format("{}diagnosis: {}\n", indent, ch.diagnosis);
    return out;
}

std::string launch_short(const Launch& l) {
    auto d = [](const Dim3& v) {
        if (v.y == 1 && v.z == 1) return fmt::format("{}", v.x);
        return fmt::format("({}, {}, {})", v.x, v.y, v.z);
    };
    std::string s = fmt::format("grid {} x block {}", d(l.grid), d(l.block));
    if (l.shared_bytes) s += fmt::format(", {} B shared", l.shared_bytes);
    if (l.clustered()) s += fmt::format(", clusters of {}", d(l.cluster));
    return s;
}

}  // namespace

std::string ms_text(double ms) {
    return ms >= 1 ? fmt::format("{:.3f} ms", ms) : ms >= 0.01 ? fmt::format("{:.1f} us", ms * 1e3)
                                                              : fmt::format("{:.2f} us", ms * 1e3);
}

std::string link(const Style& s, const std::string& path, const std::string& text) {
    // OSC 8: terminals that support it make `text` open `path`; others show the text alone.
    if (!s.color || path.empty()) return text;
    return fmt::format("\033]8;;file://{}\033\\{}\033]8;;\033\\", path, text);
}

bool want_color(const std::string& mode, bool terminal, const char* no_color, const char* term) {
    if (mode == "always") return true;
    if (mode == "never") return false;
    if (no_color && *no_color) return false;
    if (term && std::string_view(term) == "dumb") return false;
    return terminal;
}

std::string paint(const Style& s, const char* ansi, const std::string& text) {
    return s.color ? fmt::format("{}{}\033[0m", ansi, text) : text;
}

std::string verdict_text(const Style& s, Verdict v) {
    const char* color = v == Verdict::Passed ? kGreen : v == Verdict::Skipped ? kYellow : kRed;
    return paint(s, color, grade::name(v));
}

std::vector<std::string> heatmap_rows(const grade::Heatmap& h) {
    static const char* ramp = " .:-=+*%#";
    std::vector<std::string> rows;
    for (int r = 0; r < h.rows; ++r) {
        std::string line;
        for (int c = 0; c < h.cols; ++c) {
            double f = h.fraction[static_cast<size_t>(r * h.cols + c)];
            int k = f <= 0 ? 0 : 1 + std::min(7, static_cast<int>(f * 8));
            line += ramp[k];
        }
        rows.push_back(line);
    }
    return rows;
}

std::string sanitizer_text(const Grade& g, const Style& s) {
    std::string out;
    for (const auto& run : g.sanitizer) {
        if (!run.ran) {
            out += paint(s, kYellow, fmt::format("  {} (case {}): {}", run.tool, run.case_name, run.note)) + "\n";
            continue;
        }
        if (run.findings.empty()) {
            out += fmt::format("  {} (case {}): {}  {}\n", run.tool, run.case_name, paint(s, kGreen, "clean"),
                               paint(s, kDim, run.note));
            continue;
        }
        out += fmt::format("  {} (case {}): {}\n", run.tool, run.case_name,
                           paint(s, kRed, fmt::format("{} finding(s)", run.findings.size())));
        // One line per distinct place: a race report repeats its pair for every address.
        std::vector<std::string> seen;
        for (const auto& f : run.findings) {
            std::string text = printable(engine::describe(f, g.source));
            if (std::find(seen.begin(), seen.end(), text) != seen.end()) continue;
            seen.push_back(text);
            if (seen.size() > 5) break;
            out += "      " + text + "\n";
        }
        if (seen.size() > 5) out += paint(s, kDim, "      ... and more; the first one usually explains the rest") + "\n";
    }
    return out;
}

namespace {

// What a module is checked and timed against: its exercise's vendor, or (an exercise without
// one) the module's reference solution.
bool has_vendor(const course::Module& m) {
    const auto* spec = course::spec_of(m.manifest);
    return !spec || !spec->vendor.empty();
}
const char* reference_name(const course::Module& m) { return has_vendor(m) ? "the vendor" : "the reference solution"; }

// The fused vendor's unfused pair, timed beside it: what the fusion is worth.
std::string unfused_line(const wire::UnfusedTiming& u, double ratio) {
    std::string out = fmt::format("  unfused pair ({}): {} [p10 {}, p90 {}]  -> yours runs at {:.2f}x its speed",
                                  u.what, ms_text(u.ms), ms_text(u.p10), ms_text(u.p90), ratio);
    if (u.ratio_p90 > 0) out += fmt::format(" [p10 {:.2f}x, p90 {:.2f}x]", u.ratio_p10, u.ratio_p90);
    return out + "\n";
}

}  // namespace

std::string timing_text(const Grade& g, const course::Module& m, const Style& s) {
    std::string out;
    if (g.timing && g.timing->samples == 0) {  // stopped by a wrong timed run: no times to show
        const auto& t = *g.timing;
        if (!t.wrong.empty()) out += fmt::format("  timed runs ({}): {}\n", t.case_name, t.wrong);
        if (t.check && !t.check->comparison.passed()) out += check_lines(*t.check, "      ");
        return out;
    }
    if (g.timing) {
        const auto& t = *g.timing;
        out += fmt::format("  time ({}): {} [p10 {}, p90 {}, {} runs, standard error {:.2f}%]  {:.0f} GB/s", t.case_name,
                           ms_text(t.kernel_ms), ms_text(t.kernel_p10), ms_text(t.kernel_p90), t.samples,
                           100 * t.kernel_rse, g.gbps());
        if (g.flops > 0) out += fmt::format("  {:.2f} TFLOP/s", g.tflops());
        out += "\n";
        const engine::Speed sp = g.speed();
        out += fmt::format("  speed of light: {:.1f}% of {}", sp.percent_of_light, sp.light_name);
        if (sp.balance > 0)
            out += fmt::format(": at {:.3g} flops per byte (this GPU's balance: {:.3g}) this size is {}-bound",
                               sp.intensity, sp.balance, sp.compute_bound ? "compute" : "memory");
        out += "\n";
        if (!sp.compute_bound && t.copy_ms > 0)
            out += fmt::format("  a device-to-device copy of the same bytes takes {}: yours is at {:.1f}% of it\n",
                               ms_text(t.copy_ms), sp.percent_of_copy);
        const auto* spec = course::spec_of(m.manifest);
        const bool vendor = has_vendor(m);
        out += fmt::format("  {} ({}{}): {} [p10 {}, p90 {}]  -> yours runs at {:.2f}x {}'s speed",
                           vendor ? "vendor" : "reference", vendor && spec ? spec->vendor : "solution/" + m.kernel_file(),
                           t.vendor_detail.empty() || !vendor ? "" : ", " + t.vendor_detail, ms_text(t.vendor_ms),
                           ms_text(t.vendor_p10), ms_text(t.vendor_p90), g.vendor_ratio(), reference_name(m));
        if (t.ratio_p90 > 0) out += fmt::format(" [p10 {:.2f}x, p90 {:.2f}x]", t.ratio_p10, t.ratio_p90);
        out += "\n";
        if (t.unfused) out += unfused_line(*t.unfused, sp.unfused_ratio);
        if (t.check && !t.check->comparison.passed()) {
            out += fmt::format("  the timed runs' output (fresh inputs at other addresses):\n");
            out += check_lines(*t.check, "      ");
        }
        out += paint(s, kDim, "  timing: " + t.method) + "\n";
    }
    return out;
}

// The speed gates: each target, the measured spread and the decision; when too slow, what limits it.
std::string gate_text(const Grade& g, const Style& s) {
    std::string out;
    for (const auto& gate : g.gates) {
        const int timings = static_cast<int>(gate.each.size());
        const bool slow = gate.decision.call == grade::GateCall::TooSlow;
        out += fmt::format("  speed gate: {}; measured {}: {}{}\n",
                           grade::target_text(gate.kind, gate.target, gate.variant),
                           grade::spread_text(gate.kind, gate.spread, timings, gate.variant),
                           paint(s, slow ? kRed : kGreen, slow ? "too slow" : "fast enough"),
                           gate.decision.by_median ? " (the spread straddles the target: its median decides)" : "");
        if (!gate.reasons.empty()) {
            out += "  what limits it:\n";
            for (const auto& r : gate.reasons) out += "    - " + printable(r) + "\n";
        }
    }
    return out;
}

std::string heading(const Grade& g, const course::Module& m, const Style& s) {
    return fmt::format("{}  {}  {}\n", paint(s, kBold, m.id), printable(m.manifest.title), printable(g.source));
}

std::string reproduce_command(const engine::Grade& g, const course::Module& m) {
    std::string cmd = fmt::format("kernelcoach run {} --seed {}", m.id, g.seed);
    if (g.source != m.rel_kernel()) cmd += " --file " + printable(g.source);
    for (const auto& c : g.only_cases) cmd += " --case " + printable(c);
    if (g.debug) cmd += " --debug";
    return cmd;
}

std::string grade_text(const Grade& g, const course::Module& m, const Style& s) {
    std::string out = heading(g, m, s);
    // The first few diagnostics in full: later errors often follow from the first, and a
    // starter with its holes can make a dozen. --verbose shows them all.
    constexpr size_t kShown = 4;
    size_t shown = 0, hidden = 0;
    for (const auto& d : g.diagnostics) {
        if (d.file != "kernel.cu") continue;  // geometry errors are explained in the summary
        if (shown == kShown && !s.verbose) {
            hidden += d.severity == "error";
            continue;
        }
        ++shown;
        std::string text = printable(compile::format_diagnostic(d, g.source));
        std::string where = text.substr(0, text.find(": "));
        out += link(s, g.source_path, where) + text.substr(where.size()) + "\n";
    }
    if (hidden)
        out += paint(s, kDim, fmt::format("  ... and {} more error(s): fix the first one first; -v shows them all", hidden)) +
               "\n";
    if (!g.compiled) {  // a compile error, a compile past its deadline, an architecture NVRTC lacks
        out += fmt::format("{}  {}\n", verdict_text(s, g.verdict), printable(g.summary));
        return out;
    }
    out += paint(s, kDim, fmt::format("  compiled for {}{}; seed {} (--seed {} reproduces)", g.arch,
                                      g.cache_hit ? " (cached)" : fmt::format(" in {:.2f} s", g.compile_seconds),
                                      g.seed, g.seed)) + "\n";
    if (g.kernel)
        out += paint(s, kDim, fmt::format("  kernel: {} registers/thread, {} B static shared, {} B local/thread",
                                          g.kernel->registers, g.kernel->static_shared, g.kernel->local_bytes)) + "\n";
    size_t width = 4;
    for (const auto& geo : g.geometry) width = std::max(width, geo.name.size());
    for (const auto& geo : g.geometry) {
        const wire::CaseResult* r = nullptr;
        for (const auto& c : g.cases)
            if (c.name == geo.name) r = &c;
        std::string verdict = r ? (r->verdict == "PASSED" ? paint(s, kGreen, "PASSED") : paint(s, kRed, r->verdict))
                                : (geo.name == g.stopped_case ? paint(s, kRed, "did not finish") : paint(s, kDim, "not run"));
        std::string extra;
        if (r && r->verdict == "PASSED" && r->check)
            extra = fmt::format("  headroom {:.2f}", r->check->comparison.headroom);
        if (r && r->nondeterministic)
            extra += paint(s, kDim, fmt::format("  ({} elements differ between two runs, within the bound)",
                                                r->nondeterministic));
        out += fmt::format("  case {:<{}}  {:<14} {:<32} {}{}\n", geo.name, width, geo.sizes,
                           launch_short(geo.launch), verdict, extra);
        for (size_t k = 1; k < geo.launches.size(); ++k)  // the plan's later kernels
            out += fmt::format("       {:<{}}  {:<14} {:<32}\n", "", width, "", "then " + launch_short(geo.launches[k]));
        if (r && r->verdict != "PASSED") {
            if (!r->message.empty()) out += fmt::format("      {}\n", printable(r->message));
            if (r->check && !r->check->comparison.passed()) out += check_lines(*r->check, "      ");
            for (const auto& other : r->others)  // the other written tensors that are wrong too
                if (!other.comparison.passed()) out += check_lines(other, "      ");
            if (!r->explanation.empty())  // which are wrong and which right, once for the case
                out += fmt::format("      diagnosis of the tensors together: {}\n", printable(r->explanation));
            if (r->vendor && r->check && !r->check->comparison.passed())
                out += fmt::format("      {} on the same inputs: max error {:.3g}, headroom {:.2f}\n", reference_name(m),
                                   r->vendor->comparison.max_error, r->vendor->comparison.headroom);
        }
        if (r && r->vendor && !r->vendor->comparison.passed())
            out += paint(s, kYellow, fmt::format("      note: {} itself misses the bound here "
                                                 "(headroom {:.2f}); please report this to the course authors\n",
                                                 reference_name(m), r->vendor->comparison.headroom));
    }
    out += sanitizer_text(g, s);
    for (const auto& note : g.notes) out += paint(s, kYellow, "  note: " + note) + "\n";
    out += timing_text(g, m, s);
    out += gate_text(g, s);
    if (!g.worker_output.empty()) {
        const PrintfOutput p = group_printf(printable(g.worker_output));
        out += "  kernel output (printf)";
        if (p.kit_lines)
            out += fmt::format(", {} {} of KC_PRINT from {} {}", p.kit_lines, p.kit_lines == 1 ? "line" : "lines",
                               p.kit_threads, p.kit_threads == 1 ? "thread" : "threads");
        out += ":\n" + printf_text(p, "    ");
    }
    out += fmt::format("{}  {}\n", verdict_text(s, g.verdict), printable(g.summary));
    if (g.verdict == Verdict::Wrong || g.verdict == Verdict::Crashed || g.verdict == Verdict::TimedOut) {
        out += paint(s, kDim, "  reproduce: " + reproduce_command(g, m)) + "\n";
    }
    return out;
}

std::string grade_line(const Grade& g, const Style& s) {
    std::string extra;
    if (g.timing && g.timing->samples > 0) extra = "  " + g.speed_summary();
    return fmt::format("{:<24} {:<24} {}{}", g.module_id, verdict_text(s, g.verdict), printable(g.summary), extra);
}

json grade_json(const Grade& g) {
    json j = {{"module", g.module_id},
              {"source", g.source},
              {"source_hash", g.source_hash},
              {"verdict", grade::name(g.verdict)},
              {"summary", g.summary},
              {"seed", g.seed},
              {"compile", {{"compiled", g.compiled}, {"arch", g.arch}, {"cache_hit", g.cache_hit},
                           {"seconds", g.compile_seconds}}}};
    json diags = json::array();
    for (const auto& d : g.diagnostics)
        diags.push_back({{"file", d.file == "kernel.cu" ? g.source : d.file}, {"line", d.line},
                         {"column", d.column}, {"severity", d.severity}, {"message", d.message}});
    j["compile"]["diagnostics"] = diags;
    json geo = json::array();
    for (const auto& c : g.geometry) geo.push_back({{"case", c.name}, {"sizes", c.sizes}, {"launch", c.launch}});
    j["geometry"] = geo;
    if (g.device) j["device"] = *g.device;
    if (g.light) j["speed_of_light"] = *g.light;
    if (g.kernel) j["kernel"] = *g.kernel;
    j["cases"] = g.cases;
    if (!g.stopped_case.empty()) j["stopped_case"] = g.stopped_case;
    if (g.timing) {
        j["timing"] = *g.timing;
        j["timing"]["bytes"] = g.bytes;
        j["timing"]["flops"] = g.flops;
        j["timing"]["gbps"] = g.gbps();
        j["timing"]["percent_of_copy"] = g.percent_of_copy();
        j["timing"]["tflops"] = g.tflops();
        j["timing"]["compute_bound"] = g.compute_bound();
        j["timing"]["percent_of_light"] = g.percent_of_light();
        j["timing"]["light"] = g.speed().light_name;
        j["timing"]["vendor_ratio"] = g.vendor_ratio();
        if (g.timing->unfused) j["timing"]["unfused_ratio"] = g.speed().unfused_ratio;
    }
    if (!g.gates.empty()) {
        auto spread = [](const grade::Spread& sp) {
            return json{{"p10", sp.slow}, {"median", sp.median}, {"p90", sp.fast}, {"samples", sp.samples}};
        };
        json gates = json::array();
        for (const auto& gate : g.gates) {
            json each = json::array();
            for (const auto& sp : gate.each) each.push_back(spread(sp));
            gates.push_back({{"kind", grade::gate_name(gate.kind)},
                             {"target", gate.target},
                             {"threshold", grade::gate_threshold(gate.kind, gate.target)},
                             {"unit", gate.kind == grade::GateKind::OfLight     ? "percent of light"
                                      : gate.kind == grade::GateKind::VsVariant ? "variant_ms / kernel_ms"
                                                                                : "vendor_ms / kernel_ms"},
                             {"spread", spread(gate.spread)},
                             {"timings", each},
                             {"passed", gate.decision.call == grade::GateCall::Pass},
                             {"by_median", gate.decision.by_median},
                             {"variant", gate.variant},
                             {"reasons", gate.reasons}});
        }
        // "gate": the one that decided (the one missed, or the last cleared); "gates": all of them.
        j["gate"] = gates.back();
        j["gates"] = gates;
    }
    if (!g.worker_output.empty()) {  // the first 64 KiB: a runaway printf would swamp the document
        constexpr size_t kJsonOutput = 64 * 1024;
        size_t cut = std::min(kJsonOutput, g.worker_output.size());
        while (cut < g.worker_output.size() && cut > 0 && (static_cast<unsigned char>(g.worker_output[cut]) & 0xC0) == 0x80)
            --cut;  // not inside a UTF-8 character
        j["output"] = g.worker_output.substr(0, cut);
        if (g.worker_output.size() > kJsonOutput) j["output_cut"] = true;
    }
    if (!g.sanitizer.empty()) {
        json runs = json::array();
        for (const auto& run : g.sanitizer) {
            json findings = json::array();
            for (const auto& f : run.findings)
                findings.push_back({{"error", f.error}, {"what", f.what}, {"line", f.line}, {"other_line", f.other_line},
                                    {"hazards", f.hazards}, {"thread", f.thread}, {"block", f.block},
                                    {"text", engine::describe(f, g.source)}});
            runs.push_back({{"tool", run.tool}, {"case", run.case_name}, {"ran", run.ran}, {"note", run.note},
                            {"seconds", run.seconds}, {"findings", findings}});
        }
        j["sanitizer"] = runs;
    }
    if (!g.notes.empty()) j["notes"] = g.notes;
    j["seconds"] = {{"compile", g.compile_seconds}, {"probe", g.probe_seconds}, {"worker", g.seconds}};
    return j;
}

json grade_json(const Grade& g, const course::Module& m) {
    json j = grade_json(g);
    if (m.is_part()) j["part"] = m.part;
    return j;
}

std::string parts_line(const std::string& module_id, const std::vector<Verdict>& verdicts, const Style& s) {
    size_t passed = 0;
    std::map<std::string, int> others;  // by name, so the counts come in a steady order
    for (auto v : verdicts) {
        if (v == Verdict::Passed) ++passed;
        else ++others[grade::name(v)];
    }
    std::string rest;
    for (const auto& [name, n] : others) rest += fmt::format("{}{} {}", rest.empty() ? "" : ", ", n, name);
    const bool all = passed == verdicts.size();
    return fmt::format("{}: {} of {} parts passed{}", paint(s, kBold, module_id),
                       paint(s, all ? kGreen : kRed, std::to_string(passed)), verdicts.size(),
                       rest.empty() ? "" : " (" + rest + ")");
}

json parts_json(const std::string& module_id, const std::vector<Verdict>& verdicts) {
    int passed = 0;
    for (auto v : verdicts) passed += v == Verdict::Passed;
    return {{"id", module_id}, {"parts", verdicts.size()}, {"passed", passed}};
}

std::string device_line(const engine::DeviceStatus& d) {
    if (!d.available) return "GPU: none usable (" + d.reason + ")";
    return fmt::format("GPU: {} (sm_{}, {} SMs, {:.0f} MiB L2, {:.0f} GiB at {:.0f} GB/s peak), driver {}.{}",
                       d.device.name, d.device.sm, d.device.sm_count, d.device.l2_bytes / 1048576.0,
                       d.device.memory_bytes / 1073741824.0, d.device.peak_gbps, d.device.driver_version / 1000,
                       (d.device.driver_version % 1000) / 10);
}

json device_json(const engine::DeviceStatus& d) {
    json j = {{"available", d.available}};
    if (d.available) j["device"] = d.device;
    else j["reason"] = d.reason;
    return j;
}

json error_json(const Error& e, int exit_code) {
    json err = {{"message", e.message}};
    if (!e.detail.empty()) err["detail"] = e.detail;
    return {{"schema", kJsonSchema}, {"error", err}, {"exit_code", exit_code}};
}

}  // namespace kc::report
