// kernelcoach solution <id>: the reference, once the module is passed (or with --force). A
// module with parts shows every part's once every part is passed; a part id, that part's once
// it is passed.
#include <fmt/format.h>

#include <iostream>

#include "cli/app.h"
#include "progress/store.h"
#include "util/atomic_file.h"

namespace kc::cli {

namespace {

struct SolutionOptions {
    std::string id;
    bool force = false;
};

int run_solution(const Global& g, const SolutionOptions& o) {
    auto s = open_session(g);
    if (!s) return fail(s.error(), grade::exit_code::kUsage);
    auto units = s->course.resolve_units(o.id);
    if (!units) return fail(units.error(), unresolved_code(s->course, {o.id}));
    const bool whole = whole_module_with_parts(s->course, *units);
    const std::string id = whole ? units->front()->module_id() : units->front()->id;
    if (!std::filesystem::exists(units->front()->solution_path())) {
        std::cout << fmt::format("{} has no separate solution: its {} is complete.\n", id, units->front()->kernel_file());
        return 0;
    }
    auto p = progress::Store(s->course.root).load();
    if (!p) return fail(p.error(), grade::exit_code::kInternal);
    std::vector<std::string> unpassed;
    for (const auto* m : *units)
        if (auto it = p->find(m->id); it == p->end() || !it->second.passed()) unpassed.push_back(m->id);
    if (!unpassed.empty() && !o.force)
        return fail(make_error(whole ? fmt::format("{} is not passed yet ({} of its {} parts not), so its solutions stay "
                                                   "hidden",
                                                   id, unpassed.size(), units->size())
                                     : fmt::format("{} is not passed yet, so its solution stays hidden", id),
                               fmt::format("`kernelcoach hint {}` gives the next hint; `kernelcoach solution {} --force` "
                                           "shows the solution anyway.",
                                           whole ? unpassed.front() : id, id)),
                    grade::exit_code::kUsage);
    nlohmann::json shown = nlohmann::json::array();
    for (const auto* m : *units) {
        auto text = read_file(m->solution_path());
        if (!text) return fail(text.error(), grade::exit_code::kInternal);
        nlohmann::json one = {{"module", m->id}, {"path", m->rel_solution()}, {"text", *text}};
        if (m->is_part()) one["part"] = m->part;
        shown.push_back(one);
        if (!s->json) std::cout << fmt::format("{}// {}\n{}", m == units->front() ? "" : "\n", m->rel_solution(), *text);
    }
    if (s->json) {
        nlohmann::json j = {{"schema", report::kJsonSchema}};
        if (whole) j.update({{"module", id}, {"solutions", shown}});
        else j.update(shown.front());
        std::cout << j.dump(2) << "\n";
    }
    return 0;
}

}  // namespace

void setup_solution(CLI::App& app, Global& g, Action& action) {
    auto o = std::make_shared<SolutionOptions>();
    auto* cmd = app.add_subcommand("solution", "Show a module's reference solution, once you have passed it");
    cmd->add_option("id", o->id, "The module (every part's solution), or one part")->required();
    cmd->add_flag("--force", o->force, "Show it even though the module is not passed yet");
    cmd->callback([&g, o, &action] { action = [&g, o] { return run_solution(g, *o); }; });
}

}  // namespace kc::cli
