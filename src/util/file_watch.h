// Waiting for a file to be saved (inotify, or polling where events do not arrive) or for
// input on another descriptor (the learner's keys), whichever comes first.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "util/result.h"

namespace kc {

class FileWatcher {
public:
    enum class Event { Changed, Input, Timeout };

    // Watches `file` (its folder, so editors that save by renaming are seen too). `poll`
    // checks the file's size and modification time every 200 ms instead.
    static Result<FileWatcher> create(const std::filesystem::path& file, bool poll);
    // The same for several files (the parts of a module): a change to any of them is an event.
    static Result<FileWatcher> create(const std::vector<std::filesystem::path>& files, bool poll);
    FileWatcher(FileWatcher&& o) noexcept;
    FileWatcher(const FileWatcher&) = delete;
    ~FileWatcher();

    // Waits up to `timeout_ms` (-1: forever) for a change to a file or for `input_fd` to be
    // readable (-1: no input). A change is reported after a quiet 100 ms (editors write in
    // bursts); files that changed together are reported one call after another.
    Event wait(int timeout_ms, int input_fd);
    const std::filesystem::path& file() const { return files_.front(); }
    // The file whose change wait() reported last.
    const std::filesystem::path& changed() const { return files_[changed_]; }

private:
    FileWatcher() = default;
    bool changed_since_last(size_t i);  // size or mtime moved
    void note_events();                 // reads inotify's events: which files were written
    std::vector<std::filesystem::path> files_;
    bool poll_ = false;
    int fd_ = -1;                  // inotify
    std::vector<std::string> stamps_;  // last size and mtime of each file
    std::vector<bool> pending_;    // written, waiting for the quiet time
    long long quiet_until_ = 0;    // when pending files are looked at
    size_t changed_ = 0;
};

}  // namespace kc
