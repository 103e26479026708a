// kernelcoach hint <id>: the hint that fits the file as it is (the first element still missing,
// or the one a compile error is about), else one more hint each time, remembered. A module with
// parts: the hint for its first part not passed yet (hints.md is the module's; a hint naming
// parts in its heading is only theirs; each part remembers its own count).
#include <fmt/format.h>

#include <iostream>
#include <map>

#include "cli/app.h"
#include "course/hint_choice.h"
#include "course/hints.h"
#include "course/starters.h"
#include "progress/store.h"
#include "util/atomic_file.h"

namespace kc::cli {

namespace {

struct HintOptions {
    std::string id;
    bool all = false;
};

std::string show(const course::Hint& h, size_t total) {
    return fmt::format("Hint {} of {} ({}): {}\n\n{}\n", h.number, total,
                       h.kind == "compile" ? "compile" : "wrong answer", h.title, h.body);
}

nlohmann::json hint_json(const course::Hint& h) {
    return {{"number", h.number}, {"kind", h.kind}, {"title", h.title}, {"text", h.body}};
}

// The file as the hint lookup sees it, and the compiler's errors in kernel.cu.
struct FileState {
    course::HintQuery query;
    std::vector<const compile::Diagnostic*> errors;  // beside query.errors
    std::string summary;                             // the grade's, for a file without errors
};

FileState file_state(const Session& s, const course::Module& mod, const engine::Grade& g, const std::string& source) {
    FileState st;
    st.query.starter = course::pristine_starter(s.course, mod).value_or(source);
    st.query.source = source;
    st.query.compiled = g.compiled;
    st.summary = g.summary;
    bool any_error = false;
    for (const auto& d : g.diagnostics) {
        if (d.severity != "error") continue;
        any_error = true;
        if (d.file != compile::kernel_source_name()) continue;
        st.query.errors.push_back({d.line, d.message});
        st.errors.push_back(&d);
    }
    if (!g.compiled && !any_error) st.query.missing_kernel = mod.manifest.kernel;
    return st;
}

// The error shown with a hint: the one about its element, else the first.
const compile::Diagnostic* shown_error(const FileState& st, const course::HintChoice& c) {
    if (c.error >= 0) return st.errors[c.error];
    return st.errors.empty() ? nullptr : st.errors.front();
}

// "kernel.cu:28:6: error: ...", then why this hint: the error is about its element, or the
// element comes first and is still missing.
std::string fitting_text(const course::Module& mod, const FileState& st, const course::HintChoice& c) {
    const compile::Diagnostic* d = shown_error(st, c);
    std::string head = d ? fmt::format("{}:{}:{}: error: {}\n", mod.rel_kernel(), d->line, d->column, d->message)
                     : st.query.compiled ? fmt::format("{} compiles.\n", mod.rel_kernel())
                                         : st.summary + "\n";
    if (c.error >= 0) return head + fmt::format("The hint for that error (TODO({})):\n\n", c.todo);
    if (!d && !st.query.compiled) return head + fmt::format("The hint for TODO({}):\n\n", c.todo);  // no such kernel
    return head + fmt::format("TODO({}) is the first element still missing{}; its hint:\n\n", c.todo,
                              d ? " (before that error)" : "");
}

int show_fitting(const Session& s, const course::Module& mod, const FileState& st, const course::HintChoice& c,
                 nlohmann::json j) {
    if (!s.json) {
        std::cout << fitting_text(mod, st, c) << show(*c.hint, j["total"].get<size_t>());
        return 0;
    }
    if (const compile::Diagnostic* d = shown_error(st, c))
        j["for_error"] = {{"line", d->line}, {"column", d->column}, {"message", d->message}};
    j["todo"] = c.todo;
    j["reason"] = c.error >= 0 ? "error" : "missing";
    j["hint"] = hint_json(*c.hint);
    std::cout << j.dump(2) << "\n";
    return 0;
}

// The entry a hint is for: the one named, or the first part not passed yet of a module with
// parts (the first part once every part is passed).
const course::Module& hinted(const std::vector<const course::Module*>& units,
                             const std::map<std::string, progress::ModuleProgress>& p) {
    for (const auto* m : units)
        if (auto it = p.find(m->id); it == p.end() || !it->second.passed()) return *m;
    return *units.front();
}

int run_hint(const Global& g, const HintOptions& o) {
    auto s = open_session(g);
    if (!s) return fail(s.error(), grade::exit_code::kUsage);
    auto units = s->course.resolve_units(o.id);
    if (!units) return fail(units.error(), unresolved_code(s->course, {o.id}));
    progress::Store store(s->course.root);
    auto p = store.load();
    if (!p) return fail(p.error(), grade::exit_code::kInternal);
    const auto& mod = hinted(*units, *p);
    if (units->size() > 1 && !s->json)
        std::cout << fmt::format("{} is the first part of {} not passed yet; {}:\n\n", mod.id, mod.module_id(),
                                 o.all ? "the hints shown for it" : "its hint");
    auto text = read_file(mod.dir / "hints.md");
    if (!text) return fail(make_error(mod.rel_dir + " has no hints.md"), grade::exit_code::kInternal);
    auto hints = course::parse_hints(*text, mod.rel_dir + "/hints.md");
    if (!hints) return fail(hints.error(), grade::exit_code::kInternal);
    *hints = course::hints_for_part(*hints, mod.part);  // a part's own, numbered 1, 2, 3...
    if (hints->empty()) {
        std::cout << mod.id << " has no hints.\n";
        return 0;
    }
    int shown = 0;
    if (auto it = p->find(mod.id); it != p->end()) shown = it->second.hints_shown;
    const int total = static_cast<int>(hints->size());

    nlohmann::json j = {{"schema", report::kJsonSchema}, {"module", mod.id}, {"total", total}};
    if (mod.is_part()) j["part"] = mod.part;
    if (o.all) {
        nlohmann::json list = nlohmann::json::array();
        for (int i = 0; i < std::min(shown, total); ++i) {
            list.push_back(hint_json((*hints)[i]));
            if (!s->json) std::cout << show((*hints)[i], hints->size()) << "\n";
        }
        if (shown == 0 && !s->json) std::cout << "No hints shown yet: `kernelcoach hint " << mod.id << "` shows the first.\n";
        j["shown"] = list;
        if (s->json) std::cout << j.dump(2) << "\n";
        return 0;
    }

    // The hint that fits the file as it is: for the first element still missing, or that a
    // compile error is about. It does not use up the hints shown one by one.
    engine::Options opts;
    opts.use_gpu = false;
    engine::Grader grader(s->course, opts);
    auto graded = grader.grade(mod, mod.kernel_path());
    auto source = read_file(mod.kernel_path());
    if (graded && source) {
        FileState state = file_state(*s, mod, *graded, *source);
        if (auto c = course::choose_hint(*hints, state.query)) return show_fitting(*s, mod, state, *c, j);
    }

    // Otherwise the next hint in order.
    if (shown >= total) {
        if (s->json) {
            j["hint"] = nullptr;
            std::cout << j.dump(2) << "\n";
        } else {
            std::cout << fmt::format("All {} hints of {} are shown (`kernelcoach hint {} --all` lists them).{}\n",
                                     total, mod.id, mod.id,
                                     std::filesystem::exists(mod.solution_path())
                                         ? fmt::format(" `kernelcoach solution {} --force` shows the reference.", mod.id)
                                         : "");
        }
        return 0;
    }
    const auto& h = (*hints)[shown];
    if (auto st = store.record_hint(mod.id, shown + 1); !st) return fail(st.error(), grade::exit_code::kInternal);
    if (s->json) {
        j["hint"] = hint_json(h);
        std::cout << j.dump(2) << "\n";
    } else {
        std::cout << show(h, hints->size());
    }
    return 0;
}

}  // namespace

int show_hint(const Global& g, const std::string& id) { return run_hint(g, HintOptions{id, false}); }

void setup_hint(CLI::App& app, Global& g, Action& action) {
    auto o = std::make_shared<HintOptions>();
    auto* cmd = app.add_subcommand("hint", "Show the next hint for a module (remembered), or the one for a compile error");
    cmd->add_option("id", o->id, "The module (a module with parts: its first part not passed yet), or one part")->required();
    cmd->add_flag("--all", o->all, "List the hints shown so far");
    cmd->callback([&g, o, &action] { action = [&g, o] { return run_hint(g, *o); }; });
}

}  // namespace kc::cli
