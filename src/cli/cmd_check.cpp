// kernelcoach check: grade several modules (all, a track, or a list; a module with parts is
// every part) and summarise.
#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <map>

#include "cli/app.h"
#include "report/junit.h"
#include "util/atomic_file.h"
#include "util/printable.h"

namespace kc::cli {

namespace {

struct CheckOptions {
    std::vector<std::string> ids;
    bool all = false;
    std::string track;
    GradeFlags flags;
    std::string junit;
    bool no_record = false;
};

// What check collects: every grade, and every module it could not grade or record, with why.
struct Tally {
    std::vector<engine::Grade> grades;
    std::vector<const course::Module*> graded;  // what each grade is of
    std::vector<std::pair<std::string, std::string>> errors;  // module id, message
};

void note_error(Tally& t, bool json, const std::string& id, const std::string& message) {
    t.errors.emplace_back(id, message);
    if (!json) std::cout << fmt::format("{:<24} {}\n", id, "ERROR: " + printable(message));
}

// The broken modules that --all or --track T asked for: each is an error, the rest are graded.
void note_broken(Tally& t, const course::Course& c, const CheckOptions& o, bool json) {
    if (!o.all && o.track.empty()) return;
    for (const auto& b : c.broken)
        if (o.track.empty() || b.track == o.track) note_error(t, json, b.id, b.problem);
}

void grade_one(Tally& t, Session& s, engine::Grader& grader, const course::Module& m, bool record) {
    auto gr = grader.grade(m, m.kernel_path());
    if (!gr) return note_error(t, s.json, m.id, gr.error().message);
    if (!s.json) std::cout << report::grade_line(*gr, s.style) << "\n";
    if (record)
        if (auto st = record_attempt(s, m, *gr); !st) note_error(t, s.json, m.id, "not recorded: " + st.error().message);
    t.grades.push_back(std::move(*gr));
    t.graded.push_back(&m);
}

// "15 module(s): ..." or, when modules have parts, "15 module(s), 16 kernels graded: ...".
std::string summary_line(const std::vector<const course::Module*>& mods, const std::string& counts) {
    std::vector<std::string> modules;
    for (const auto* m : mods)
        if (std::find(modules.begin(), modules.end(), m->module_id()) == modules.end()) modules.push_back(m->module_id());
    if (modules.size() == mods.size()) return fmt::format("{} module(s): {}", mods.size(), counts);
    return fmt::format("{} module(s), {} kernels graded: {}", modules.size(), mods.size(), counts);
}

int run_check(const Global& g, const CheckOptions& o) {
    auto s = open_session(g);
    if (!s) return fail(s.error(), grade::exit_code::kUsage);
    auto picked = select_modules(s->course, o.ids, o.all, o.track);
    if (!picked) return fail(picked.error(), unresolved_code(s->course, o.ids));
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
    Tally tally;
    note_broken(tally, s->course, o, s->json);
    const bool live = !s->json && ::isatty(STDERR_FILENO);  // a progress line only for people
    for (size_t i = 0; i < mods.size(); ++i) {
        if (live) std::cerr << fmt::format("[{}/{}] {} ...\r", i + 1, mods.size(), mods[i]->id) << std::flush;
        grade_one(tally, *s, grader, *mods[i], !o.no_record);
        if (live) std::cerr << "\033[K" << std::flush;  // clear the progress line
    }
    std::vector<grade::Verdict> verdicts;
    std::map<std::string, int> counts;
    std::map<std::string, grade::Verdict> by_id;
    for (size_t i = 0; i < tally.grades.size(); ++i) {
        verdicts.push_back(tally.grades[i].verdict);
        counts[grade::name(tally.grades[i].verdict)]++;
        by_id[tally.graded[i]->id] = tally.grades[i].verdict;
    }
    const auto whole = parts_tallies(s->course, by_id);
    if (!o.junit.empty())
        if (auto st = write_file_atomic(o.junit, report::junit_xml(tally.grades, tally.errors)); !st)
            return fail(st.error(), grade::exit_code::kInternal);
    if (s->json) {
        nlohmann::json results = nlohmann::json::array(), errors = nlohmann::json::array();
        for (size_t i = 0; i < tally.grades.size(); ++i) results.push_back(report::grade_json(tally.grades[i], *tally.graded[i]));
        for (const auto& [id, message] : tally.errors) errors.push_back({{"module", id}, {"error", message}});
        nlohmann::json j = {{"schema", report::kJsonSchema}, {"seed", grader.seed()}, {"device", report::device_json(dev)},
                            {"results", results}, {"errors", errors}, {"counts", counts}};
        if (!whole.empty()) {
            j["modules"] = nlohmann::json::array();
            for (const auto& t : whole) j["modules"].push_back(report::parts_json(t.module_id, t.verdicts));
        }
        std::cout << j.dump(2) << "\n";
    } else {
        std::string line;
        for (const auto& [k, v] : counts) line += fmt::format("{}{} {}", line.empty() ? "" : ", ", v, k);
        if (!tally.errors.empty()) line += fmt::format("{}{} ERROR", line.empty() ? "" : ", ", tally.errors.size());
        for (const auto& t : whole) std::cout << report::parts_line(t.module_id, t.verdicts, s->style) << "\n";
        std::cout << summary_line(mods, line) << "\n";
    }
    if (!tally.errors.empty()) return grade::exit_code::kInternal;
    return exit_code_for(verdicts);
}

}  // namespace

void setup_check(CLI::App& app, Global& g, Action& action) {
    auto o = std::make_shared<CheckOptions>();
    auto* cmd = app.add_subcommand("check", "Grade several modules: ids, --track T, or --all");
    cmd->add_option("ids", o->ids, "Modules to grade (a module with parts: every part; or one part: mastery/01/glu)");
    cmd->add_flag("--all", o->all, "Every module of the course (with --track: every module of that track)");
    cmd->add_option("--track", o->track, "Every module of one track");
    add_grade_flags(cmd, o->flags);
    cmd->add_option("--junit", o->junit, "Also write the results as JUnit XML to this file (for CI systems)");
    cmd->add_flag("--no-record", o->no_record,
                  "Grade without recording attempts in progress.json (tools/bootstrap grades the course this way)");
    cmd->callback([&g, o, &action] { action = [&g, o] { return run_check(g, *o); }; });
}

}  // namespace kc::cli
