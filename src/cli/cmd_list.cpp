// kernelcoach list: every module, with its status.
#include <iostream>

#include "cli/app.h"
#include "progress/store.h"

namespace kc::cli {

namespace {

struct ListOptions {
    std::string track;
    std::string status;
};

int run_list(const Global& g, const ListOptions& o) {
    auto s = open_session(g);
    if (!s) return fail(s.error(), grade::exit_code::kInternal);
    auto p = progress::Store(s->course.root).load();
    if (!p) return fail(p.error(), grade::exit_code::kInternal);
    course::Course shown = s->course;
    std::erase_if(shown.modules, [&](const course::Module& m) {
        if (!o.track.empty() && m.track != o.track) return true;
        if (o.status.empty()) return false;
        auto it = p->find(m.id);
        std::string st = it == p->end() || !it->second.attempts ? "not-started"
                                                                : std::string(progress::to_string(it->second.status));
        return st != o.status;
    });
    if (!o.track.empty() && shown.modules.empty() && s->course.in_track(o.track).empty())
        return fail(make_error("no track '" + o.track + "'"), grade::exit_code::kUsage);
    if (s->json) std::cout << report::list_json(shown, *p).dump(2) << "\n";
    else std::cout << report::list_text(shown, *p, s->style);
    return 0;
}

}  // namespace

void setup_list(CLI::App& app, Global& g, Action& action) {
    auto o = std::make_shared<ListOptions>();
    auto* cmd = app.add_subcommand("list", "List the modules and your status in each");
    cmd->add_option("--track", o->track, "Only this track (basics, missing-elements, optimization, debugging, mastery)");
    cmd->add_option("--status", o->status, "Only modules with this status")
        ->check(CLI::IsMember({"passed", "failed", "not-started"}));
    cmd->callback([&g, o, &action] { action = [&g, o] { return run_list(g, *o); }; });
}

}  // namespace kc::cli
