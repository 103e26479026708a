#include "engine/spawn.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <string_view>
#include <utility>

#include "wire/protocol.h"

namespace kc::engine {

namespace {

constexpr size_t kMaxOutput = 4u << 20;  // a --debug case prints up to its 64 MiB printf buffer; 4 MiB is plenty to group

struct Fd {
    int fd = -1;
    Fd() = default;
    Fd(Fd&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
    Fd& operator=(Fd&&) = delete;
    ~Fd() { reset(); }
    void reset() {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
};

bool make_pipe(Fd& r, Fd& w) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return false;
    r.fd = p[0];
    w.fd = p[1];
    return true;
}

}  // namespace

std::filesystem::path self_exe() {
    std::error_code ec;
    auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::filesystem::path("kernelcoach") : p;
}

namespace {

using Clock = std::chrono::steady_clock;

struct Child {
    pid_t pid = -1;
    Fd in, events, out;  // our ends: its stdin, descriptor 3, stdout and stderr
};

// Forks a child in its own process group with its stdin, stdout and stderr, and descriptor 3
// on pipes, and runs `body` there; the child exits with what it returns.
Result<Child> start(const std::function<int()>& body) {
    Fd in_r, ev_w, out_w;
    Child c;
    if (!make_pipe(in_r, c.in) || !make_pipe(c.events, ev_w) || !make_pipe(c.out, out_w))
        return make_error(std::string("cannot create pipes for the worker: ") + std::strerror(errno));
    c.pid = ::fork();
    if (c.pid < 0) return make_error(std::string("cannot start the worker: ") + std::strerror(errno));
    if (c.pid == 0) {
        ::setpgid(0, 0);  // its own group: the deadline kills it and anything it started
        ::dup2(in_r.fd, 0);
        ::dup2(out_w.fd, 1);
        ::dup2(out_w.fd, 2);
        ::dup2(ev_w.fd, wire::kEventFd);  // dup2 clears O_CLOEXEC on the copies
        // The pipes' other descriptors are not the child's (without an exec, O_CLOEXEC does not
        // close them); one numbered 0 to 3 has just been replaced by a dup2 and stays.
        for (Fd* f : {&c.in, &c.events, &c.out, &in_r, &ev_w, &out_w})
            if (f->fd > wire::kEventFd) f->reset();
        ::_exit(body());
    }
    ::setpgid(c.pid, c.pid);
    ::fcntl(c.in.fd, F_SETFL, O_NONBLOCK);  // a large request is written as the child reads it
    return c;
}

void keep_output(WorkerRun& run, const char* buf, size_t n) {
    if (run.output.size() < kMaxOutput)
        run.output.append(buf, std::min(n, kMaxOutput - run.output.size()));
    if (run.output.size() == kMaxOutput) run.output_truncated = true;
}

// Writes what the child's stdin takes of the request; closes it when all is written (unless
// `keep_open`: it is then only no longer polled) or the child stopped reading.
void feed(Child& c, const std::string& request, size_t& done, bool keep_open) {
    ssize_t w = ::write(c.in.fd, request.data() + done, request.size() - done);
    if (w > 0) done += static_cast<size_t>(w);
    if ((done == request.size() && !keep_open) || (w < 0 && errno != EINTR && errno != EAGAIN)) c.in.reset();
}

// Whether a complete event line is `event`'s.
bool is_event(std::string_view line, const std::string& event) {
    try {
        const auto j = nlohmann::json::parse(line);
        return j.is_object() && j.value("event", std::string()) == event;
    } catch (const std::exception&) {
        return false;
    }
}

// What pump() watches for besides the deadline: a pause and a cancel flag, both optional.
struct Watch {
    const Pause* pause = nullptr;
    const std::atomic<bool>* cancel = nullptr;
};

// Runs the pause when its event is among the complete lines of `events` from `scanned` on; true
// once it has run (the child's stdin is then closed, and the deadline moved by its length).
bool maybe_pause(Child& c, const Pause& pause, const std::string& events, size_t& scanned,
                 Clock::time_point& deadline) {
    for (size_t nl; (nl = events.find('\n', scanned)) != std::string::npos; scanned = nl + 1) {
        if (!is_event(std::string_view(events).substr(scanned, nl - scanned), pause.event)) continue;
        const auto t0 = Clock::now();
        pause.then();
        deadline += Clock::now() - t0;
        c.in.reset();
        return true;
    }
    return false;
}

// Feeds the request and collects events and output until the child closes both, or the
// deadline passes or the run is cancelled (then kills its group).
void pump(Child& c, const std::string& request, Clock::time_point& deadline, WorkerRun& run, std::string& events,
          Watch watch) {
    size_t done = 0, scanned = 0;
    bool paused = watch.pause == nullptr;
    if (request.empty()) c.in.reset();
    char buf[65536];
    while (c.events.fd >= 0 || c.out.fd >= 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        const bool cancelled = watch.cancel && watch.cancel->load();
        if (left.count() <= 0 || cancelled) {
            (cancelled ? run.cancelled : run.timed_out) = true;
            ::kill(-c.pid, SIGKILL);
            return;
        }
        pollfd fds[3];
        Fd* which[3];
        int nf = 0;
        for (Fd* f : {&c.events, &c.out, &c.in}) {
            if (f->fd < 0 || (f == &c.in && done == request.size())) continue;
            which[nf] = f;
            fds[nf++] = {f->fd, static_cast<short>(f == &c.in ? POLLOUT : POLLIN), 0};
        }
        const long long wait_ms = std::min<long long>(left.count(), watch.cancel ? 50 : 1000);
        int pr = ::poll(fds, nf, static_cast<int>(wait_ms));
        if (pr < 0 && errno != EINTR) return;
        for (int i = 0; i < nf; ++i) {
            if (!(fds[i].revents & (POLLIN | POLLOUT | POLLHUP | POLLERR))) continue;
            if (which[i] == &c.in) {
                feed(c, request, done, !paused);
                continue;
            }
            ssize_t r = ::read(fds[i].fd, buf, sizeof buf);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) which[i]->reset();
            else if (which[i] == &c.events) events.append(buf, static_cast<size_t>(r));
            else keep_output(run, buf, static_cast<size_t>(r));
        }
        if (!paused) paused = maybe_pause(c, *watch.pause, events, scanned, deadline);
    }
}

// Waits for the child (the pipes may close before it exits: it closed them, or exec'd something
// that did), still under the deadline.
void reap(const Child& c, Clock::time_point deadline, WorkerRun& run) {
    int status = 0;
    while (!run.timed_out) {
        pid_t w = ::waitpid(c.pid, &status, WNOHANG);
        if (w == c.pid || (w < 0 && errno != EINTR)) break;
        if (Clock::now() >= deadline) {
            run.timed_out = true;
            break;
        }
        ::usleep(10000);
    }
    if (run.timed_out) {
        ::kill(-c.pid, SIGKILL);
        while (::waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) run.signal = WTERMSIG(status);
}

std::vector<nlohmann::json> parse_events(const std::string& events) {
    std::vector<nlohmann::json> out;
    size_t pos = 0;
    while (pos < events.size()) {
        size_t nl = events.find('\n', pos);
        if (nl == std::string::npos) break;  // a torn last line: the worker died mid-write
        try {
            out.push_back(nlohmann::json::parse(events.substr(pos, nl - pos)));
        } catch (const std::exception&) {
            // ignore a garbled line; the verdict comes from what could be read
        }
        pos = nl + 1;
    }
    return out;
}

// The threads of this process (its tasks).
size_t threads() {
    std::error_code ec;
    size_t n = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/self/task", ec); !ec && it != decltype(it)(); it.increment(ec))
        ++n;
    return n;
}

Result<WorkerRun> run_started(Result<Child> child, const std::string& request, Clock::time_point begin,
                              double timeout_s, Watch watch = {}) {
    if (!child) return child.error();
    auto deadline = begin + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s));
    WorkerRun run;
    std::string events;
    pump(*child, request, deadline, run, events, watch);
    // Closing our ends first means a worker still writing gets EPIPE rather than blocking.
    child->in.reset();
    child->events.reset();
    child->out.reset();
    if (run.cancelled) run.timed_out = false;
    reap(*child, deadline, run);
    run.seconds = std::chrono::duration<double>(Clock::now() - begin).count();
    run.events = parse_events(events);
    return run;
}

// Starts `argv` (a program and its arguments) with start().
Result<Child> exec_child(const std::vector<std::string>& argv) {
    ::signal(SIGPIPE, SIG_IGN);  // a worker that dies early must not take us down
    // The command line is built before fork: the child only calls async-signal-safe functions.
    std::vector<const char*> args;
    for (const auto& a : argv) args.push_back(a.c_str());
    args.push_back(nullptr);
    return start([&] {
        ::execv(args[0], const_cast<char* const*>(args.data()));
        const char msg[] = "kernelcoach: cannot exec the worker\n";
        (void)!::write(2, msg, sizeof(msg) - 1);
        return 127;
    });
}

std::vector<std::string> worker_argv(const std::filesystem::path& exe, const std::vector<std::string>& wrapper) {
    std::vector<std::string> argv = wrapper;
    argv.push_back(exe.string());
    argv.push_back("__worker");
    return argv;
}

// Writes all of `request` to the child's stdin and leaves it open; false when the child stopped
// reading or did not take it within 30 s.
bool write_all(Child& c, const std::string& request) {
    size_t done = 0;
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (done < request.size()) {
        if (Clock::now() >= deadline) return false;
        pollfd p{c.in.fd, POLLOUT, 0};
        if (::poll(&p, 1, 100) < 0 && errno != EINTR) return false;
        ssize_t w = ::write(c.in.fd, request.data() + done, request.size() - done);
        if (w > 0) done += static_cast<size_t>(w);
        else if (w < 0 && errno != EINTR && errno != EAGAIN) return false;
    }
    return true;
}

void kill_and_reap(pid_t pid) {
    ::kill(-pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
}

}  // namespace

Result<WorkerRun> run_forked(const std::function<void()>& fn, double timeout_s) {
    if (size_t n = threads(); n > 1)
        return make_error(fmt::format("kernelcoach cannot fork a compile child while {} threads run (a bug)", n));
    ::signal(SIGPIPE, SIG_IGN);
    const auto begin = Clock::now();
    return run_started(start([&] {
                           try {
                               fn();
                               return 0;
                           } catch (...) {
                               return 70;
                           }
                       }),
                       "", begin, timeout_s);
}

Result<WorkerRun> run_worker(const std::filesystem::path& exe, const std::string& request, double timeout_s,
                             const std::vector<std::string>& wrapper, const Pause* pause) {
    const auto begin = Clock::now();
    // A paused worker reads its request as one line and its stdin stays open (worker.cpp).
    return run_started(exec_child(worker_argv(exe, wrapper)), pause ? request + "\n" : request, begin, timeout_s,
                       {pause, nullptr});
}

Result<WorkerRun> run_program(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
                              double timeout_s) {
    if (argv.empty()) return make_error("run_program: no program");
    ::signal(SIGPIPE, SIG_IGN);
    const auto begin = Clock::now();
    // Built before fork: the child only calls async-signal-safe functions.
    std::vector<const char*> args;
    for (const auto& a : argv) args.push_back(a.c_str());
    args.push_back(nullptr);
    const std::string dir = cwd.string();
    return run_started(start([&] {
                           if (!dir.empty() && ::chdir(dir.c_str()) != 0) return 126;
                           ::execv(args[0], const_cast<char* const*>(args.data()));
                           const char msg[] = "kernelcoach: cannot execute the program\n";
                           (void)!::write(2, msg, sizeof(msg) - 1);
                           return 127;
                       }),
                       "", begin, timeout_s);
}

struct HeldWorker::State {
    Child child;
};

HeldWorker::HeldWorker(std::unique_ptr<State> s) : state_(std::move(s)) {}
HeldWorker::HeldWorker(HeldWorker&&) noexcept = default;

HeldWorker::~HeldWorker() {
    if (state_ && state_->child.pid > 0) kill_and_reap(state_->child.pid);
}

Result<HeldWorker> HeldWorker::start(const std::filesystem::path& exe, const std::string& request,
                                     const std::vector<std::string>& wrapper) {
    auto child = exec_child(worker_argv(exe, wrapper));
    if (!child) return child.error();
    auto state = std::make_unique<State>(State{std::move(*child)});
    HeldWorker held(std::move(state));
    // One line: the worker reads its request up to the newline, then waits for end of file.
    if (!write_all(held.state_->child, request + "\n"))
        return make_error("the held worker did not take its request");
    return held;
}

bool HeldWorker::held() const { return state_ && state_->child.pid > 0; }

Result<WorkerRun> HeldWorker::release(double timeout_s, const std::atomic<bool>* cancel) {
    if (!state_ || state_->child.pid <= 0) return make_error("this worker was already released");
    Child c = std::move(state_->child);
    state_->child.pid = -1;
    // An empty request closes stdin.
    return run_started(std::move(c), "", Clock::now(), timeout_s, {nullptr, cancel});
}

}  // namespace kc::engine
