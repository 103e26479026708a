// The command line: global options, one file per command (cmd_*.cpp), exit codes.
#pragma once

#include <cstdint>
#include <CLI/CLI.hpp>

#include <functional>
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

Result<Session> open_session(const Global& g);

// Prints "kernelcoach: error: MESSAGE" (and the detail) to stderr; returns `code`.
int fail(const Error& e, int code);

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
Result<engine::Options> grade_options(const GradeFlags& f);

// The modules a command names: `ids` (resolved, with "did you mean"), every module with `all`,
// or a whole `track`; in course order, each once. An Error is the learner's usage mistake.
Result<std::vector<const course::Module*>> select_modules(const course::Course& c, const std::vector<std::string>& ids,
                                                          bool all, const std::string& track = {});

// Grades one module's kernel.cu and records the attempt in progress.json.
Result<engine::Grade> grade_and_record(Session& s, engine::Grader& grader, const course::Module& m);
// Records one graded attempt of the module's own kernel.cu (nothing for SKIPPED).
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

int main(int argc, char** argv);

}  // namespace kc::cli
