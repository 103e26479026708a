// kernelcoach hint <id>: one more hint each time, remembered; a file that does not compile
// gets the hint for the spot of its first error.
#include <fmt/format.h>

#include <iostream>

#include "cli/app.h"
#include "course/hints.h"
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

int run_hint(const Global& g, const HintOptions& o) {
    auto s = open_session(g);
    if (!s) return fail(s.error(), grade::exit_code::kInternal);
    auto m = s->course.resolve(o.id);
    if (!m) return fail(m.error(), grade::exit_code::kUsage);
    const auto& mod = **m;
    auto text = read_file(mod.dir / "hints.md");
    if (!text) return fail(make_error(mod.rel_dir + " has no hints.md"), grade::exit_code::kInternal);
    auto hints = course::parse_hints(*text, mod.rel_dir + "/hints.md");
    if (!hints) return fail(hints.error(), grade::exit_code::kInternal);
    if (hints->empty()) {
        std::cout << mod.id << " has no hints.\n";
        return 0;
    }
    progress::Store store(s->course.root);
    auto p = store.load();
    if (!p) return fail(p.error(), grade::exit_code::kInternal);
    int shown = 0;
    if (auto it = p->find(mod.id); it != p->end()) shown = it->second.hints_shown;
    const int total = static_cast<int>(hints->size());

    nlohmann::json j = {{"schema", report::kJsonSchema}, {"module", mod.id}, {"total", total}};
    if (o.all) {
        nlohmann::json list = nlohmann::json::array();
        for (int i = 0; i < std::min(shown, total); ++i) {
            list.push_back({{"number", (*hints)[i].number}, {"kind", (*hints)[i].kind}, {"title", (*hints)[i].title},
                            {"text", (*hints)[i].body}});
            if (!s->json) std::cout << show((*hints)[i], hints->size()) << "\n";
        }
        if (shown == 0 && !s->json) std::cout << "No hints shown yet: `kernelcoach hint " << mod.id << "` shows the first.\n";
        j["shown"] = list;
        if (s->json) std::cout << j.dump(2) << "\n";
        return 0;
    }

    // A file that does not compile: the compile hint for the TODO nearest its first error.
    engine::Options opts;
    opts.use_gpu = false;
    engine::Grader grader(s->course, opts);
    auto graded = grader.grade(mod, mod.kernel_path());
    if (graded && graded->verdict == grade::Verdict::CompileError) {
        auto source = read_file(mod.kernel_path());
        for (const auto& d : graded->diagnostics) {
            if (d.severity != "error" || d.file != "kernel.cu" || !source) continue;
            int todo = course::todo_at_line(*source, d.line);
            if (const auto* h = course::compile_hint_for(*hints, todo)) {
                if (s->json) {
                    j["for_error"] = {{"line", d.line}, {"column", d.column}, {"message", d.message}};
                    j["hint"] = {{"number", h->number}, {"kind", h->kind}, {"title", h->title}, {"text", h->body}};
                    std::cout << j.dump(2) << "\n";
                } else {
                    std::cout << fmt::format("{}:{}:{}: error: {}\nThe hint for that spot (TODO({})):\n\n{}",
                                             mod.rel_kernel(), d.line, d.column, d.message, todo, show(*h, hints->size()));
                }
                return 0;
            }
            break;
        }
    }

    // Otherwise the next hint in order.
    if (shown >= total) {
        if (s->json) {
            j["hint"] = nullptr;
            std::cout << j.dump(2) << "\n";
        } else {
            std::cout << fmt::format("All {} hints of {} are shown (`kernelcoach hint {} --all` lists them).{}\n",
                                     total, mod.id, mod.id,
                                     std::filesystem::exists(mod.dir / "solution/kernel.cu")
                                         ? fmt::format(" `kernelcoach solution {} --force` shows the reference.", mod.id)
                                         : "");
        }
        return 0;
    }
    const auto& h = (*hints)[shown];
    if (auto st = store.record_hint(mod.id, shown + 1); !st) return fail(st.error(), grade::exit_code::kInternal);
    if (s->json) {
        j["hint"] = {{"number", h.number}, {"kind", h.kind}, {"title", h.title}, {"text", h.body}};
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
    cmd->add_option("id", o->id, "The module")->required();
    cmd->add_flag("--all", o->all, "List the hints shown so far");
    cmd->callback([&g, o, &action] { action = [&g, o] { return run_hint(g, *o); }; });
}

}  // namespace kc::cli
