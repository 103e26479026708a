#include "report/bench.h"

#include <fmt/format.h>

#include "exercises/spec.h"

namespace kc::report {

namespace {

using nlohmann::json;


std::string rate_text(double v) { return v >= 100 ? fmt::format("{:.0f}", v) : v >= 1 ? fmt::format("{:.2f}", v) : fmt::format("{:.3f}", v); }

std::string ratio_text(const wire::Timing& t, const engine::Speed& sp) {
    std::string r = fmt::format("{:.2f}x", sp.vendor_ratio);
    if (t.ratio_p90 > 0) r += fmt::format(" [{:.2f}-{:.2f}]", t.ratio_p10, t.ratio_p90);
    return r;
}

std::string method_short(const wire::Timing& t) {
    if (t.launches <= 1) return "single";
    return fmt::format("graph of {}{}", t.launches, t.looped.empty() ? "" : " (" + t.looped + ": loop)");
}

}  // namespace

std::vector<BenchRow> bench_rows(const engine::Grade& g, const course::Module& m,
                                 const std::vector<std::string>& sweep_fields) {
    const auto* spec = course::spec_of(m.manifest);
    std::vector<BenchRow> rows;
    for (const auto& t : g.timings) {
        BenchRow r;
        r.case_name = t.case_name;
        r.timing = &t;
        const course::Case* c = nullptr;
        for (const auto& mc : m.manifest.cases)
            if (mc.name == t.case_name) c = &mc;
        double bytes = 0, flops = 0;
        if (c && spec) {
            bytes = spec->bytes(c->sizes);
            flops = spec->flops(c->sizes);
            std::vector<std::string> parts;
            for (const auto& f : spec->fields)
                if (sweep_fields.empty() || std::find(sweep_fields.begin(), sweep_fields.end(), f) != sweep_fields.end())
                    parts.push_back(fmt::format("{}={}", f, c->sizes.at(f)));
            r.sizes = fmt::format("{}", fmt::join(parts, " "));
        }
        r.speed = g.speed(t, bytes, flops);
        const engine::CaseGeometry* geo = nullptr;
        for (const auto& gg : g.geometry)
            if (gg.name == t.case_name) geo = &gg;
        if (g.device && g.kernel && geo) {
            grade::KernelUse use;
            use.registers_per_thread = g.kernel->registers;
            use.static_shared = g.kernel->static_shared;
            use.dynamic_shared = geo->launch.shared_bytes;
            use.threads_per_block = static_cast<int>(geo->launch.block.x * geo->launch.block.y * geo->launch.block.z);
            auto occ = grade::theoretical_occupancy(engine::sm_limits(*g.device), use);
            r.theoretical_blocks = occ.blocks_per_sm;
            r.runtime_blocks = t.active_blocks_per_sm;
            // The runtime's answer is the authority; ours names the limiting resource.
            if (t.active_blocks_per_sm > 0 && t.active_blocks_per_sm != occ.blocks_per_sm && occ.max_warps_per_sm > 0) {
                const int warps_per_block = (use.threads_per_block + 31) / 32;
                occ.blocks_per_sm = t.active_blocks_per_sm;
                occ.warps_per_sm = occ.blocks_per_sm * warps_per_block;
                occ.percent = 100.0 * occ.warps_per_sm / occ.max_warps_per_sm;
            }
            r.occupancy = occ;
            r.occupancy_text = grade::describe(occ, use);
        }
        rows.push_back(std::move(r));
    }
    return rows;
}

std::string bench_text(const engine::Grade& g, const course::Module& m, const std::vector<BenchRow>& rows,
                       const Style& s) {
    std::string out;
    const auto* spec = course::spec_of(m.manifest);
    const std::string vendor = spec ? spec->vendor : "vendor";
    out += heading(g, m, s);
    if (g.device) out += fmt::format("on {} (sm_{}, {} SMs)\n", g.device->name, g.device->sm, g.device->sm_count);
    if (rows.empty()) {
        out += "nothing was timed\n";
        return out;
    }

    if (rows.size() == 1) {
        const auto& r = rows.front();
        const auto& t = *r.timing;
        const auto& sp = r.speed;
        out += fmt::format("case {} ({})\n\n", r.case_name, r.sizes);
        out += fmt::format("  {:<34} {:>10} {:>10} {:>10} {:>8} {:>8} {:>8}  {}\n", "", "median", "p10", "p90", "GB/s",
                           "TFLOP/s", "% light", "vs vendor");
        out += fmt::format("  {:<34} {:>10} {:>10} {:>10} {:>8} {:>8} {:>7.1f}%  {}\n", "yours", ms_text(t.kernel_ms),
                           ms_text(t.kernel_p10), ms_text(t.kernel_p90), rate_text(sp.gbps), rate_text(sp.tflops),
                           sp.percent_of_light, ratio_text(t, sp));
        std::string vname = vendor + (t.vendor_detail.empty() ? "" : " (" + t.vendor_detail + ")");
        if (vname.size() > 34) vname = vname.substr(0, 31) + "...";
        out += fmt::format("  {:<34} {:>10} {:>10} {:>10} {:>8} {:>8} {:>7.1f}%  {}\n", vname, ms_text(t.vendor_ms),
                           ms_text(t.vendor_p10), ms_text(t.vendor_p90), rate_text(sp.vendor_gbps),
                           rate_text(sp.vendor_tflops), sp.vendor_percent_of_light, "1.00x");
        if (t.unfused) {
            std::string uname = "unfused: " + t.unfused->what;
            if (uname.size() > 34) uname = uname.substr(0, 31) + "...";
            const double secs = t.unfused->ms * 1e-3;
            out += fmt::format("  {:<34} {:>10} {:>10} {:>10} {:>8} {:>8} {:>7.1f}%  {:.2f}x\n", uname,
                               ms_text(t.unfused->ms), ms_text(t.unfused->p10), ms_text(t.unfused->p90),
                               rate_text(secs > 0 ? sp.bytes / secs / 1e9 : 0), rate_text(secs > 0 ? sp.flops / secs / 1e12 : 0),
                               t.unfused->ms > 0 ? sp.percent_of_light * t.kernel_ms / t.unfused->ms : 0,
                               t.unfused->ms > 0 ? t.vendor_ms / t.unfused->ms : 0);
        }
        if (t.copy_ms > 0)
            out += fmt::format("  {:<34} {:>10} {:>10} {:>10} {:>8}\n", "a copy of the same bytes", ms_text(t.copy_ms),
                               "", "", rate_text(sp.bytes / (t.copy_ms * 1e-3) / 1e9));
        out += "\n";
        out += fmt::format("  speed of light: {}{}\n", sp.light_name,
                           sp.light_measured ? " (measured on this GPU; `info --recalibrate` measures again)"
                                             : " (the data sheet's: not measured)");
        if (sp.balance > 0)
            out += fmt::format("  arithmetic intensity: {:.3g} flops per byte; this GPU's balance is {:.3g} (the fp32 "
                               "GEMM rate over copy bandwidth): {}-bound at this size\n",
                               sp.intensity, sp.balance, sp.compute_bound ? "compute" : "memory");
        if (g.kernel)
            out += fmt::format("  your kernel: {} registers/thread, {} B static shared memory/block{}, {}\n",
                               g.kernel->registers, g.kernel->static_shared,
                               [&] {
                                   for (const auto& geo : g.geometry)
                                       if (geo.name == r.case_name && geo.launch.shared_bytes)
                                           return fmt::format(" + {} B dynamic", geo.launch.shared_bytes);
                                   return std::string();
                               }(),
                               g.kernel->local_bytes ? fmt::format("{} B/thread of local memory (spills or a local "
                                                                   "array: slow, off-chip)",
                                                                   g.kernel->local_bytes)
                                                     : std::string("no spills (0 B local memory)"));
        if (!r.occupancy_text.empty()) out += "  occupancy: " + r.occupancy_text + "\n";
        out += paint(s, kDim, "  timing: " + t.method) + "\n";
    } else {
        out += fmt::format("\n  {:<22} {:>10} {:>10} {:>17} {:>8} {:>8} {:>8} {:>8} {:>6} {:>7} {:>7}  {}\n", "size",
                           "yours", "vendor", "vs vendor", "GB/s", "TFLOP/s", "% light", "vs copy", "occ.", "time x",
                           "work x", "timed as");
        const BenchRow* prev = nullptr;
        for (const auto& r : rows) {
            const auto& t = *r.timing;
            const auto& sp = r.speed;
            std::string tx = "-", wx = "-";
            if (prev && prev->timing->kernel_ms > 0) {
                tx = fmt::format("{:.2f}", t.kernel_ms / prev->timing->kernel_ms);
                const double w = sp.compute_bound ? sp.flops : sp.bytes;
                const double pw = sp.compute_bound ? prev->speed.flops : prev->speed.bytes;
                if (pw > 0) wx = fmt::format("{:.2f}", w / pw);
            }
            out += fmt::format("  {:<22} {:>10} {:>10} {:>17} {:>8} {:>8} {:>7.1f}% {:>7.1f}% {:>5.0f}% {:>7} {:>7}  {}\n",
                               r.sizes, ms_text(t.kernel_ms), ms_text(t.vendor_ms), ratio_text(t, sp),
                               rate_text(sp.gbps), rate_text(sp.tflops), sp.percent_of_light, sp.percent_of_copy,
                               r.occupancy ? r.occupancy->percent : 0.0, tx, wx, method_short(t));
            prev = &r;
        }
        const auto& last = rows.back();
        out += "\n";
        out += fmt::format("  % light: of {} at the largest size ({}-bound there; arithmetic intensity {:.3g}, balance "
                           "{:.3g})\n",
                           last.speed.light_name, last.speed.compute_bound ? "compute" : "memory",
                           last.speed.intensity, last.speed.balance);
        out += "  vs copy: a device-to-device copy of the same bytes over yours. time x / work x: how much the time and "
               "the work (bytes, or flops when compute-bound) grew from the size above: where time grows slower than "
               "work, launch overhead or an idle GPU dominates\n";
        out += "  timed as: single launches between events, or a CUDA graph of many launches over rotating buffers "
               "(runs under 50 us); \"(vendor: loop)\": that one could not be captured in a graph and ran as a "
               "plain loop of launches, so its time includes the gaps between them\n";
        if (g.kernel)
            out += fmt::format("  your kernel: {} registers/thread, {} B static shared memory/block, {} B local "
                               "memory/thread\n",
                               g.kernel->registers, g.kernel->static_shared, g.kernel->local_bytes);
        if (!last.occupancy_text.empty()) out += "  occupancy at the largest size: " + last.occupancy_text + "\n";
    }

    if (g.ncu) {
        const auto& p = *g.ncu;
        out += fmt::format("\nNsight Compute, one launch of case {}:\n", p.case_name);
        if (!p.ran) {
            out += "  " + p.note + "\n";
        } else {
            for (const auto& [section, metrics] : engine::by_section(p.report)) {
                out += "  " + paint(s, kBold, section) + "\n";
                for (const auto& mt : metrics)
                    out += fmt::format("    {:<40} {:>16} {}\n", mt.name, mt.value, mt.unit);
            }
            for (const auto& rule : p.report.rules)
                if (!rule.description.empty())
                    out += fmt::format("  [{}] {}{}\n", rule.type, rule.description,
                                       rule.speedup.empty() ? "" : fmt::format(" (estimated speed-up {}%)", rule.speedup));
        }
    }
    return out;
}

LineChart sweep_chart(const engine::Grade& g, const course::Module& m, const std::vector<BenchRow>& rows) {
    const auto* spec = course::spec_of(m.manifest);
    const bool tflops = !rows.empty() && rows.back().speed.compute_bound;
    LineChart c;
    c.title = fmt::format("{}: {} over {} sizes", g.module_id.empty() ? m.id : g.module_id,
                          tflops ? "TFLOP/s" : "GB/s", rows.size());
    c.x_axis = "bytes moved";
    c.x_unit = "B";
    c.y_axis = tflops ? "TFLOP/s" : "GB/s";
    Series mine{"yours", {}}, vendor{spec && !spec->vendor.empty() ? spec->vendor : "vendor", {}};
    for (const auto& r : rows) {
        const auto& sp = r.speed;
        mine.points.push_back({sp.bytes, tflops ? sp.tflops : sp.gbps});
        vendor.points.push_back({sp.bytes, tflops ? sp.vendor_tflops : sp.vendor_gbps});
    }
    c.series = {std::move(mine), std::move(vendor)};
    return c;
}

json bench_json(const engine::Grade& g, const std::vector<BenchRow>& rows) {
    json j = {{"module", g.module_id}, {"source", g.source}, {"verdict", std::string(grade::name(g.verdict))},
              {"summary", g.summary}};
    if (g.device) j["device"] = *g.device;
    if (g.light) j["speed_of_light"] = *g.light;
    if (g.kernel) j["kernel"] = *g.kernel;
    json arr = json::array();
    for (const auto& r : rows) {
        const auto& sp = r.speed;
        json row = {{"case", r.case_name},
                    {"sizes", r.sizes},
                    {"timing", *r.timing},
                    {"bytes", sp.bytes},
                    {"flops", sp.flops},
                    {"gbps", sp.gbps},
                    {"tflops", sp.tflops},
                    {"vendor_gbps", sp.vendor_gbps},
                    {"vendor_tflops", sp.vendor_tflops},
                    {"intensity", sp.intensity},
                    {"balance", sp.balance},
                    {"compute_bound", sp.compute_bound},
                    {"light", sp.light_name},
                    {"light_measured", sp.light_measured},
                    {"percent_of_light", sp.percent_of_light},
                    {"vendor_percent_of_light", sp.vendor_percent_of_light},
                    {"percent_of_copy", sp.percent_of_copy},
                    {"vendor_ratio", sp.vendor_ratio}};
        if (r.occupancy)
            row["occupancy"] = {{"blocks_per_sm", r.occupancy->blocks_per_sm},
                                {"warps_per_sm", r.occupancy->warps_per_sm},
                                {"max_warps_per_sm", r.occupancy->max_warps_per_sm},
                                {"percent", r.occupancy->percent},
                                {"limiter", r.occupancy->limiter},
                                {"theoretical_blocks_per_sm", r.theoretical_blocks},
                                {"runtime_blocks_per_sm", r.runtime_blocks},
                                {"text", r.occupancy_text}};
        arr.push_back(row);
    }
    j["rows"] = arr;
    if (g.ncu) {
        json n = {{"case", g.ncu->case_name}, {"ran", g.ncu->ran}, {"note", g.ncu->note}, {"seconds", g.ncu->seconds}};
        if (g.ncu->ran) {
            json metrics = json::array(), rules = json::array();
            for (const auto& mt : g.ncu->report.metrics)
                metrics.push_back({{"section", mt.section}, {"name", mt.name}, {"unit", mt.unit}, {"value", mt.value}});
            for (const auto& r : g.ncu->report.rules)
                rules.push_back({{"section", r.section}, {"name", r.name}, {"type", r.type},
                                 {"description", r.description}, {"speedup", r.speedup}});
            n["metrics"] = metrics;
            n["rules"] = rules;
        }
        j["ncu"] = n;
    }
    return j;
}

}  // namespace kc::report
