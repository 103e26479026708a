// kernelcoach check: grade several modules (all, a track, or a list) and summarise.
#include <fmt/format.h>

#include <unistd.h>

#include <iostream>
#include <map>

#include "cli/app.h"
#include "report/junit.h"
#include "util/atomic_file.h"

namespace kc::cli {

namespace {

struct CheckOptions {
    std::vector<std::string> ids;
    bool all = false;
    std::string track;
    GradeFlags flags;
    std::string junit;
};

int run_check(const Global& g, const CheckOptions& o) {
    auto s = open_session(g);
    if (!s) return fail(s.error(), grade::exit_code::kInternal);
    auto picked = select_modules(s->course, o.ids, o.all, o.track);
    if (!picked) return fail(picked.error(), grade::exit_code::kUsage);
    const auto& mods = *picked;
    if (mods.empty())
        return fail(make_error("name modules to check, or use --all or --track T"), grade::exit_code::kUsage);
    auto opts = grade_options(o.flags);
    if (!opts) return fail(opts.error(), grade::exit_code::kUsage);

    engine::Grader grader(s->course, *opts);
    const auto& dev = grader.device();
    if (!s->json) {
        std::cout << report::device_line(dev) << "\n";
        std::cout << fmt::format("seed {} (--seed {} reproduces)\n", grader.seed(), grader.seed());
    }
    std::vector<grade::Verdict> verdicts;
    std::map<std::string, int> counts;
    nlohmann::json results = nlohmann::json::array();
    bool internal = false;
    std::vector<engine::Grade> grades;
    std::vector<std::pair<std::string, std::string>> errors;
    for (size_t i = 0; i < mods.size(); ++i) {
        const auto& m = *mods[i];
        const bool live = !s->json && ::isatty(STDERR_FILENO);  // a progress line only for people
        if (live) std::cerr << fmt::format("[{}/{}] {} ...\r", i + 1, mods.size(), m.id) << std::flush;
        auto gr = grade_and_record(*s, grader, m);
        if (!gr) {
            internal = true;
            errors.emplace_back(m.id, gr.error().message);
            if (s->json) results.push_back({{"module", m.id}, {"error", gr.error().message}});
            else std::cout << fmt::format("{:<24} {}\n", m.id, "ERROR: " + gr.error().message);
            continue;
        }
        if (live) std::cerr << "\033[K" << std::flush;  // clear the progress line
        verdicts.push_back(gr->verdict);
        counts[grade::name(gr->verdict)]++;
        if (s->json) results.push_back(report::grade_json(*gr));
        else std::cout << report::grade_line(*gr, s->style) << "\n";
        grades.push_back(std::move(*gr));
    }
    if (!o.junit.empty())
        if (auto st = write_file_atomic(o.junit, report::junit_xml(grades, errors)); !st)
            return fail(st.error(), grade::exit_code::kInternal);
    if (s->json) {
        nlohmann::json j = {{"schema", report::kJsonSchema}, {"seed", grader.seed()},
                            {"device", report::device_json(dev)}, {"results", results},
                            {"counts", counts}};
        std::cout << j.dump(2) << "\n";
    } else {
        std::string line;
        for (const auto& [k, v] : counts) line += fmt::format("{}{} {}", line.empty() ? "" : ", ", v, k);
        std::cout << fmt::format("{} module(s): {}\n", mods.size(), line);
    }
    if (internal) return grade::exit_code::kInternal;
    return exit_code_for(verdicts);
}

}  // namespace

void setup_check(CLI::App& app, Global& g, Action& action) {
    auto o = std::make_shared<CheckOptions>();
    auto* cmd = app.add_subcommand("check", "Grade several modules: ids, --track T, or --all");
    cmd->add_option("ids", o->ids, "Modules to grade");
    cmd->add_flag("--all", o->all, "Every module of the course");
    cmd->add_option("--track", o->track, "Every module of one track");
    add_grade_flags(cmd, o->flags);
    cmd->add_option("--junit", o->junit, "Also write the results as JUnit XML to this file (for CI systems)");
    cmd->callback([&g, o, &action] { action = [&g, o] { return run_check(g, *o); }; });
}

}  // namespace kc::cli
