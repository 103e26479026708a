#include "engine/spawn.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "engine/protocol.h"

namespace kc::engine {

namespace {

constexpr size_t kMaxOutput = 64 * 1024;

struct Fd {
    int fd = -1;
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

Result<WorkerRun> run_worker(const std::filesystem::path& exe, const std::string& request,
                             double timeout_s, const std::vector<std::string>& wrapper) {
    ::signal(SIGPIPE, SIG_IGN);  // a worker that dies early must not take us down
    Fd in_r, in_w, ev_r, ev_w, out_r, out_w;
    if (!make_pipe(in_r, in_w) || !make_pipe(ev_r, ev_w) || !make_pipe(out_r, out_w))
        return make_error(std::string("cannot create pipes for the worker: ") + std::strerror(errno));

    // The command line is built before fork: the child only calls async-signal-safe functions.
    const std::string path = exe.string();
    std::vector<const char*> argv;
    for (const auto& w : wrapper) argv.push_back(w.c_str());
    argv.push_back(path.c_str());
    argv.push_back("__worker");
    argv.push_back(nullptr);

    auto start = std::chrono::steady_clock::now();
    pid_t pid = ::fork();
    if (pid < 0) return make_error(std::string("cannot start the worker: ") + std::strerror(errno));
    if (pid == 0) {
        ::setpgid(0, 0);  // its own group: the deadline kills it and anything it started
        ::dup2(in_r.fd, 0);
        ::dup2(out_w.fd, 1);
        ::dup2(out_w.fd, 2);
        ::dup2(ev_w.fd, protocol::kEventFd);  // dup2 clears O_CLOEXEC on the copies
        ::execv(argv[0], const_cast<char* const*>(argv.data()));
        const char msg[] = "kernelcoach: cannot exec the worker\n";
        (void)!::write(2, msg, sizeof(msg) - 1);
        ::_exit(127);
    }
    ::setpgid(pid, pid);
    in_r.reset();
    ev_w.reset();
    out_w.reset();

    WorkerRun run;
    // The request is small; the pipe holds it without blocking.
    size_t done = 0;
    while (done < request.size()) {
        ssize_t w = ::write(in_w.fd, request.data() + done, request.size() - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        done += static_cast<size_t>(w);
    }
    in_w.reset();

    auto deadline = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                std::chrono::duration<double>(timeout_s));
    std::string events;
    char buf[65536];
    while (ev_r.fd >= 0 || out_r.fd >= 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            run.timed_out = true;
            ::kill(-pid, SIGKILL);
            break;
        }
        pollfd fds[2];
        int nf = 0;
        if (ev_r.fd >= 0) fds[nf++] = {ev_r.fd, POLLIN, 0};
        if (out_r.fd >= 0) fds[nf++] = {out_r.fd, POLLIN, 0};
        int pr = ::poll(fds, nf, static_cast<int>(std::min<long long>(left.count(), 1000)));
        if (pr < 0 && errno != EINTR) break;
        for (int i = 0; i < nf; ++i) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t r = ::read(fds[i].fd, buf, sizeof buf);
            bool is_events = fds[i].fd == ev_r.fd;
            if (r <= 0) {
                if (r < 0 && errno == EINTR) continue;
                (is_events ? ev_r : out_r).reset();
                continue;
            }
            if (is_events) {
                events.append(buf, static_cast<size_t>(r));
            } else if (run.output.size() < kMaxOutput) {
                run.output.append(buf, std::min(static_cast<size_t>(r), kMaxOutput - run.output.size()));
                if (run.output.size() == kMaxOutput) run.output_truncated = true;
            } else {
                run.output_truncated = true;
            }
        }
    }
    // Closing our ends first means a worker still writing gets EPIPE rather than blocking.
    ev_r.reset();
    out_r.reset();
    int status = 0;
    // The pipes may close before the worker exits (it closed them, or exec'd something that
    // did): the deadline still holds while we wait for it.
    while (!run.timed_out) {
        pid_t w = ::waitpid(pid, &status, WNOHANG);
        if (w == pid || (w < 0 && errno != EINTR)) break;
        if (std::chrono::steady_clock::now() >= deadline) {
            run.timed_out = true;
            break;
        }
        ::usleep(10000);
    }
    if (run.timed_out) {
        ::kill(-pid, SIGKILL);
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) run.signal = WTERMSIG(status);
    run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    size_t pos = 0;
    while (pos < events.size()) {
        size_t nl = events.find('\n', pos);
        if (nl == std::string::npos) break;  // a torn last line: the worker died mid-write
        try {
            run.events.push_back(nlohmann::json::parse(events.substr(pos, nl - pos)));
        } catch (const std::exception&) {
            // ignore a garbled line; the verdict comes from what could be read
        }
        pos = nl + 1;
    }
    return run;
}

}  // namespace kc::engine
