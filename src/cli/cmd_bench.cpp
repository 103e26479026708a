// kernelcoach bench <id>: how fast the kernel is against the vendor and the speed of light, at
// the timed size or (--sizes) over a sweep of sizes, with its registers, shared memory,
// spills and occupancy, and (--ncu) Nsight Compute's view of one launch.
#include <fmt/format.h>
#include <unistd.h>

#include <iostream>

#include "cli/app.h"
#include "compile/toolkit.h"
#include "exercises/spec.h"
#include "report/bench.h"

namespace kc::cli {

namespace {

struct BenchOptions {
    std::string id;
    std::string file;
    bool sizes = false;
    bool ncu = false;
    bool hot = false;
    bool verbose = false;
    std::optional<uint64_t> seed;
    std::optional<double> timeout_s;
};

// One entry benchmarked: its verdict, and its bench document for --json.
struct Benched {
    grade::Verdict verdict = grade::Verdict::Skipped;
    nlohmann::json json;
    nlohmann::json device;
};

Result<Benched> bench_one(const Session& s, const course::Module& found, const BenchOptions& o) {
    course::Module m = found;  // a copy: a sweep replaces its cases
    const auto* spec = exercises::find(m.manifest.exercise);
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

    engine::Options opts;
    opts.seed = o.seed;
    opts.timeout_s = o.timeout_s ? o.timeout_s
                                 : std::optional<double>(m.manifest.timeout_s * (o.sizes ? 2.0 + m.manifest.cases.size() : 2.0));
    opts.bench = true;
    opts.ncu = o.ncu;
    opts.hot = o.hot;
    opts.racecheck = false;  // bench measures; `run` and `check` grade
    opts.memcheck = false;
    engine::Grader grader(s.course, opts);
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
    Benched out{gr->verdict, report::bench_json(*gr, rows), report::device_json(grader.device())};
    if (m.is_part()) out.json["part"] = m.part;
    if (s.json) return out;
    // A kernel that is not right is explained first: its times would mean nothing.
    auto style = s.style;
    style.verbose = o.verbose;
    if (gr->verdict != grade::Verdict::Passed) std::cout << report::grade_text(*gr, m, style) << "\n";
    if (!rows.empty() || gr->verdict == grade::Verdict::Passed)
        std::cout << report::bench_text(*gr, m, rows, s.style);
    else if (gr->ncu)
        std::cout << "--ncu: " << gr->ncu->note << "\n";
    for (const auto& n : gr->notes) std::cout << "note: " << n << "\n";
    return out;
}

int run_bench(const Global& g, const BenchOptions& o) {
    auto s = open_session(g);
    if (!s) return fail(s.error(), grade::exit_code::kUsage);
    auto units = s->course.resolve_units(o.id);
    if (!units) return fail(units.error(), unresolved_code(s->course, {o.id}));
    if (!o.file.empty() && units->size() > 1)
        return fail(make_error(fmt::format("--file benchmarks one kernel, and {} has {} parts", units->front()->module_id(),
                                           units->size()),
                               "name the part it is for: " + units->front()->id + ", ..."),
                    grade::exit_code::kUsage);
    std::vector<grade::Verdict> verdicts;
    nlohmann::json benches = nlohmann::json::array(), device;
    for (const auto* m : *units) {
        auto b = bench_one(*s, *m, o);
        // Nothing to bench is the learner's mistake; a grader that failed is kernelcoach's.
        const bool benchable = exercises::find(m->manifest.exercise) && m->manifest.timed_case();
        if (!b) return fail(b.error(), benchable ? grade::exit_code::kInternal : grade::exit_code::kUsage);
        verdicts.push_back(b->verdict);
        benches.push_back(b->json);
        device = b->device;
    }
    if (s->json) {
        nlohmann::json j = {{"schema", report::kJsonSchema}, {"device", device}};
        if (units->size() == 1) j["bench"] = benches.front();
        else j["benches"] = benches;
        std::cout << j.dump(2) << "\n";
    }
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
    cmd->add_flag("--hot", o->hot, "Time with a warm L2 (no flush between runs)");
    cmd->add_flag("-v,--verbose", o->verbose, "Show every compiler diagnostic, not only the first four");
    add_seed_option(cmd, o->seed, "Seed of the random inputs");
    add_timeout_option(cmd, "--timeout", o->timeout_s, "Seconds the whole bench may run (default: the manifest's, scaled)");
    cmd->callback([&g, o, &action] { action = [&g, o] { return run_bench(g, *o); }; });
}

}  // namespace kc::cli
