#include "cli/app.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "compile/arch.h"
#include "course/starters.h"
#include "progress/store.h"
#include "util/printable.h"
#include "util/spell.h"
#include "worker/worker.h"

namespace kc::cli {

namespace {

constexpr const char* kFooter = R"(Exit codes:
  0  everything graded passed
  1  at least one module failed (WRONG, COMPILE_ERROR, CRASHED, TIMED_OUT, TOO_SLOW)
  2  usage error: bad option, unknown module, or no course here
  3  could not run: no GPU, no driver, or a GPU older than the module needs (SKIPPED)
  4  kernelcoach itself failed: a broken module it was asked for, an unreadable progress file,
     output it could not write, ...

Start with:  kernelcoach run basics
Docs: README.md and tracks/README.md in the course.)";

bool g_json_errors = false;  // --json: fail() also prints an error document on stdout

}  // namespace

void print_error(const Error& e) {
    std::cerr << "kernelcoach: error: " << printable(e.message) << "\n";
    if (!e.detail.empty()) std::cerr << "  " << printable(e.detail) << "\n";
}

int fail(const Error& e, int code) {
    print_error(e);
    if (g_json_errors) std::cout << report::error_json(e, code).dump(2) << "\n";
    return code;
}

Result<Session> open_session(const Global& g) {
    auto root = g.course_dir.empty() ? course::find_course_root(std::filesystem::current_path())
                                     : Result<std::filesystem::path>(std::filesystem::path(g.course_dir));
    if (!root) return root.error();
    auto c = course::load_course(*root);
    if (!c) return c.error();
    // Keep a copy of every untouched starter for `reset` (cheap: a hash per module). A course
    // folder that cannot be written to only loses reset, so that error is not fatal here.
    (void)course::remember_starters(*c);
    const bool color = report::want_color(g.color, ::isatty(STDOUT_FILENO) != 0, std::getenv("NO_COLOR"),
                                          std::getenv("TERM"));
    Session s{std::move(*c), report::Style{color, false}, g.json};
    return s;
}

int unresolved_code(const course::Course& c, const std::vector<std::string>& ids) {
    for (const auto& id : ids)
        if (c.broken_named(id)) return grade::exit_code::kInternal;
    return grade::exit_code::kUsage;
}

void warn_broken(const course::Course& c, const std::string& track) {
    for (const auto& b : c.broken)
        if (track.empty() || b.track == track)
            std::cerr << "kernelcoach: warning: " << b.id << " is left out: " << printable(b.problem) << "\n";
}

Result<report::ProgressMap> load_progress(const Session& s) {
    auto p = progress::Store(s.course.root).load();
    if (!p) return p;
    for (const auto& m : s.course.modules) {
        auto it = p->find(m.id);
        if (it == p->end() || it->second.passed() || !course::is_untouched(m)) continue;
        it->second.status = progress::ModuleStatus::not_attempted;
        it->second.attempts = 0;
    }
    return p;
}

void add_seed_option(CLI::App* cmd, std::optional<uint64_t>& seed, const std::string& help) {
    cmd->add_option("--seed", seed, help)->check(CLI::Validator(
        [](std::string& s) {
            return !s.empty() && s.size() <= 20 && s.find_first_not_of("0123456789") == std::string::npos
                       ? std::string()
                       : "must be a whole number, 0 or more, not '" + s + "'";
        },
        "UINT"));
}

void add_timeout_option(CLI::App* cmd, const std::string& name, std::optional<double>& seconds,
                        const std::string& help) {
    cmd->add_option(name, seconds, help)->check(CLI::Validator(
        [](std::string& s) {
            char* end = nullptr;
            const double v = std::strtod(s.c_str(), &end);
            return end != s.c_str() && *end == '\0' && std::isfinite(v) && v > 0
                       ? std::string()
                       : "must be a number of seconds above 0, not '" + s + "'";
        },
        "SECONDS"));
}

void add_grade_flags(CLI::App* cmd, GradeFlags& f) {
    add_seed_option(cmd, f.seed, "Seed of the random inputs (printed by every run; reproduces it)");
    add_timeout_option(cmd, "--timeout", f.timeout_s, "Seconds a module may run before it is TIMED_OUT (default: the manifest's)");
    cmd->add_option("--arch", f.arch,
                    "Compile for this architecture (sm_90, 90; sm_90a for wgmma) when there is no GPU (`kernelcoach info` lists them)");
    add_timeout_option(cmd, "--compile-timeout", f.compile_timeout_s, "Seconds NVRTC may compile before the verdict is TIMED_OUT (default 60)");
    cmd->add_flag("--no-timing", f.no_timing, "Check correctness only; skip timing against the vendor");
    cmd->add_flag("--compile-only", f.compile_only, "Compile and show the launch geometry; never touch the GPU");
    cmd->add_flag("--sanitize", f.sanitize,
                  "Also run one small case under compute-sanitizer (memcheck, racecheck, initcheck, synccheck) "
                  "and report its findings as kernel.cu:LINE");
    cmd->add_flag("--hot", f.hot,
                  "Time with a warm L2 (no flush between runs), to compare with tools that time that way");
    cmd->add_flag("--no-racecheck", f.no_racecheck,
                  "Skip the racecheck that kernels using shared memory get (faster; a missing barrier may pass)");
    cmd->add_flag("--no-memcheck", f.no_memcheck,
                  "Skip the memcheck every passing kernel gets on a small ragged case (faster; a vector access "
                  "past the end of a buffer that leaves its bytes unchanged may pass)");
}

Result<engine::Options> grade_options(const GradeFlags& f) {
    engine::Options o;
    o.seed = f.seed;
    o.timeout_s = f.timeout_s;
    o.timing = !f.no_timing;
    o.use_gpu = !f.compile_only;
    o.sanitize = f.sanitize;
    o.racecheck = !f.no_racecheck;
    o.memcheck = !f.no_memcheck;
    o.hot = f.hot;
    if (!f.arch.empty()) {
        auto a = compile::parse_arch(f.arch);
        if (!a) return make_error("--arch: " + a.error().message);
        o.arch_sm = a->sm;
        o.arch_specific = a->specific;
        if (auto buildable = compile::check_arch(*o.arch_sm); !buildable)
            return make_error("--arch " + f.arch + ": " + buildable.error().message);
    }
    if (f.compile_timeout_s) o.compile_timeout_s = *f.compile_timeout_s;
    return o;
}

Status record_attempt(Session& s, const course::Module& m, const engine::Grade& grade) {
    const engine::Grade* g = &grade;
    if (g->verdict == grade::Verdict::Skipped) return Ok{};  // not an attempt: nothing ran
    progress::Attempt a;
    a.module_id = m.id;
    a.verdict = grade::name(g->verdict);
    a.passed = g->clears(m.manifest);  // a gated module graded without timing is not passed
    a.source_hash = g->source_hash;
    if (g->timing && a.passed) {
        a.time_ms = g->timing->kernel_ms;
        a.gbps = g->gbps();
        a.percent_of_light = g->percent_of_light();
        a.device = g->device ? g->device->name : "";
    }
    progress::Store store(s.course.root);
    store.on_wait([](const std::string& what) { std::cerr << "kernelcoach: " << what << " ...\n" << std::flush; });
    return store.record(a);
}

Result<std::vector<const course::Module*>> select_modules(const course::Course& c, const std::vector<std::string>& ids,
                                                          bool all, const std::string& track) {
    std::vector<const course::Module*> picked;
    if (!track.empty()) {
        if (auto known = c.check_track(track); !known) return known.error();
        if (c.in_track(track).empty()) return make_error(fmt::format("track '{}' has no modules yet", track));
    }
    for (const auto& m : c.modules)
        if ((all && track.empty()) || (!track.empty() && m.track == track)) picked.push_back(&m);
    for (const auto& id : ids) {
        auto units = c.resolve_units(id);
        if (!units) return units.error();
        for (const auto* m : *units)
            if (std::find(picked.begin(), picked.end(), m) == picked.end()) picked.push_back(m);
    }
    return picked;
}

bool whole_module_with_parts(const course::Course& c, const std::vector<const course::Module*>& units) {
    return !units.empty() && units.front()->is_part() && c.group_of(*units.front()).units == units;
}

std::vector<PartsTally> parts_tallies(const course::Course& c, const std::map<std::string, grade::Verdict>& graded) {
    std::vector<PartsTally> out;
    for (const auto& g : c.groups()) {
        if (!g.has_parts()) continue;
        PartsTally t{g.id(), {}};
        for (const auto* u : g.units)
            if (auto it = graded.find(u->id); it != graded.end()) t.verdicts.push_back(it->second);
        if (t.verdicts.size() == g.units.size()) out.push_back(std::move(t));
    }
    return out;
}

int exit_code_for(const std::vector<grade::Verdict>& verdicts) {
    bool skipped = false;
    for (auto v : verdicts) {
        if (grade::is_failure(v)) return grade::exit_code::kFailed;
        skipped = skipped || v == grade::Verdict::Skipped;
    }
    return skipped ? grade::exit_code::kNoGpu : grade::exit_code::kPassed;
}

namespace {

// The first word on the command line that is neither an option nor a global option's value.
std::string first_word(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--course" || a == "--color") ++i;
        else if (a.empty() || a[0] != '-') return a;
    }
    return {};
}

// "no command 'runn'; did you mean run?" for a first word that names no command.
std::optional<Error> unknown_command(const CLI::App& app, int argc, char** argv) {
    const std::string word = first_word(argc, argv);
    if (word.empty()) return std::nullopt;
    std::vector<std::string> names;
    for (const auto* sub : app.get_subcommands(std::function<bool(const CLI::App*)>())) names.push_back(sub->get_name());
    if (std::find(names.begin(), names.end(), word) != names.end()) return std::nullopt;
    if (word == "help") return make_error("no command 'help'", "did you mean kernelcoach --help (or kernelcoach COMMAND --help)?");
    auto near = spelling_suggestions(word, names);
    return make_error(fmt::format("no command '{}'", word),
                      near.empty() ? fmt::format("the commands: {}", fmt::join(names, ", "))
                                   : fmt::format("did you mean {}?", fmt::join(near, " or ")));
}

bool asked_for_json(int argc, char** argv) {
    return std::any_of(argv + 1, argv + argc, [](const char* a) { return std::string(a) == "--json"; });
}

// Output that did not reach its file (a full disk, /dev/full, a closed pipe) is a failure.
int checked_output(int code) {
    std::cout.flush();
    if (std::cout && std::fflush(stdout) == 0) return code;
    const int err = errno;
    std::cerr << "kernelcoach: error: cannot write the output: " << std::strerror(err) << "\n";
    return grade::exit_code::kInternal;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc >= 2 && std::string(argv[1]) == "__worker") return worker::worker_main();

    CLI::App app{"kernelcoach: a CUDA kernel course and its grader.\n"
                 "Edit tracks/<track>/module-NN-<topic>/kernel.cu, then `kernelcoach run <id>`."};
    app.footer(kFooter);
    app.set_version_flag("--version", std::string("kernelcoach ") + KC_VERSION);
    Global g;
    app.add_option("--course", g.course_dir, "The course folder (default: the nearest folder above with tracks/)");
    app.add_flag("--json", g.json, "Print one JSON document (schema 1) instead of text");
    app.add_option("--color", g.color, "Colour: auto (default; honours NO_COLOR and TERM=dumb), always, never")
        ->check(CLI::IsMember({"auto", "always", "never"}));
    app.require_subcommand(1);
    // Subcommands inherit this when they are added: `kernelcoach run X --json` works too.
    app.fallthrough();

    Action action;
    setup_list(app, g, action);
    setup_run(app, g, action);
    setup_check(app, g, action);
    setup_progress(app, g, action);
    setup_info(app, g, action);
    setup_bench(app, g, action);
    setup_tune(app, g, action);
    setup_hint(app, g, action);
    setup_solution(app, g, action);
    setup_watch(app, g, action);
    setup_reset(app, g, action);
    setup_dev(app, g, action);
    setup_new(app, g, action);

    g_json_errors = asked_for_json(argc, argv);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return checked_output(app.exit(e));  // --help, --version
        if (auto unknown = unknown_command(app, argc, argv)) return fail(*unknown, grade::exit_code::kUsage);
        if (g_json_errors) return fail(make_error(e.what(), "Run with --help for more information."), grade::exit_code::kUsage);
        app.exit(e);
        return grade::exit_code::kUsage;
    }
    return checked_output(action ? action() : grade::exit_code::kUsage);
}

}  // namespace kc::cli
