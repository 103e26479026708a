// kernelcoach bench <id>: how fast the kernel is against the vendor and the speed of light, at
// the timed size or (--sizes) over a sweep of sizes, with its registers, shared memory,
// spills and occupancy, and (--ncu) Nsight Compute's view of one launch; (--examples) the module's
// worked examples side by side, and (--plot) the ladder or the sweep as an SVG chart.
#include <fmt/format.h>
#include <unistd.h>

#include <iostream>

#include "cli/app.h"
#include "compile/toolkit.h"
#include "course/examples.h"
#include "exercises/spec.h"
#include "report/bench.h"
#include "report/ladder.h"
#include "util/atomic_file.h"

namespace kc::cli {

namespace {

struct BenchOptions {
    std::string id;
    std::string file;
    bool sizes = false;
    bool ncu = false;
    bool hot = false;
    bool verbose = false;
    bool examples = false;
    bool mine = false;
    std::string plot;
    std::optional<uint64_t> seed;
    std::optional<double> timeout_s;
};

// One entry benchmarked: its verdict, its bench document for --json, and its chart (a sweep's).
struct Benched {
    grade::Verdict verdict = grade::Verdict::Skipped;
    nlohmann::json json;
    nlohmann::json device;
    std::string svg;
};

// The grader's options of a bench of `m` (its cases already replaced by a sweep's).
engine::Options bench_options(const course::Module& m, const BenchOptions& o) {
    engine::Options opts;
    opts.seed = o.seed;
    opts.timeout_s = o.timeout_s ? o.timeout_s
                                 : std::optional<double>(m.manifest.timeout_s * (o.sizes ? 2.0 + m.manifest.cases.size() : 2.0));
    opts.bench = true;
    opts.ncu = o.ncu;
    opts.hot = o.hot;
    opts.racecheck = false;  // bench measures; `run` and `check` grade
    opts.memcheck = false;
    return opts;
}

Result<Benched> bench_one(const Session& s, const course::Module& found, const BenchOptions& o) {
    course::Module m = found;  // a copy: a sweep replaces its cases
    const auto* spec = course::spec_of(m.manifest);
    const auto* timed = m.manifest.timed_case();
    if (!spec || !timed) return make_error(fmt::format("{} has no timed case, so there is nothing to bench", m.id));
    std::vector<std::string> shown;
    if (o.sizes) {
        // Only the sweep's sizes run: each is checked against float64 truth, then timed.
        std::vector<course::Case> cases;
        int i = 0;
        for (const auto& sz : exercises::sweep_sizes(*spec, timed->sizes))
            cases.push_back({fmt::format("size-{}", ++i), sz, true});
        m.manifest.cases = std::move(cases);
        shown = spec->sweep_fields;
    }

    engine::Grader grader(s.course, bench_options(m, o));
    if (!s.json && ::isatty(STDERR_FILENO))
        std::cerr << "benchmarking " << m.id << (o.sizes ? " over " + std::to_string(m.manifest.cases.size()) + " sizes" : "")
                  << (o.ncu ? ", then Nsight Compute" : "") << " ...\n";
    const std::filesystem::path source = o.file.empty() ? m.kernel_path() : std::filesystem::absolute(o.file);
    auto gr = grader.grade(m, source);
    if (!gr) return gr.error();
    // --ncu that never reached the profiler says why: not installed, or a kernel that did not pass.
    if (o.ncu && !gr->ncu) {
        engine::NcuProfile p;
        p.note = compile::find_tool("ncu").empty()
                     ? engine::kNcuMissing
                     : "Nsight Compute did not run: it profiles only a kernel that passes (" + gr->summary + ")";
        gr->ncu = p;
    }
    const auto rows = report::bench_rows(*gr, m, shown);
    Benched out{gr->verdict, report::bench_json(*gr, rows), report::device_json(grader.device()), {}};
    if (m.is_part()) out.json["part"] = m.part;
    const auto chart = report::sweep_chart(*gr, m, rows);
    if (!o.plot.empty()) out.svg = report::line_chart_svg(chart);
    if (s.json) return out;
    // A kernel that is not right is explained first: its times would mean nothing.
    auto style = s.style;
    style.verbose = o.verbose;
    if (gr->verdict != grade::Verdict::Passed) std::cout << report::grade_text(*gr, m, style) << "\n";
    if (!rows.empty() || gr->verdict == grade::Verdict::Passed)
        std::cout << report::bench_text(*gr, m, rows, s.style);
    else if (gr->ncu)
        std::cout << "--ncu: " << gr->ncu->note << "\n";
    // The sweep's picture, as --plot would draw it.
    if (rows.size() > 1) std::cout << "\n" << report::line_chart_text(chart);
    for (const auto& n : gr->notes) std::cout << "note: " << n << "\n";
    return out;
}

// One entry's worked examples, each graded like `bench --file` with one grader (one seed).
struct Laddered {
    std::vector<report::LadderRow> rows;
    nlohmann::json json;
    nlohmann::json device;
    std::string svg;
};

Result<Laddered> ladder_one(const Session& s, const course::Module& m, const BenchOptions& o) {
    if (!course::spec_of(m.manifest) || !m.manifest.timed_case())
        return make_error(fmt::format("{} has no timed case, so there is nothing to bench", m.id));
    auto found = course::examples(m);
    if (!found) return found.error();
    std::vector<course::Example> steps = *found;
    if (o.mine) steps.push_back({"yours", m.kernel_path(), m.kernel_file()});
    engine::Grader grader(s.course, bench_options(m, o));
    const bool progress = !s.json && ::isatty(STDERR_FILENO);
    Laddered out;
    std::optional<wire::Device> device;
    for (size_t i = 0; i < steps.size(); ++i) {
        const auto& ex = steps[i];
        if (progress) std::cerr << fmt::format("benchmarking {} step {} of {}: {} ...\n", m.id, i + 1, steps.size(), ex.rel);
        auto gr = grader.grade(m, ex.path);
        if (!gr) return gr.error();
        if (gr->device) device = gr->device;
        auto row = report::ladder_row(ex.step, ex.rel, *gr, m);
        row.mine = o.mine && i + 1 == steps.size();
        out.rows.push_back(std::move(row));
    }
    report::link_steps(out.rows);
    out.json = report::ladder_json(m, out.rows);
    out.device = report::device_json(grader.device());
    if (!o.plot.empty()) out.svg = report::bar_chart_svg(report::ladder_chart(m, out.rows));
    if (!s.json) std::cout << report::ladder_text(m, out.rows, device, s.style);
    return out;
}

// Writes the chart of --plot; an unwritable path is the learner's to fix.
int write_plot(const BenchOptions& o, const std::string& svg, bool json) {
    auto w = write_file_atomic(o.plot, svg);
    if (!w) return fail(w.error(), grade::exit_code::kUsage);
    if (!json) std::cout << "chart written to " << o.plot << "\n";
    return grade::exit_code::kPassed;
}

int run_examples(const Session& s, const std::vector<const course::Module*>& units, const BenchOptions& o) {
    std::vector<report::LadderRow> all;
    nlohmann::json ladders = nlohmann::json::array(), device;
    std::string svg;
    for (const auto* m : units) {
        auto l = ladder_one(s, *m, o);
        if (!l) {
            const bool course_content = course::has_examples(*m) && course::spec_of(m->manifest);
            return fail(l.error(), course_content ? grade::exit_code::kInternal : grade::exit_code::kUsage);
        }
        all.insert(all.end(), l->rows.begin(), l->rows.end());
        ladders.push_back(l->json);
        device = l->device;
        svg = l->svg;
    }
    if (s.json) {
        nlohmann::json j = {{"schema", report::kJsonSchema}, {"device", device}};
        if (units.size() == 1) j["ladder"] = ladders.front();
        else j["ladders"] = ladders;
        if (!o.plot.empty()) j["plot"] = o.plot;
        std::cout << j.dump(2) << "\n";
    }
    if (!o.plot.empty())
        if (int rc = write_plot(o, svg, s.json)) return rc;
    return report::ladder_exit_code(all);
}

// Combinations of options that mean nothing together, in words; empty when there are none.
std::string refused_combination(const BenchOptions& o) {
    if (o.examples && !o.file.empty()) return "--examples benchmarks the module's examples/ folder, not --file";
    if (o.examples && o.sizes) return "--examples times each example on the timed case; --sizes sweeps one kernel: choose one";
    if (o.examples && o.ncu) return "--ncu profiles one kernel: use it with --file examples/NN-name.cu instead of --examples";
    if (o.mine && !o.examples) return "--mine adds your kernel to the --examples table";
    if (!o.plot.empty() && !o.examples && !o.sizes) return "--plot draws the --examples ladder or the --sizes sweep: add one";
    return {};
}

int run_bench(const Global& g, const BenchOptions& o) {
    if (auto why = refused_combination(o); !why.empty()) return fail(make_error(why), grade::exit_code::kUsage);
    auto s = open_session(g);
    if (!s) return fail(s.error(), grade::exit_code::kUsage);
    auto units = s->course.resolve_units(o.id);
    if (!units) return fail(units.error(), unresolved_code(s->course, {o.id}));
    if (!o.plot.empty() && units->size() > 1)
        return fail(make_error(fmt::format("--plot draws one chart, and {} has {} parts", units->front()->module_id(),
                                           units->size()),
                               "name the part it is for: " + units->front()->id + ", ..."),
                    grade::exit_code::kUsage);
    if (o.examples) return run_examples(*s, *units, o);
    if (!o.file.empty() && units->size() > 1)
        return fail(make_error(fmt::format("--file benchmarks one kernel, and {} has {} parts", units->front()->module_id(),
                                           units->size()),
                               "name the part it is for: " + units->front()->id + ", ..."),
                    grade::exit_code::kUsage);
    std::vector<grade::Verdict> verdicts;
    nlohmann::json benches = nlohmann::json::array(), device;
    std::string svg;
    for (const auto* m : *units) {
        auto b = bench_one(*s, *m, o);
        // Nothing to bench is the learner's mistake; a grader that failed is kernelcoach's.
        const bool benchable = course::spec_of(m->manifest) && m->manifest.timed_case();
        if (!b) return fail(b.error(), benchable ? grade::exit_code::kInternal : grade::exit_code::kUsage);
        verdicts.push_back(b->verdict);
        benches.push_back(b->json);
        device = b->device;
        svg = b->svg;
    }
    if (s->json) {
        nlohmann::json j = {{"schema", report::kJsonSchema}, {"device", device}};
        if (units->size() == 1) j["bench"] = benches.front();
        else j["benches"] = benches;
        if (!o.plot.empty()) j["plot"] = o.plot;
        std::cout << j.dump(2) << "\n";
    }
    if (!o.plot.empty())
        if (int rc = write_plot(o, svg, s->json)) return rc;
    return exit_code_for(verdicts);
}

}  // namespace

void setup_bench(CLI::App& app, Global& g, Action& action) {
    auto o = std::make_shared<BenchOptions>();
    auto* cmd = app.add_subcommand(
        "bench",
        "Time a module's kernel against the vendor and the speed of light: a table with GB/s, TFLOP/s, "
        "% of light, registers, shared memory, spills and occupancy (progress is not recorded)");
    cmd->add_option("id", o->id, "The module: missing-elements/01, vector-add, ... (every part of a module with parts), or one part")->required();
    cmd->add_option("--file", o->file, "Benchmark this file instead of the module's kernel.cu")->check(CLI::ExistingFile);
    cmd->add_flag("--sizes", o->sizes,
                  "Sweep the problem size up to the timed case's, checking and timing each, to show how time grows");
    cmd->add_flag("--ncu", o->ncu,
                  "Also profile one launch of the largest size with Nsight Compute (ncu) and show its speed-of-light, "
                  "occupancy, launch and memory sections");
    cmd->add_flag("--examples", o->examples,
                  "Bench the module's worked examples (examples/NN-name.cu; a part's: examples/<part>/) side by side, "
                  "naive to optimised: exit 0 only when every example passes");
    cmd->add_flag("--mine", o->mine, "With --examples: add your kernel as the last row (\"yours\")");
    cmd->add_option("--plot", o->plot,
                    "Draw the --examples ladder (bars: % of light) or the --sizes sweep (GB/s or TFLOP/s over a log "
                    "size axis) as an SVG chart in this file");
    cmd->add_flag("--hot", o->hot, "Time with a warm L2 (no flush between runs)");
    cmd->add_flag("-v,--verbose", o->verbose, "Show every compiler diagnostic, not only the first four");
    add_seed_option(cmd, o->seed, "Seed of the random inputs");
    add_timeout_option(cmd, "--timeout", o->timeout_s, "Seconds the whole bench may run (default: the manifest's, scaled)");
    cmd->callback([&g, o, &action] { action = [&g, o] { return run_bench(g, *o); }; });
}

}  // namespace kc::cli
