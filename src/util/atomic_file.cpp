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

}  // namespace

Status write_file_atomic(const std::filesystem::path& path, const std::string& content) {
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
        return written;
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        auto err = make_error("cannot replace " + path.string() + ": " + std::strerror(errno));
        ::unlink(tmp.c_str());
        return err;
    }
    int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return Ok{};
}

}  // namespace kc
