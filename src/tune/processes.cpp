#include "tune/processes.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <vector>

namespace kc::tune {

void in_processes(size_t count, size_t processes, const std::function<void(size_t)>& fn) {
    processes = std::min(std::max<size_t>(processes, 1), count);
    // A copy inherits unflushed buffers; flushing first keeps them from being written twice.
    std::fflush(nullptr);
    std::vector<pid_t> children;
    for (size_t p = 0; p < processes; ++p) {
        const pid_t pid = ::fork();
        if (pid == 0) {
            // The copy must never return into the parent's code, whatever fn does.
            int code = 0;
            try {
                for (size_t i = p; i < count; i += processes) fn(i);
            } catch (...) {
                code = 1;
            }
            ::_exit(code);  // no atexit handlers or buffers of the parent's
        }
        if (pid > 0) children.push_back(pid);
    }
    for (pid_t pid : children)
        while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
        }
}

}  // namespace kc::tune
