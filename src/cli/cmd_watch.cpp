// kernelcoach watch [id]: re-grade a module every time its kernel.cu is saved (a module with
// parts: all its parts at the start, then the part whose file was saved). Keys: h for a
// hint, n for the next module, r to run again, x to reset (after a y), q to quit. It never moves on by itself, and a
// runaway kernel cannot freeze it (every grade runs in a worker with a deadline).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <iostream>
#include <map>

#include "cli/app.h"
#include "progress/store.h"
#include "util/file_watch.h"
#include "util/printable.h"

namespace kc::cli {

namespace {

// "timing against the vendor, then memcheck and racecheck ..."
std::string follow_up_text(bool timing, bool racecheck, bool memcheck) {
    std::vector<std::string> checks;
    if (memcheck) checks.push_back("memcheck");
    if (racecheck) checks.push_back("racecheck");
    std::string sanitize = fmt::format("{}", fmt::join(checks, " and "));
    if (timing && !sanitize.empty()) return "timing against the vendor, then " + sanitize + " ...";
    return (timing ? std::string("timing against the vendor") : sanitize) + " ...";
}


struct WatchOptions {
    std::string id;
    bool poll = false;
    bool verbose = false;
    GradeFlags flags;
};

// Single keys from a terminal: no line buffering, no echo, restored on every way out.
termios g_saved;
bool g_raw = false;

void restore_terminal() {
    if (g_raw) ::tcsetattr(STDIN_FILENO, TCSANOW, &g_saved);
    g_raw = false;
}

void on_signal(int sig) {
    restore_terminal();
    ::signal(sig, SIG_DFL);
    ::raise(sig);
}

struct RawTerminal {
    RawTerminal() {
        if (!::isatty(STDIN_FILENO) || ::tcgetattr(STDIN_FILENO, &g_saved) != 0) return;
        termios raw = g_saved;
        raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
        raw.c_cc[VMIN] = 1;
        raw.c_cc[VTIME] = 0;
        if (::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0) {
            g_raw = true;
            ::signal(SIGINT, on_signal);
            ::signal(SIGTERM, on_signal);
        }
    }
    ~RawTerminal() { restore_terminal(); }
};

// Turns what arrives on stdin into commands: single keys on a terminal, words on a pipe.
std::vector<std::string> read_commands(std::string& pending) {
    char buf[256];
    ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    std::vector<std::string> out;
    if (n <= 0) {
        out.push_back("quit");  // end of input
        return out;
    }
    if (g_raw) {
        for (ssize_t i = 0; i < n; ++i) {
            switch (buf[i]) {
                case 'q': case 'Q': out.push_back("quit"); break;
                case 'n': case 'N': out.push_back("next"); break;
                case 'h': case 'H': out.push_back("hint"); break;
                case 'r': case 'R': case '\n': out.push_back("run"); break;
                case 'x': case 'X': out.push_back("reset"); break;
                case 'y': case 'Y': out.push_back("yes"); break;
                default: out.push_back("help");
            }
        }
        return out;
    }
    pending.append(buf, static_cast<size_t>(n));
    for (size_t nl; (nl = pending.find('\n')) != std::string::npos;) {
        std::string word = pending.substr(0, nl);
        pending.erase(0, nl + 1);
        while (!word.empty() && (word.back() == '\r' || word.back() == ' ')) word.pop_back();
        if (!word.empty()) out.push_back(word == "q" ? "quit" : word == "n" ? "next" : word == "h" ? "hint" : word);
    }
    return out;
}

std::string clock_now() {
    std::time_t t = std::time(nullptr);
    char buf[16];
    std::strftime(buf, sizeof buf, "%H:%M:%S", std::localtime(&t));
    return buf;
}

const course::Module* first_unpassed(const course::Course& c, const progress::Store& store) {
    auto p = store.load();
    for (const auto& m : c.modules) {
        if (!p) return &m;
        auto it = p->find(m.id);
        if (it == p->end() || !it->second.passed()) return &m;
    }
    return c.modules.empty() ? nullptr : &c.modules.front();
}

// What watch follows: one entry, or every part of a module with parts; and the id that names it.
struct Watched {
    std::vector<const course::Module*> units;
    std::string id;
    bool parts = false;  // every part of a module with parts
    std::map<std::string, grade::Verdict> verdicts;  // the last grade of each part
};

// The module `m` is or belongs to, whole.
Watched watched(const course::Course& c, const course::Module& m) {
    return Watched{c.group_of(m).units, m.module_id(), m.is_part(), {}};
}

// Grades one entry as watch does and shows it: the plain runs' verdict first (a fresh seed for
// every grade), then, for a passing kernel, memcheck, racecheck (when it uses shared memory) and
// timing with the same seed. The last grade is recorded.
std::optional<grade::Verdict> grade_and_show(Session& s, const engine::Options& opts, const course::Module& m) {
    auto plain = opts;
    plain.timing = false;
    plain.racecheck = false;
    plain.memcheck = false;
    engine::Grader grader(s.course, plain);
    auto gr = grader.grade(m, m.kernel_path());
    if (!gr) {
        std::cout << "kernelcoach: error: " << printable(gr.error().message) << "\n";
        return std::nullopt;
    }
    std::cout << report::grade_text(*gr, m, s.style) << std::flush;
    const bool race = opts.racecheck && gr->uses_shared_memory();
    if (gr->verdict == grade::Verdict::Passed && (opts.timing || race || opts.memcheck)) {
        std::string next = follow_up_text(opts.timing, race, opts.memcheck);
        std::cout << report::paint(s.style, report::kDim, "  " + next) << "\n" << std::flush;
        auto full = opts;
        full.seed = grader.seed();
        engine::Grader second(s.course, full);
        auto t = second.grade(m, m.kernel_path());
        if (t) {
            std::cout << report::sanitizer_text(*t, s.style) << report::timing_text(*t, m, s.style)
                      << report::gate_text(*t, s.style);
            if (t->verdict != gr->verdict) std::cout << report::grade_line(*t, s.style) << "\n";
            gr = std::move(t);
        }
    }
    if (auto st = record_attempt(s, m, *gr); !st)
        std::cout << "kernelcoach: error: " << printable(st.error().message) << "\n";
    return gr->verdict;
}

// Grades `todo` (all of `w`, or the part whose file was saved), then, for a module with parts,
// how many of its parts passed when each was last graded.
void grade_round(Session& s, const engine::Options& opts, Watched& w, const std::vector<const course::Module*>& todo) {
    const bool screen = ::isatty(STDOUT_FILENO) && s.style.color;
    if (screen) std::cout << "\033[2J\033[H";
    for (const auto* m : todo) {
        std::cout << fmt::format("[{}] grading {} ...\n", clock_now(), m->id) << std::flush;
        if (auto v = grade_and_show(s, opts, *m)) w.verdicts[m->id] = *v;
    }
    if (!w.parts || w.verdicts.size() != w.units.size()) return;
    std::vector<grade::Verdict> verdicts;
    for (const auto* m : w.units) verdicts.push_back(w.verdicts.at(m->id));
    std::cout << report::parts_line(w.id, verdicts, s.style) << "\n";
}

// The module after the one watched, or nullptr at the end of the course.
const course::Module* next_module(const course::Course& c, const Watched& w) {
    auto it = std::find_if(c.modules.begin(), c.modules.end(), [&](const course::Module& x) { return &x == w.units.back(); });
    if (it == c.modules.end() || std::next(it) == c.modules.end()) return nullptr;
    return &*std::next(it);
}

int run_watch(const Global& g, const WatchOptions& o) {
    if (g.json) return fail(make_error("watch is interactive; it has no --json form (use run --json)"), grade::exit_code::kUsage);
    auto s = open_session(g);
    if (!s) return fail(s.error(), grade::exit_code::kUsage);
    s->style.verbose = o.verbose;
    auto opts = grade_options(o.flags);
    if (!opts) return fail(opts.error(), grade::exit_code::kUsage);
    progress::Store store(s->course.root);
    Watched w;
    if (o.id.empty()) {
        const course::Module* m = first_unpassed(s->course, store);
        if (!m) return fail(make_error("the course has no modules"), grade::exit_code::kInternal);
        w = watched(s->course, *m);
    } else {
        auto r = s->course.resolve_units(o.id);
        if (!r) return fail(r.error(), unresolved_code(s->course, {o.id}));
        const bool whole = whole_module_with_parts(s->course, *r);
        w = Watched{*r, whole ? r->front()->module_id() : r->front()->id, whole, {}};
    }
    RawTerminal raw;
    const std::string keys = g_raw ? "h hint, n next module, r run again, x reset, q quit"
                                   : "commands on stdin: hint, next, run, reset, quit";

    for (;;) {
        std::vector<std::filesystem::path> files;
        std::string shown;  // the files, as the learner knows them
        for (const auto* m : w.units) {
            files.push_back(m->kernel_path());
            shown += (shown.empty() ? "" : ", ") + (shown.empty() ? m->rel_kernel() : m->kernel_file());
        }
        auto watcher = FileWatcher::create(files, o.poll);
        if (!watcher) return fail(watcher.error(), grade::exit_code::kInternal);
        std::vector<const course::Module*> todo = w.units;  // everything, to start with
        bool asked_reset = false;
        std::string pending;
        for (;;) {
            if (!todo.empty()) {
                grade_round(*s, *opts, w, todo);
                todo.clear();
                std::cout << report::paint(s->style, "\033[2m",
                                           fmt::format("-- watching {} ({}); save the file to grade it again --", shown, keys))
                          << "\n"
                          << std::flush;
            }
            auto ev = watcher->wait(-1, STDIN_FILENO);
            if (ev == FileWatcher::Event::Changed) {
                for (const auto* m : w.units)
                    if (m->kernel_path() == watcher->changed()) todo.push_back(m);
                continue;
            }
            if (ev != FileWatcher::Event::Input) continue;
            bool next = false;
            for (const auto& cmd : read_commands(pending)) {
                if (cmd == "yes" && asked_reset) {
                    asked_reset = false;
                    reset_module(g, w.id);  // the restored files are saves: the watcher grades them
                    continue;
                }
                asked_reset = false;
                if (cmd == "quit") return 0;
                if (cmd == "reset") {
                    asked_reset = true;
                    std::cout << fmt::format("Put the starter back in {}? Your file is kept as a backup. {} to confirm.\n",
                                             shown, g_raw ? "Press y" : "Send yes")
                              << std::flush;
                    continue;
                }
                if (cmd == "run") todo = w.units;
                else if (cmd == "next") next = true;
                else if (cmd == "hint") {
                    std::cout << "\n";
                    show_hint(g, w.id);
                    std::cout << std::flush;
                } else {
                    std::cout << "keys: " << keys << "\n" << std::flush;
                }
            }
            if (next) {
                if (const auto* m = next_module(s->course, w)) {
                    w = watched(s->course, *m);
                    break;
                }
                std::cout << "This is the last module. `kernelcoach progress` shows where you stand.\n" << std::flush;
            }
        }
    }
}

}  // namespace

void setup_watch(CLI::App& app, Global& g, Action& action) {
    auto o = std::make_shared<WatchOptions>();
    auto* cmd = app.add_subcommand("watch", "Re-grade a module every time you save its kernel.cu (keys: h, n, r, x, q)");
    cmd->add_option("id", o->id, "The module (default: the first you have not passed), or one part of a module with parts");
    cmd->add_flag("--poll", o->poll, "Poll the file instead of waiting for file-system events (network file systems)");
    cmd->add_flag("-v,--verbose", o->verbose, "Show every compiler diagnostic, not only the first four");
    add_grade_flags(cmd, o->flags);
    cmd->callback([&g, o, &action] { action = [&g, o] { return run_watch(g, *o); }; });
}

}  // namespace kc::cli
