// kernelcoach run <id>: compile, test and time one module, and explain what is wrong.
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

int run_run(const Global& g, const RunOptions& o) {
    auto s = open_session(g);
    if (!s) return fail(s.error(), grade::exit_code::kUsage);
    auto m = s->course.resolve(o.id);
    if (!m) return fail(m.error(), unresolved_code(s->course, {o.id}));
    auto opts = grade_options(o.flags);
    if (!opts) return fail(opts.error(), grade::exit_code::kUsage);
    engine::Grader grader(s->course, *opts);
    if (!s->json && ::isatty(STDERR_FILENO)) std::cerr << "grading " << (*m)->id << " ...\n";
    // --file grades another file as this module's kernel (a control, a submission); it is not
    // the learner's attempt, so progress is left alone.
    auto gr = grader.grade(**m, o.file.empty() ? (*m)->kernel_path() : std::filesystem::absolute(o.file));
    if (!gr) return fail(gr.error(), grade::exit_code::kInternal);
    // The grade is shown even when it cannot be recorded; the write error comes after it.
    const Status recorded = o.file.empty() ? record_attempt(*s, **m, *gr) : Status(Ok{});
    if (s->json) {
        nlohmann::json j = {{"schema", report::kJsonSchema},
                            {"device", report::device_json(grader.device())},
                            {"result", report::grade_json(*gr)}};
        if (!recorded) j["error"] = report::error_json(recorded.error(), grade::exit_code::kInternal).at("error");
        std::cout << j.dump(2) << "\n";
    } else {
        auto style = s->style;
        style.verbose = o.verbose;
        std::cout << report::grade_text(*gr, **m, style) << std::flush;
    }
    if (!recorded) {
        print_error(recorded.error());
        return grade::exit_code::kInternal;
    }
    return exit_code_for({gr->verdict});
}

}  // namespace

void setup_run(CLI::App& app, Global& g, Action& action) {
    auto o = std::make_shared<RunOptions>();
    auto* cmd = app.add_subcommand("run", "Compile, test and time one module; explain what is wrong");
    cmd->add_option("id", o->id, "The module: missing-elements/01, vector-add, basics, ...")->required();
    add_grade_flags(cmd, o->flags);
    cmd->add_flag("-v,--verbose", o->verbose, "Show every compiler diagnostic, not only the first four");
    cmd->add_option("--file", o->file, "Grade this file as the module's kernel (progress is not recorded)")
        ->check(CLI::ExistingFile);
    cmd->callback([&g, o, &action] { action = [&g, o] { return run_run(g, *o); }; });
}

}  // namespace kc::cli
