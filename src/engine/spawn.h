// Runs the worker process with a deadline. The parent never touches CUDA: a kernel that
// hangs or breaks the context only ever takes the worker down.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "util/result.h"

namespace kc::engine {

struct WorkerRun {
    std::vector<nlohmann::json> events;  // parsed event lines, in order
    std::string output;       // the worker's stdout and stderr (device printf), at most 4 MiB
    bool output_truncated = false;
    bool timed_out = false;   // killed at the deadline
    bool cancelled = false;   // killed because the parent no longer wanted it (HeldWorker::release)
    int exit_code = -1;       // when it exited
    int signal = 0;           // when a signal ended it
    double seconds = 0;
};

// A pause in a worker's run: when it reports `event` (and then waits for its stdin to close:
// wire::Request::hold_before_timing), the parent calls `then()` and closes the worker's stdin
// when it returns. The time `then()` takes is not counted against the worker's deadline.
struct Pause {
    std::string event;
    std::function<void()> then;
};

// Starts `exe __worker` (behind `wrapper`, a program and its arguments such as
// compute-sanitizer's, when given) in its own process group, writes `request` to its stdin,
// collects events (JSON lines on descriptor 3) until it exits or the deadline passes (then kills
// its whole process group). With a pause, its stdin stays open after the request (one line)
// until the pause's event has come and gone, or the worker ends. An Error means the process
// could not be started at all.
Result<WorkerRun> run_worker(const std::filesystem::path& exe, const std::string& request,
                             double timeout_s, const std::vector<std::string>& wrapper = {},
                             const Pause* pause = nullptr);

// A worker started ahead of time and held just before its launch: it was sent its request and
// has done everything that does not touch the case's buffers (compute-sanitizer's start, the
// CUDA context, loading the kernel) while another worker ran. release() lets it go on (closes
// its stdin, which it waits on) and collects it like run_worker under `timeout_s` from then;
// a held worker never released is killed with its process group. Once `cancel` (when given)
// is set, from any thread, the released worker is killed within about 50 ms: the run comes back
// with `cancelled`.
class HeldWorker {
public:
    static Result<HeldWorker> start(const std::filesystem::path& exe, const std::string& request,
                                    const std::vector<std::string>& wrapper = {});
    HeldWorker(HeldWorker&&) noexcept;
    HeldWorker& operator=(HeldWorker&&) = delete;
    ~HeldWorker();
    Result<WorkerRun> release(double timeout_s, const std::atomic<bool>* cancel = nullptr);
    bool held() const;  // not released yet

private:
    struct State;
    explicit HeldWorker(std::unique_ptr<State> s);
    std::unique_ptr<State> state_;
};

// Runs `fn` in a forked copy of this process (no exec), under the same rules: its own process
// group, descriptor 3 for events, stdout and stderr collected, killed at the deadline; it exits
// 0 when `fn` returns (70 when it throws). Only for a parent with no other threads running (a
// lock another thread held at the fork would never be released in the copy): with more, an Error.
Result<WorkerRun> run_forked(const std::function<void()>& fn, double timeout_s);

// Runs the program `argv[0]` (a path; not searched on PATH) with its arguments in folder `cwd`,
// its stdout and stderr collected together, killed with its process group at the deadline
// (`timed_out`). Forks and execs at once, so other threads may be running. An Error means it
// could not be started; a program that cannot be executed exits 127.
Result<WorkerRun> run_program(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
                              double timeout_s);

// The path of the running program, to start workers from.
std::filesystem::path self_exe();

}  // namespace kc::engine
