// Waiting for a file to be saved (inotify, or polling where events do not arrive) or for
// input on another descriptor (the learner's keys), whichever comes first.
#pragma once

#include <filesystem>
#include <string>

#include "util/result.h"

namespace kc {

class FileWatcher {
public:
    enum class Event { Changed, Input, Timeout };

    // Watches `file` (its folder, so editors that save by renaming are seen too). `poll`
    // checks the file's size and modification time every 200 ms instead.
    static Result<FileWatcher> create(const std::filesystem::path& file, bool poll);
    FileWatcher(FileWatcher&& o) noexcept;
    FileWatcher(const FileWatcher&) = delete;
    ~FileWatcher();

    // Waits up to `timeout_ms` (-1: forever) for a change to the file or for `input_fd` to be
    // readable (-1: no input). A change is reported after a quiet 100 ms (editors write in
    // bursts).
    Event wait(int timeout_ms, int input_fd);
    const std::filesystem::path& file() const { return file_; }

private:
    FileWatcher() = default;
    bool changed_since_last();  // polling: size or mtime moved
    std::filesystem::path file_;
    bool poll_ = false;
    int fd_ = -1;               // inotify
    std::string stamp_;         // polling: last size and mtime
};

}  // namespace kc
