// kernelcoach list: every module, with its status (a module with parts: its parts under it).
#include <fmt/format.h>

#include <iostream>
#include <set>

#include "cli/app.h"

namespace kc::cli {

namespace {

struct ListOptions {
    std::string track;
    std::string status;
};

// What list says when nothing is left to show, so an empty answer is never silent.
std::string nothing_text(const course::Course& c, const ListOptions& o) {
    if (!o.track.empty() && c.in_track(o.track).empty())
        return fmt::format("track {} has no modules yet (`kernelcoach list` shows those there are)\n", o.track);
    const std::string where = o.track.empty() ? "" : " in track " + o.track;
    if (o.status == "passed") return fmt::format("no module passed yet{}\n", where);
    if (o.status == "failed") return fmt::format("no failed module{}\n", where);
    return fmt::format("every module{} is started\n", where);
}

int run_list(const Global& g, const ListOptions& o) {
    auto s = open_session(g);
    if (!s) return fail(s.error(), grade::exit_code::kUsage);
    if (!o.track.empty())
        if (auto known = s->course.check_track(o.track); !known) return fail(known.error(), grade::exit_code::kUsage);
    auto p = load_progress(*s);
    if (!p) return fail(p.error(), grade::exit_code::kInternal);
    warn_broken(s->course, o.track);
    // A module with parts is shown, or left out, whole: by the status derived from its parts'.
    std::set<std::string> left_out;
    for (const auto& g : s->course.groups())
        if ((!o.track.empty() && g.first().track != o.track) || (!o.status.empty() && report::status_of(*p, g) != o.status))
            left_out.insert(g.id());
    course::Course shown = s->course;
    std::erase_if(shown.modules, [&](const course::Module& m) { return left_out.count(m.module_id()) > 0; });
    std::erase_if(shown.broken, [&](const course::BrokenModule& b) { return !o.track.empty() && b.track != o.track; });
    if (s->json) std::cout << report::list_json(shown, *p).dump(2) << "\n";
    else if (shown.modules.empty()) std::cout << nothing_text(s->course, o);
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
