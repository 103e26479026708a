// kernelcoach run <id>: compile, test and time one module, and explain what is wrong. A module
// with parts is every part, one report each, then how many parts passed.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <iostream>

#include "cli/app.h"

namespace kc::cli {

namespace {

struct RunOptions {
    std::string id;
    GradeFlags flags;
    bool verbose = false;
    std::string file;
};

// --file grades one kernel as one entry's: a module with parts must be narrowed to a part.
std::optional<Error> file_needs_one(const std::vector<const course::Module*>& units, const std::string& file) {
    if (file.empty() || units.size() == 1) return std::nullopt;
    std::vector<std::string> ids;
    for (const auto* u : units) ids.push_back(u->id);
    return make_error(fmt::format("--file grades one kernel, and {} has {} parts", units.front()->module_id(), units.size()),
                      fmt::format("name the part it is for: {}", fmt::join(ids, ", ")));
}

int run_run(const Global& g, const RunOptions& o) {
    auto s = open_session(g);
    if (!s) return fail(s.error(), grade::exit_code::kUsage);
    auto units = s->course.resolve_units(o.id);
    if (!units) return fail(units.error(), unresolved_code(s->course, {o.id}));
    if (auto e = file_needs_one(*units, o.file)) return fail(*e, grade::exit_code::kUsage);
    auto opts = grade_options(o.flags);
    if (!opts) return fail(opts.error(), grade::exit_code::kUsage);
    engine::Grader grader(s->course, *opts);
    auto style = s->style;
    style.verbose = o.verbose;
    std::vector<grade::Verdict> verdicts;
    nlohmann::json results = nlohmann::json::array();
    std::optional<Error> unrecorded;
    for (const auto* m : *units) {
        if (!s->json && ::isatty(STDERR_FILENO)) std::cerr << "grading " << m->id << " ...\n";
        // --file grades another file as this module's kernel (a control, a submission); it is
        // not the learner's attempt, so progress is left alone.
        auto gr = grader.grade(*m, o.file.empty() ? m->kernel_path() : std::filesystem::absolute(o.file));
        if (!gr) return fail(gr.error(), grade::exit_code::kInternal);
        // The grade is shown even when it cannot be recorded; the write error comes after it.
        const Status recorded = o.file.empty() ? record_attempt(*s, *m, *gr) : Status(Ok{});
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
    cmd->callback([&g, o, &action] { action = [&g, o] { return run_run(g, *o); }; });
}

}  // namespace kc::cli
