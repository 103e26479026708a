// kernelcoach reset <id>|--all: put the starter back, keeping the learner's file as a backup. A
// module with parts resets every part's file.
#include <fmt/format.h>
#include <unistd.h>

#include <ctime>
#include <iostream>
#include <optional>

#include "cli/app.h"
#include "course/starters.h"
#include "util/atomic_file.h"
#include "util/hash.h"

namespace kc::cli {

namespace {

struct ResetOptions {
    std::vector<std::string> ids;
    bool all = false;
    bool yes = false;
};

std::string timestamp() {
    std::time_t t = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", std::localtime(&t));
    return buf;
}

bool confirm(const std::string& question) {
    std::cout << question << " [y/N] " << std::flush;
    std::string answer;
    if (!std::getline(std::cin, answer)) return false;
    return answer == "y" || answer == "Y" || answer == "yes";
}

int run_reset(const Global& g, const ResetOptions& o) {
    auto s = open_session(g);
    if (!s) return fail(s.error(), grade::exit_code::kUsage);
    auto picked = select_modules(s->course, o.ids, o.all);
    if (!picked) return fail(picked.error(), unresolved_code(s->course, o.ids));
    const auto& mods = *picked;
    if (mods.empty()) return fail(make_error("name the modules to reset, or use --all"), grade::exit_code::kUsage);

    // What would change: files (kernel.cu, a part's <part>.cu) that differ from their starter.
    struct Plan {
        const course::Module* m;
        std::string starter;
        std::optional<std::string> current;  // none: there is no kernel.cu to keep
    };
    std::vector<Plan> plan;
    for (const auto* m : mods) {
        auto starter = course::pristine_starter(s->course, *m);
        if (!starter)
            return fail(make_error(fmt::format("no pristine copy of {}'s starter", m->id),
                                   fmt::format("kernelcoach keeps one from the first time it sees the untouched file; "
                                               "`git checkout -- {}` restores it from the course's history.",
                                               m->rel_kernel())),
                        grade::exit_code::kInternal);
        auto current = read_file(m->kernel_path());
        if (current && hash_hex(*current) == m->manifest.starter_hash) {
            std::cout << fmt::format("{}: already the starter; nothing to do\n", m->id);
            continue;
        }
        plan.push_back({m, std::move(*starter), current ? std::optional(std::move(*current)) : std::nullopt});
    }
    if (plan.empty()) return 0;
    if (!o.yes) {
        if (!::isatty(STDIN_FILENO))
            return fail(make_error(fmt::format("reset replaces your {}; pass --yes to do it without a question",
                                               plan.size() == 1 ? plan.front().m->kernel_file() : "files")),
                        grade::exit_code::kUsage);
        std::string list;
        for (const auto& p : plan) list += "\n  " + p.m->rel_kernel();
        if (!confirm(fmt::format("Put the starter back in:{}\n(each file you have now is kept as a backup)", list))) {
            std::cout << "Nothing changed.\n";
            return 0;
        }
    }
    const std::string stamp = timestamp();
    for (const auto& p : plan) {
        std::string kept = fmt::format("there was no {} to keep", p.m->kernel_file());
        if (p.current) {
            auto backup = write_file_new(
                s->course.root / ".kernelcoach" / "backups" / p.m->track / p.m->folder / (p.m->kernel_file() + "." + stamp),
                *p.current);
            if (!backup) return fail(backup.error(), grade::exit_code::kInternal);
            std::error_code ec;
            kept = "your file is kept as " + std::filesystem::relative(*backup, s->course.root, ec).string();
        }
        if (auto st = write_file_atomic(p.m->kernel_path(), p.starter); !st)
            return fail(st.error(), grade::exit_code::kInternal);
        std::cout << fmt::format("{}: starter restored; {}\n", p.m->id, kept);
    }
    return 0;
}

}  // namespace

int reset_module(const Global& g, const std::string& id) { return run_reset(g, ResetOptions{{id}, false, true}); }

void setup_reset(CLI::App& app, Global& g, Action& action) {
    auto o = std::make_shared<ResetOptions>();
    auto* cmd = app.add_subcommand("reset", "Put a module's starter kernel.cu back (your file is kept as a backup)");
    cmd->add_option("ids", o->ids, "Modules to reset (a module with parts: every part's file; or one part)");
    cmd->add_flag("--all", o->all, "Every module");
    cmd->add_flag("-y,--yes", o->yes, "Do not ask first");
    cmd->callback([&g, o, &action] { action = [&g, o] { return run_reset(g, *o); }; });
}

}  // namespace kc::cli
