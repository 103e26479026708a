#include "util/file_watch.h"

#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <set>
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
    return create(std::vector<std::filesystem::path>{file}, poll);
}

Result<FileWatcher> FileWatcher::create(const std::vector<std::filesystem::path>& files, bool poll) {
    if (files.empty()) return make_error("no file to watch");
    FileWatcher w;
    w.files_ = files;
    w.poll_ = poll;
    for (const auto& f : files) w.stamps_.push_back(stamp_of(f));
    w.pending_.assign(files.size(), false);
    if (poll) return w;
    w.fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (w.fd_ < 0) return make_error(std::string("cannot watch files (inotify): ") + std::strerror(errno), "Try --poll.");
    std::set<std::string> dirs;
    for (const auto& f : files) dirs.insert(f.parent_path().string());
    for (const auto& dir : dirs)
        if (::inotify_add_watch(w.fd_, dir.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY) < 0)
            return make_error("cannot watch " + dir + ": " + std::strerror(errno), "Try --poll.");
    return w;
}

FileWatcher::FileWatcher(FileWatcher&& o) noexcept
    : files_(std::move(o.files_)),
      poll_(o.poll_),
      fd_(std::exchange(o.fd_, -1)),
      stamps_(std::move(o.stamps_)),
      pending_(std::move(o.pending_)),
      quiet_until_(o.quiet_until_),
      changed_(o.changed_) {}

FileWatcher::~FileWatcher() {
    if (fd_ >= 0) ::close(fd_);
}

bool FileWatcher::changed_since_last(size_t i) {
    std::string now = stamp_of(files_[i]);
    if (now == stamps_[i]) return false;
    stamps_[i] = now;
    return true;
}

void FileWatcher::note_events() {
    alignas(inotify_event) char buf[4096];
    ssize_t len;
    while ((len = ::read(fd_, buf, sizeof buf)) > 0) {
        for (char* p = buf; p < buf + len;) {
            auto* ev = reinterpret_cast<inotify_event*>(p);
            for (size_t i = 0; i < files_.size(); ++i)
                if (ev->len && files_[i].filename() == ev->name) {
                    pending_[i] = true;
                    quiet_until_ = now_ms() + 100;
                }
            p += sizeof(inotify_event) + ev->len;
        }
    }
}

FileWatcher::Event FileWatcher::wait(int timeout_ms, int input_fd) {
    const long long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    for (;;) {
        long long now = now_ms();
        const bool pending = std::find(pending_.begin(), pending_.end(), true) != pending_.end();
        if (pending && now >= quiet_until_) {
            // Content may be unchanged (an editor touching the file): only a real change counts.
            for (size_t i = 0; i < files_.size(); ++i) {
                if (!pending_[i]) continue;
                pending_[i] = false;
                if (changed_since_last(i)) {
                    changed_ = i;
                    return Event::Changed;
                }
            }
            continue;
        }
        if (deadline >= 0 && now >= deadline) return Event::Timeout;
        int wait_ms = poll_ ? 200 : 1000;
        if (pending) wait_ms = static_cast<int>(std::max(1LL, quiet_until_ - now));
        if (deadline >= 0) wait_ms = static_cast<int>(std::min<long long>(wait_ms, std::max(1LL, deadline - now)));
        pollfd fds[2];
        int n = 0;
        if (input_fd >= 0) fds[n++] = {input_fd, POLLIN, 0};
        if (fd_ >= 0) fds[n++] = {fd_, POLLIN, 0};
        int r = ::poll(fds, n, wait_ms);
        if (r < 0 && errno != EINTR) return Event::Timeout;
        if (input_fd >= 0 && r > 0 && (fds[0].revents & (POLLIN | POLLHUP))) return Event::Input;
        if (poll_) {
            for (size_t i = 0; i < files_.size(); ++i)
                if (!pending_[i] && stamp_of(files_[i]) != stamps_[i]) {
                    pending_[i] = true;
                    quiet_until_ = now_ms() + 100;
                }
            continue;
        }
        if (r > 0 && fd_ >= 0 && (fds[n - 1].revents & POLLIN)) note_events();
    }
}

}  // namespace kc
