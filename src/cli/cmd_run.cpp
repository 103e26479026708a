// kernelcoach run <id>: compile, test and time one module, and explain what is wrong. A module
// with parts is every part, one report each, then how many parts passed.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <iostream>

#include "cli/app.h"
#include "engine/sanitize_case.h"
#include "exercises/registry.h"

namespace kc::cli {

namespace {

struct RunOptions {
    std::string id;
    GradeFlags flags;
    bool verbose = false;
    std::string file;
    std::vector<std::string> cases;  // --case
    bool debug = false;              // --debug
};

// --file grades one kernel as one entry's: a module with parts must be narrowed to a part.
std::optional<Error> file_needs_one(const std::vector<const course::Module*>& units, const std::string& file) {
    if (file.empty() || units.size() == 1) return std::nullopt;
    std::vector<std::string> ids;
    for (const auto* u : units) ids.push_back(u->id);
    return make_error(fmt::format("--file grades one kernel, and {} has {} parts", units.front()->module_id(), units.size()),
                      fmt::format("name the part it is for: {}", fmt::join(ids, ", ")));
}

// --case names cases every graded unit has.
std::optional<Error> unknown_case(const std::vector<const course::Module*>& units, const std::vector<std::string>& cases) {
    if (cases.empty()) return std::nullopt;
    for (const auto* u : units)
        if (auto n = course::narrow_cases(u->manifest, cases, u->id); !n) return n.error();
    return std::nullopt;
}

// --debug without --case: the case to launch, found by grading every case first (no timing,
// no sanitizers) with the same seed; what was found is said on stderr. Empty when that grade
// already says all there is (it did not compile, or could not run).
Result<std::vector<std::string>> debug_cases(const Session& s, const course::Module& m, const std::filesystem::path& file,
                                             const engine::Options& opts, std::optional<engine::Grade>& stopped) {
    engine::Options first = opts;
    first.debug = false;
    engine::Grader grader(s.course, first);
    auto pre = grader.grade(m, file);
    if (!pre) return pre.error();
    if (pre->cases.empty()) {  // nothing ran: the grade says why
        stopped = std::move(*pre);
        return std::vector<std::string>{};
    }
    const auto* ex = course::exercise_of(m.manifest);
    const auto& c = m.manifest.cases[engine::debug_case(*ex, m.manifest.cases, pre->cases)];
    std::vector<std::string> failing;
    for (const auto& r : pre->cases)
        if (r.verdict != "PASSED") failing.push_back(r.name);
    if (!s.json)
        std::cerr << (failing.empty() ? fmt::format("--debug: every case passes; launching the smallest, '{}'\n", c.name)
                                      : fmt::format("--debug: {} of {} cases fail ({}); launching the smallest, '{}' "
                                                    "(--case NAME picks another)\n",
                                                    failing.size(), pre->cases.size(), fmt::join(failing, ", "), c.name));
    return std::vector<std::string>{c.name};
}

// The grade of one unit: --debug grades one case (the one named, or the smallest failing one).
Result<engine::Grade> grade_unit(const Session& s, const RunOptions& o, const engine::Options& opts,
                                 engine::Grader& grader, const course::Module& m, const std::filesystem::path& file) {
    if (!o.debug || !o.cases.empty()) return grader.grade(m, file);
    std::optional<engine::Grade> stopped;
    auto cases = debug_cases(s, m, file, opts, stopped);
    if (!cases) return cases.error();
    if (stopped) return std::move(*stopped);
    engine::Options one = opts;
    one.cases = *cases;
    engine::Grader debug_grader(s.course, one);
    return debug_grader.grade(m, file);
}

int run_run(const Global& g, const RunOptions& o) {
    auto s = open_session(g);
    if (!s) return fail(s.error(), grade::exit_code::kUsage);
    auto units = s->course.resolve_units(o.id);
    if (!units) return fail(units.error(), unresolved_code(s->course, {o.id}));
    if (auto e = file_needs_one(*units, o.file)) return fail(*e, grade::exit_code::kUsage);
    if (auto e = unknown_case(*units, o.cases)) return fail(*e, grade::exit_code::kUsage);
    auto opts = grade_options(o.flags);
    if (!opts) return fail(opts.error(), grade::exit_code::kUsage);
    opts->cases = o.cases;
    if (o.debug) {  // one launch of one case, its printf in full: nothing else runs
        opts->debug = true;
        opts->timing = false;
        opts->memcheck = false;
        opts->racecheck = false;
    }
    engine::Grader grader(s->course, *opts);
    opts->seed = grader.seed();  // --debug's first grade and its launch see the same inputs
    auto style = s->style;
    style.verbose = o.verbose;
    std::vector<grade::Verdict> verdicts;
    nlohmann::json results = nlohmann::json::array();
    std::optional<Error> unrecorded;
    for (const auto* m : *units) {
        if (!s->json && ::isatty(STDERR_FILENO)) std::cerr << "grading " << m->id << " ...\n";
        // --file grades another file as this module's kernel (a control, a submission); it is
        // not the learner's attempt, so progress is left alone.
        auto gr = grade_unit(*s, o, *opts, grader, *m, o.file.empty() ? m->kernel_path() : std::filesystem::absolute(o.file));
        if (!gr) return fail(gr.error(), grade::exit_code::kInternal);
        // The grade is shown even when it cannot be recorded; the write error comes after it.
        // A narrowed or debug run is not an attempt at the module.
        const bool attempt = o.file.empty() && o.cases.empty() && !o.debug;
        const Status recorded = attempt ? record_attempt(*s, *m, *gr) : Status(Ok{});
        if (!recorded && !unrecorded) unrecorded = recorded.error();
        if (!s->json) std::cout << (m == units->front() ? "" : "\n") << report::grade_text(*gr, *m, style) << std::flush;
        verdicts.push_back(gr->verdict);
        results.push_back(report::grade_json(*gr, *m));
    }
    const bool parts = whole_module_with_parts(s->course, *units);
    if (parts && !s->json) std::cout << "\n" << report::parts_line(units->front()->module_id(), verdicts, s->style) << "\n";
    if (s->json) {
        nlohmann::json j = {{"schema", report::kJsonSchema}, {"device", report::device_json(grader.device())}};
        if (parts) {
            j["module"] = report::parts_json(units->front()->module_id(), verdicts);
            j["results"] = results;
        } else {
            j["result"] = results.front();
        }
        if (unrecorded) j["error"] = report::error_json(*unrecorded, grade::exit_code::kInternal).at("error");
        std::cout << j.dump(2) << "\n";
    }
    if (unrecorded) {
        print_error(*unrecorded);
        return grade::exit_code::kInternal;
    }
    return exit_code_for(verdicts);
}

}  // namespace

void setup_run(CLI::App& app, Global& g, Action& action) {
    auto o = std::make_shared<RunOptions>();
    auto* cmd = app.add_subcommand("run", "Compile, test and time one module (every part of a module with parts); explain what is wrong");
    cmd->add_option("id", o->id, "The module: missing-elements/01, vector-add, basics, ...; or one part: mastery/01/glu")->required();
    add_grade_flags(cmd, o->flags);
    cmd->add_flag("-v,--verbose", o->verbose, "Show every compiler diagnostic, not only the first four");
    cmd->add_option("--file", o->file, "Grade this file as the module's kernel (progress is not recorded)")
        ->check(CLI::ExistingFile);
    cmd->add_option("--case", o->cases, "Grade only this case (repeat for more); progress is not recorded")
        ->type_name("NAME")
        ->allow_extra_args(false);
    cmd->add_flag("--debug", o->debug,
                  "One launch of one case (--case, else the smallest failing one) with KC_DEBUG defined, a 64 MiB "
                  "printf buffer and the printf lines grouped by block and thread; no timing, no sanitizers unless "
                  "--sanitize; progress is not recorded");
    cmd->callback([&g, o, &action] { action = [&g, o] { return run_run(g, *o); }; });
}

}  // namespace kc::cli
