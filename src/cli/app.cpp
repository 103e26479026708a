#include "cli/app.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "course/starters.h"
#include "progress/store.h"
#include "worker/worker.h"

namespace kc::cli {

namespace {

constexpr const char* kFooter = R"(Exit codes:
  0  everything graded passed
  1  at least one module failed (WRONG, COMPILE_ERROR, CRASHED, TIMED_OUT, TOO_SLOW)
  2  usage error: bad option or unknown module
  3  could not run: no GPU, no driver, or a GPU older than the module needs (SKIPPED)
  4  kernelcoach itself failed: a bad manifest, an unreadable progress file, ...

Start with:  kernelcoach run basics
Docs: README.md and tracks/README.md in the course.)";

bool want_color(const std::string& mode) {
    if (mode == "always") return true;
    if (mode == "never") return false;
    if (const char* nc = std::getenv("NO_COLOR"); nc && *nc) return false;
    return ::isatty(STDOUT_FILENO) != 0;
}

}  // namespace

int fail(const Error& e, int code) {
    std::cerr << "kernelcoach: error: " << e.message << "\n";
    if (!e.detail.empty()) std::cerr << "  " << e.detail << "\n";
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
    Session s{std::move(*c), report::Style{want_color(g.color), false}, g.json};
    return s;
}

void add_grade_flags(CLI::App* cmd, GradeFlags& f) {
    cmd->add_option("--seed", f.seed, "Seed of the random inputs (printed by every run; reproduces it)");
    cmd->add_option("--timeout", f.timeout_s, "Seconds a module may run before it is TIMED_OUT (default: the manifest's)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--arch", f.arch,
                    "Compile for this architecture (sm_90, 90) when there is no GPU (`kernelcoach info` lists them)");
    cmd->add_option("--compile-timeout", f.compile_timeout_s, "Seconds NVRTC may compile before the verdict is TIMED_OUT (default 60)")
        ->check(CLI::PositiveNumber);
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
        std::string a = f.arch;
        if (a.rfind("sm_", 0) == 0) a = a.substr(3);
        if (a.empty() || a.size() > 4 || a.find_first_not_of("0123456789") != std::string::npos)
            return make_error("--arch must look like sm_90 or 90, not '" + f.arch + "'");
        o.arch_sm = std::stoi(a);
        if (auto buildable = compile::check_arch(*o.arch_sm); !buildable)
            return make_error("--arch " + f.arch + ": " + buildable.error().message);
    }
    if (f.compile_timeout_s) o.compile_timeout_s = *f.compile_timeout_s;
    return o;
}

Result<engine::Grade> grade_and_record(Session& s, engine::Grader& grader, const course::Module& m) {
    auto g = grader.grade(m, m.kernel_path());
    if (!g) return g;
    if (auto st = record_attempt(s, m, *g); !st) return st.error();
    return g;
}

Status record_attempt(Session& s, const course::Module& m, const engine::Grade& grade) {
    const engine::Grade* g = &grade;
    if (g->verdict == grade::Verdict::Skipped) return Ok{};  // not an attempt: nothing ran
    progress::Attempt a;
    a.module_id = m.id;
    a.verdict = grade::name(g->verdict);
    a.passed = g->verdict == grade::Verdict::Passed;
    a.source_hash = g->source_hash;
    if (g->timing && a.passed) {
        a.time_ms = g->timing->kernel_ms;
        a.gbps = g->gbps();
        a.percent_of_light = g->percent_of_light();
        a.device = g->device ? g->device->name : "";
    }
    return progress::Store(s.course.root).record(a);
}

Result<std::vector<const course::Module*>> select_modules(const course::Course& c, const std::vector<std::string>& ids,
                                                          bool all, const std::string& track) {
    std::vector<const course::Module*> picked;
    if (!track.empty() && c.in_track(track).empty()) return make_error("no track '" + track + "'");
    for (const auto& m : c.modules)
        if (all || (!track.empty() && m.track == track)) picked.push_back(&m);
    for (const auto& id : ids) {
        auto m = c.resolve(id);
        if (!m) return m.error();
        if (std::find(picked.begin(), picked.end(), *m) == picked.end()) picked.push_back(*m);
    }
    return picked;
}

int exit_code_for(const std::vector<grade::Verdict>& verdicts) {
    bool skipped = false;
    for (auto v : verdicts) {
        if (grade::is_failure(v)) return grade::exit_code::kFailed;
        skipped = skipped || v == grade::Verdict::Skipped;
    }
    return skipped ? grade::exit_code::kNoGpu : grade::exit_code::kPassed;
}

int main(int argc, char** argv) {
    if (argc >= 2 && std::string(argv[1]) == "__worker") return worker::worker_main();

    CLI::App app{"kernelcoach: a CUDA kernel course and its grader.\n"
                 "Edit tracks/<track>/module-NN-<topic>/kernel.cu, then `kernelcoach run <id>`."};
    app.footer(kFooter);
    app.set_version_flag("--version", std::string("kernelcoach ") + KC_VERSION);
    Global g;
    app.add_option("--course", g.course_dir, "The course folder (default: the nearest folder above with tracks/)");
    app.add_flag("--json", g.json, "Print one JSON document (schema 1) instead of text");
    app.add_option("--color", g.color, "Colour: auto (default; honours NO_COLOR), always, never")
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
    setup_hint(app, g, action);
    setup_solution(app, g, action);
    setup_watch(app, g, action);
    setup_reset(app, g, action);
    setup_dev(app, g, action);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? 0 : grade::exit_code::kUsage;
    }
    return action ? action() : grade::exit_code::kUsage;
}

}  // namespace kc::cli
