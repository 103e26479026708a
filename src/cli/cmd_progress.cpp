// kernelcoach progress: the certificate, 19 modules in 4 tracks.
#include <iostream>

#include "cli/app.h"

namespace kc::cli {

namespace {

int run_progress(const Global& g) {
    auto s = open_session(g);
    if (!s) return fail(s.error(), grade::exit_code::kUsage);
    auto p = load_progress(*s);
    if (!p) return fail(p.error(), grade::exit_code::kInternal);
    warn_broken(s->course);
    if (s->json) std::cout << report::progress_json(s->course, *p).dump(2) << "\n";
    else std::cout << report::progress_text(s->course, *p, s->style);
    return 0;
}

}  // namespace

void setup_progress(CLI::App& app, Global& g, Action& action) {
    auto* cmd = app.add_subcommand("progress", "Show your certificate: every track and module");
    cmd->callback([&g, &action] { action = [&g] { return run_progress(g); }; });
}

}  // namespace kc::cli
