// kernelcoach new <name> [--from <id>]: a module of the learner's own under tracks/portfolio/,
// graded like any course module and kept apart from the certificate.
#include <fmt/format.h>

#include <iostream>

#include "cli/app.h"
#include "course/scaffold.h"
#include "util/atomic_file.h"

namespace kc::cli {

namespace {

struct NewOptions {
    std::string name;
    std::string from;
};

// What each file is for, as `new` lists them.
const char* file_note(const std::string& path) {
    if (path == "module.json") return "the manifest: its \"custom\" block declares sizes, tensors, inputs and the bound";
    if (path == "kernel.cu") return "your kernel";
    if (path == "reference.cpp") return "the float64 truth (host C++, built with the system compiler)";
    if (path == "README.md") return "the module's page: a skeleton to fill";
    if (path == "hints.md") return "hints, for `kernelcoach hint`";
    if (path.rfind("solution/", 0) == 0) return "a correct kernel";
    if (path.rfind("controls/", 0) == 0) return "a kernel that must fail";
    return "";
}

// The --from module's files: its kernel file as it is now, and its reference solution.
Result<course::StartingPoint> starting_point(const course::Course& c, const std::string& id) {
    auto m = c.resolve(id);
    if (!m) return m.error();
    course::StartingPoint from{*m, {}, {}};
    auto kernel = read_file((*m)->kernel_path());
    if (!kernel) return kernel.error();
    if (kernel->find("TODO(") != std::string::npos)
        return make_error(fmt::format("{} still has TODO markers in {}: finish it first (its kernel is the starting "
                                      "point), or start from the worked example without --from",
                                      (*m)->id, (*m)->rel_kernel()));
    from.kernel = *kernel;
    if (auto solution = read_file((*m)->solution_path())) from.solution = *solution;
    if ((*m)->manifest.custom)  // a module of one's own: its truth comes along
        if (auto reference = read_file((*m)->dir / "reference.cpp")) from.reference = *reference;
    return from;
}

int run_new(const Global& g, const NewOptions& o) {
    auto s = open_session(g);
    if (!s) return fail(s.error(), grade::exit_code::kUsage);
    const auto& root = s->course.root;
    if (auto why = course::new_module_problem(root, o.name); !why.empty())
        return fail(make_error("cannot create module '" + o.name + "': " + why), grade::exit_code::kUsage);
    const auto number = course::next_module_number(course::portfolio_folders(root));
    if (!number) return fail(make_error("tracks/portfolio/ already holds module 99: there is no number left"), grade::exit_code::kUsage);
    std::optional<course::StartingPoint> from;
    if (!o.from.empty()) {
        auto sp = starting_point(s->course, o.from);
        if (!sp) return fail(make_error("--from " + o.from + ": " + sp.error().message, sp.error().detail),
                             unresolved_code(s->course, {o.from}));
        from = std::move(*sp);
    }
    auto made = course::make_scaffold(o.name, *number, from ? &*from : nullptr);
    if (!made)
        return fail(make_error((o.from.empty() ? "" : "--from " + o.from + ": ") + made.error().message, made.error().detail),
                    grade::exit_code::kUsage);
    if (auto w = course::write_scaffold(root, *made); !w) return fail(w.error(), grade::exit_code::kInternal);
    // The new module must load like any other: a failure here is kernelcoach's bug.
    auto course = course::load_course(root);
    if (!course || course->broken_named(made->id))
        return fail(make_error(fmt::format("{} was written but does not load: {}", made->rel_dir,
                                           course ? course->broken_named(made->id)->problem : course.error().message)),
                    grade::exit_code::kInternal);
    if (s->json) {
        nlohmann::json files = nlohmann::json::array();
        for (const auto& f : made->files) files.push_back(made->rel_dir + "/" + f.path);
        std::cout << nlohmann::json{{"schema", report::kJsonSchema}, {"id", made->id}, {"path", made->rel_dir},
                                    {"from", o.from}, {"files", files}, {"next", "kernelcoach run " + made->id}}
                         .dump(2)
                  << "\n";
        return 0;
    }
    std::cout << fmt::format("created {} ({}){}:\n", made->rel_dir + "/", made->id,
                             from ? fmt::format(", starting from {}'s {}", from->module->id, from->module->kernel_file()) : "");
    for (const auto& f : made->files) std::cout << fmt::format("  {:<28} {}\n", f.path, file_note(f.path));
    std::cout << fmt::format("next: kernelcoach run {}{}\n", made->id,
                             from && from->reference.empty()
                                 ? std::string("   (write reference.cpp first: it does not compile until you do)")
                             : from ? std::string("   (reference.cpp is a copy of " + from->module->id + "'s)")
                                  : "   (fill in kernel.cu's body; `kernelcoach dev check " + made->id +
                                        "` checks the whole module)");
    return 0;
}

}  // namespace

void setup_new(CLI::App& app, Global& g, Action& action) {
    auto o = std::make_shared<NewOptions>();
    auto* cmd = app.add_subcommand("new", "Start a module of your own under tracks/portfolio/ (not part of the certificate)");
    cmd->add_option("name", o->name, "Its name: lowercase letters, digits and '-' (bias-relu)")->required();
    cmd->add_option("--from", o->from,
                    "Start from this module's kernel file (its exercise becomes the custom block), not the worked example");
    cmd->callback([&g, o, &action] { action = [&g, o] { return run_new(g, *o); }; });
}

}  // namespace kc::cli
