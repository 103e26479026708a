#include "util/file_watch.h"

#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <utility>

namespace kc {

namespace {

std::string stamp_of(const std::filesystem::path& p) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) return "missing";
    return std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
           std::to_string(st.st_mtim.tv_nsec);
}

long long now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace

Result<FileWatcher> FileWatcher::create(const std::filesystem::path& file, bool poll) {
    FileWatcher w;
    w.file_ = file;
    w.poll_ = poll;
    w.stamp_ = stamp_of(file);
    if (poll) return w;
    w.fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (w.fd_ < 0) return make_error(std::string("cannot watch files (inotify): ") + std::strerror(errno), "Try --poll.");
    std::string dir = file.parent_path().string();
    if (::inotify_add_watch(w.fd_, dir.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY) < 0)
        return make_error("cannot watch " + dir + ": " + std::strerror(errno), "Try --poll.");
    return w;
}

FileWatcher::FileWatcher(FileWatcher&& o) noexcept
    : file_(std::move(o.file_)), poll_(o.poll_), fd_(std::exchange(o.fd_, -1)), stamp_(std::move(o.stamp_)) {}

FileWatcher::~FileWatcher() {
    if (fd_ >= 0) ::close(fd_);
}

bool FileWatcher::changed_since_last() {
    std::string now = stamp_of(file_);
    if (now == stamp_) return false;
    stamp_ = now;
    return true;
}

FileWatcher::Event FileWatcher::wait(int timeout_ms, int input_fd) {
    const long long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    const std::string name = file_.filename().string();
    bool pending = false;
    long long quiet_until = 0;
    for (;;) {
        long long now = now_ms();
        if (pending && now >= quiet_until) {
            // Content may be unchanged (an editor touching the file): only a real change counts.
            if (changed_since_last()) return Event::Changed;
            pending = false;
        }
        if (deadline >= 0 && now >= deadline) return Event::Timeout;
        int wait_ms = poll_ ? 200 : 1000;
        if (pending) wait_ms = static_cast<int>(std::max(1LL, quiet_until - now));
        if (deadline >= 0) wait_ms = static_cast<int>(std::min<long long>(wait_ms, std::max(1LL, deadline - now)));
        pollfd fds[2];
        int n = 0;
        if (input_fd >= 0) fds[n++] = {input_fd, POLLIN, 0};
        if (fd_ >= 0) fds[n++] = {fd_, POLLIN, 0};
        int r = ::poll(fds, n, wait_ms);
        if (r < 0 && errno != EINTR) return Event::Timeout;
        if (input_fd >= 0 && r > 0 && (fds[0].revents & (POLLIN | POLLHUP))) return Event::Input;
        if (poll_) {
            if (!pending && stamp_of(file_) != stamp_) {
                pending = true;
                quiet_until = now_ms() + 100;
            }
            continue;
        }
        if (r > 0 && fd_ >= 0 && (fds[n - 1].revents & POLLIN)) {
            alignas(inotify_event) char buf[4096];
            ssize_t len;
            while ((len = ::read(fd_, buf, sizeof buf)) > 0) {
                for (char* p = buf; p < buf + len;) {
                    auto* ev = reinterpret_cast<inotify_event*>(p);
                    if (ev->len && name == ev->name) {
                        pending = true;
                        quiet_until = now_ms() + 100;
                    }
                    p += sizeof(inotify_event) + ev->len;
                }
            }
        }
    }
}

}  // namespace kc
