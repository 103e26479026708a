// kernelcoach dev check: the course's own integrity, for course authors and CI.
#include <fmt/format.h>

#include <iostream>

#include "cli/app.h"
#include "engine/devcheck.h"

namespace kc::cli {

namespace {

struct DevOptions {
    std::vector<std::string> ids;
    bool all = false;
    GradeFlags flags;
};

const char* status_name(engine::DevCheckItem::Status s) {
    switch (s) {
        case engine::DevCheckItem::Status::Pass: return "ok";
        case engine::DevCheckItem::Status::Fail: return "FAIL";
        case engine::DevCheckItem::Status::Skip: return "skipped";
    }
    return "?";
}

int run_dev_check(const Global& g, const DevOptions& o) {
    auto s = open_session(g);
    if (!s) return fail(s.error(), grade::exit_code::kUsage);
    // No module named: all of them.
    const bool all = o.all || o.ids.empty();
    auto picked = select_modules(s->course, o.ids, all);
    if (!picked) return fail(picked.error(), unresolved_code(s->course, o.ids));
    const auto& mods = *picked;
    auto opts = grade_options(o.flags);
    if (!opts) return fail(opts.error(), grade::exit_code::kUsage);
    engine::Grader timed(s->course, *opts);
    auto untimed_opts = *opts;
    untimed_opts.timing = false;
    untimed_opts.seed = timed.seed();  // one seed for the whole check, printed once
    engine::Grader untimed(s->course, untimed_opts);

    std::vector<engine::DevCheckItem> items;
    if (all)  // a module folder that cannot be loaded fails the check of the whole course
        for (const auto& b : s->course.broken)
            items.push_back({b.id, "module.json", "a module", "broken", engine::DevCheckItem::Status::Fail, b.problem});
    // A module folder's own checks once, before its first entry's: they need every part of a
    // module with parts (each part's files are expected there), even when one part was named.
    std::string folder;
    for (const auto* m : mods) {
        if (m->rel_dir != folder) {
            folder = m->rel_dir;
            for (auto& it : engine::folder_checks(s->course.group_of(*m).units)) items.push_back(std::move(it));
        }
        for (auto& it : engine::unit_checks(*m)) items.push_back(std::move(it));
        for (auto& it : engine::graded_checks(*m, timed, untimed)) items.push_back(std::move(it));
    }
    int pass = 0, failed = 0, skipped = 0;
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& it : items) {
        pass += it.status == engine::DevCheckItem::Status::Pass;
        failed += it.status == engine::DevCheckItem::Status::Fail;
        skipped += it.status == engine::DevCheckItem::Status::Skip;
        rows.push_back({{"module", it.module}, {"check", it.what}, {"expected", it.expected}, {"got", it.got},
                        {"status", status_name(it.status)}, {"detail", it.detail}});
    }
    if (s->json) {
        std::cout << nlohmann::json{{"schema", report::kJsonSchema},
                                    {"device", report::device_json(timed.device())},
                                    {"checks", rows},
                                    {"passed", pass},
                                    {"failed", failed},
                                    {"skipped", skipped}}
                         .dump(2)
                  << "\n";
    } else {
        std::cout << report::device_line(timed.device()) << "\n";
        std::cout << fmt::format("seed {} (--seed {} reproduces)\n", timed.seed(), timed.seed());
        for (const auto& it : items) {
            const char* color = it.status == engine::DevCheckItem::Status::Pass   ? "\033[32m"
                                : it.status == engine::DevCheckItem::Status::Fail ? "\033[31m"
                                                                                   : "\033[33m";
            std::cout << fmt::format("{:<22} {:<40} expect {:<16} got {:<18} {}{}\n", it.module, it.what,
                                     it.expected, it.got, report::paint(s->style, color, status_name(it.status)),
                                     it.detail.empty() ? "" : "  " + it.detail);
        }
        std::cout << fmt::format("{} checks: {} ok, {} failed, {} skipped{}\n", items.size(), pass, failed, skipped,
                                 skipped ? " (not run: " + timed.device().reason + ")" : "");
    }
    if (failed) return grade::exit_code::kFailed;
    return skipped ? grade::exit_code::kNoGpu : grade::exit_code::kPassed;
}

}  // namespace

void setup_dev(CLI::App& app, Global& g, Action& action) {
    auto* dev = app.add_subcommand("dev", "Tools for course authors");
    dev->require_subcommand(1);
    auto o = std::make_shared<DevOptions>();
    auto* check = dev->add_subcommand(
        "check", "Check the course itself: manifests, starters, solutions, controls, hints, files");
    check->add_option("ids", o->ids, "Modules to check (default: all; a module with parts: every part; or one part)");
    check->add_flag("--all", o->all, "Every module");
    add_grade_flags(check, o->flags);
    check->callback([&g, o, &action] { action = [&g, o] { return run_dev_check(g, *o); }; });
}

}  // namespace kc::cli
