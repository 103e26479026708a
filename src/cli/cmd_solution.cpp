// kernelcoach solution <id>: the reference, once the module is passed (or with --force).
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
    auto m = s->course.resolve(o.id);
    if (!m) return fail(m.error(), unresolved_code(s->course, {o.id}));
    const auto& mod = **m;
    const auto path = mod.dir / "solution" / "kernel.cu";
    if (!std::filesystem::exists(path)) {
        std::cout << fmt::format("{} has no separate solution: its kernel.cu is complete.\n", mod.id);
        return 0;
    }
    auto p = progress::Store(s->course.root).load();
    if (!p) return fail(p.error(), grade::exit_code::kInternal);
    auto it = p->find(mod.id);
    const bool passed = it != p->end() && it->second.passed();
    if (!passed && !o.force)
        return fail(make_error(fmt::format("{} is not passed yet, so its solution stays hidden", mod.id),
                               fmt::format("`kernelcoach hint {}` gives the next hint; `kernelcoach solution {} --force` "
                                           "shows the solution anyway.",
                                           mod.id, mod.id)),
                    grade::exit_code::kUsage);
    auto text = read_file(path);
    if (!text) return fail(text.error(), grade::exit_code::kInternal);
    if (s->json) {
        std::cout << nlohmann::json{{"schema", report::kJsonSchema}, {"module", mod.id},
                                    {"path", mod.rel_dir + "/solution/kernel.cu"}, {"text", *text}}
                         .dump(2)
                  << "\n";
    } else {
        std::cout << fmt::format("// {}/solution/kernel.cu\n{}", mod.rel_dir, *text);
    }
    return 0;
}

}  // namespace

void setup_solution(CLI::App& app, Global& g, Action& action) {
    auto o = std::make_shared<SolutionOptions>();
    auto* cmd = app.add_subcommand("solution", "Show a module's reference solution, once you have passed it");
    cmd->add_option("id", o->id, "The module")->required();
    cmd->add_flag("--force", o->force, "Show it even though the module is not passed yet");
    cmd->callback([&g, o, &action] { action = [&g, o] { return run_solution(g, *o); }; });
}

}  // namespace kc::cli
