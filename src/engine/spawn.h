// Runs the worker process with a deadline. The parent never touches CUDA: a kernel that
// hangs or breaks the context only ever takes the worker down.
#pragma once

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
    std::string output;       // the worker's stdout and stderr (device printf), at most 64 KiB
    bool output_truncated = false;
    bool timed_out = false;   // killed at the deadline
    int exit_code = -1;       // when it exited
    int signal = 0;           // when a signal ended it
    double seconds = 0;
};

// Starts `exe __worker` (behind `wrapper`, a program and its arguments such as
// compute-sanitizer's, when given) in its own process group, writes `request` to its stdin,
// collects events (JSON lines on descriptor 3) until it exits or the deadline passes (then kills
// its whole process group). An Error means the process could not be started at all.
Result<WorkerRun> run_worker(const std::filesystem::path& exe, const std::string& request,
                             double timeout_s, const std::vector<std::string>& wrapper = {});

// A worker started ahead of time and held just before its launch: it was sent its request and
// has done everything that does not touch the case's buffers (compute-sanitizer's start, the
// CUDA context, loading the kernel) while another worker ran. release() lets it go on (closes
// its stdin, which it waits on) and collects it like run_worker under `timeout_s` from then;
// a held worker never released is killed with its process group.
class HeldWorker {
public:
    static Result<HeldWorker> start(const std::filesystem::path& exe, const std::string& request,
                                    const std::vector<std::string>& wrapper = {});
    HeldWorker(HeldWorker&&) noexcept;
    HeldWorker& operator=(HeldWorker&&) = delete;
    ~HeldWorker();
    Result<WorkerRun> release(double timeout_s);

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

// The path of the running program, to start workers from.
std::filesystem::path self_exe();

}  // namespace kc::engine
