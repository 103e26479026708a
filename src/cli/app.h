// The command line: global options, one file per command (cmd_*.cpp), exit codes.
#pragma once

#include <cstdint>
#include <CLI/CLI.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "course/course.h"
#include "engine/grader.h"
#include "report/render.h"
#include "util/result.h"

namespace kc::cli {

struct Global {
    std::string course_dir;     // --course
    bool json = false;          // --json
    std::string color = "auto"; // --color auto|always|never
};

// What every command that reads the course starts from.
struct Session {
    course::Course course;
    report::Style style;
    bool json = false;
};

using Action = std::function<int()>;

// The course and the learner's terminal. An Error means no course was found where the learner
// pointed (a usage error, exit 2): a course whose modules are broken still opens.
Result<Session> open_session(const Global& g);

// Prints "kernelcoach: error: MESSAGE" (and the detail) to stderr, control bytes escaped, and
// with --json also an error document (report::error_json) on stdout; returns `code`.
int fail(const Error& e, int code);
// The stderr half of fail(): for an error that comes after a command printed its result.
void print_error(const Error& e);

// The exit code for a module id that did not resolve: 4 when one of `ids` names a broken module
// (kernelcoach cannot read it), else 2 (a usage error: no such module).
int unresolved_code(const course::Course& c, const std::vector<std::string>& ids);
// Warns on stderr about every broken module (of `track`, or all), which list, progress and info
// leave out: "kernelcoach: warning: fixtures/09 is left out: tracks/.../module.json: missing ...".
void warn_broken(const course::Course& c, const std::string& track = {});

// progress.json as the learner sees it: a module whose kernel.cu is still the untouched starter
// and that is not passed is not started, whatever was recorded (setup grading, a reset).
Result<report::ProgressMap> load_progress(const Session& s);

// Options shared by the commands that grade (run, check).
struct GradeFlags {
    std::optional<uint64_t> seed;
    std::optional<double> timeout_s;
    std::optional<double> compile_timeout_s;
    std::string arch;  // "sm_90" or "90"
    bool no_timing = false;
    bool compile_only = false;
    bool sanitize = false;
    bool no_racecheck = false;
    bool no_memcheck = false;
    bool hot = false;
};
void add_grade_flags(CLI::App* cmd, GradeFlags& f);
// --seed (a whole number, 0 or more) and --timeout (seconds, finite and above 0), for bench too.
void add_seed_option(CLI::App* cmd, std::optional<uint64_t>& seed, const std::string& help);
void add_timeout_option(CLI::App* cmd, const std::string& name, std::optional<double>& seconds,
                        const std::string& help);
Result<engine::Options> grade_options(const GradeFlags& f);

// The modules a command names: `ids` (resolved, with "did you mean"), every module with `all`,
// a whole `track` (with `all` too: every module of the track); in course order, each once, a
// module with parts as its parts. Broken modules are left out. An Error is the learner's
// mistake: unresolved_code() says which.
Result<std::vector<const course::Module*>> select_modules(const course::Course& c, const std::vector<std::string>& ids,
                                                          bool all, const std::string& track = {});

// Whether `units` (what an id resolved to) are every part of one module with parts.
bool whole_module_with_parts(const course::Course& c, const std::vector<const course::Module*>& units);
// The verdicts of every module with parts all of whose parts were graded (`graded`: by id), in
// course order: what run and check sum up in a parts line.
struct PartsTally {
    std::string module_id;
    std::vector<grade::Verdict> verdicts;  // in part order
};
std::vector<PartsTally> parts_tallies(const course::Course& c, const std::map<std::string, grade::Verdict>& graded);

// Records one graded attempt of the module's own kernel.cu (nothing for SKIPPED); says on stderr
// when it waits for another process's lock.
Status record_attempt(Session& s, const course::Module& m, const engine::Grade& g);

// The exit code for a set of verdicts: failed > could not run > passed.
int exit_code_for(const std::vector<grade::Verdict>& verdicts);

// `kernelcoach hint <id>` and `kernelcoach reset <id> --yes` as functions, for watch.
int show_hint(const Global& g, const std::string& id);
int reset_module(const Global& g, const std::string& id);

void setup_list(CLI::App& app, Global& g, Action& action);
void setup_run(CLI::App& app, Global& g, Action& action);
void setup_check(CLI::App& app, Global& g, Action& action);
void setup_progress(CLI::App& app, Global& g, Action& action);
void setup_info(CLI::App& app, Global& g, Action& action);
void setup_bench(CLI::App& app, Global& g, Action& action);
void setup_dev(CLI::App& app, Global& g, Action& action);
void setup_hint(CLI::App& app, Global& g, Action& action);
void setup_solution(CLI::App& app, Global& g, Action& action);
void setup_watch(CLI::App& app, Global& g, Action& action);
void setup_reset(CLI::App& app, Global& g, Action& action);
void setup_tune(CLI::App& app, Global& g, Action& action);
void setup_new(CLI::App& app, Global& g, Action& action);

int main(int argc, char** argv);

}  // namespace kc::cli
