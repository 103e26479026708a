#include "util/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace kc {

Result<std::string> read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error("cannot read " + path.string() + ": " + std::strerror(errno));
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) return make_error("cannot read " + path.string());
    return ss.str();
}

namespace {

Status write_all(int fd, const std::string& content, const std::string& name) {
    size_t done = 0;
    while (done < content.size()) {
        ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return make_error("cannot write " + name + ": " + std::strerror(errno));
        }
        done += static_cast<size_t>(n);
    }
    return Ok{};
}

// Writes `content` to `<path>.tmp.<pid>`, synced; returns that name. Creates missing folders.
Result<std::string> write_temporary(const std::filesystem::path& path, const std::string& content) {
    std::error_code ec;
    auto dir = path.parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    if (ec) return make_error("cannot create folder " + dir.string() + ": " + ec.message());

    std::string tmp = path.string() + ".tmp." + std::to_string(::getpid());
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return make_error("cannot create " + tmp + ": " + std::strerror(errno));
    Status written = write_all(fd, content, tmp);
    if (written && ::fsync(fd) != 0) written = make_error("cannot sync " + tmp + ": " + std::strerror(errno));
    ::close(fd);
    if (!written) {
        ::unlink(tmp.c_str());
        return written.error();
    }
    return tmp;
}

void sync_folder(const std::filesystem::path& dir) {
    int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

}  // namespace

Status write_file_atomic(const std::filesystem::path& path, const std::string& content) {
    auto tmp = write_temporary(path, content);
    if (!tmp) return tmp.error();
    if (::rename(tmp->c_str(), path.c_str()) != 0) {
        auto err = make_error("cannot replace " + path.string() + ": " + std::strerror(errno));
        ::unlink(tmp->c_str());
        return err;
    }
    sync_folder(path.parent_path());
    return Ok{};
}

Result<std::filesystem::path> write_file_new(const std::filesystem::path& path, const std::string& content) {
    auto tmp = write_temporary(path, content);
    if (!tmp) return tmp.error();
    // link() never replaces its target: a name that is taken answers EEXIST, and the next is tried.
    for (int n = 1; n <= 1000; ++n) {
        std::filesystem::path name = n == 1 ? path : std::filesystem::path(path.string() + "-" + std::to_string(n));
        if (::link(tmp->c_str(), name.c_str()) == 0) {
            ::unlink(tmp->c_str());
            sync_folder(path.parent_path());
            return name;
        }
        if (errno != EEXIST) {
            auto err = make_error("cannot write " + name.string() + ": " + std::strerror(errno));
            ::unlink(tmp->c_str());
            return err;
        }
    }
    ::unlink(tmp->c_str());
    return make_error("cannot write " + path.string() + ": a thousand files of that name exist already");
}

}  // namespace kc
