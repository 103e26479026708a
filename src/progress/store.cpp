#include "progress/store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <functional>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/atomic_file.h"
#include "util/json_file.h"

namespace kc::progress {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr std::string_view kFileName = "progress.json";

// ---- errors ---------------------------------------------------------------------------------

Error unreadable(const fs::path& file, std::string_view why, std::string detail = {}) {
    if (!detail.empty()) detail += '\n';
    detail += "Fix the file by hand, or move it away to start a new one.";
    return make_error(fmt::format("progress file {} {}; it was left untouched", file.string(), why),
                      std::move(detail));
}

// ---- the lock -------------------------------------------------------------------------------

// An exclusive flock held for the object's lifetime. Closing the descriptor (or the process
// dying) releases it. O_CLOEXEC keeps it out of child processes such as the GPU worker.
class FileLock {
public:
    // `on_wait` hears, once, that another process holds the lock and this one waits for it.
    static Result<FileLock> acquire(const fs::path& path, const std::function<void(const std::string&)>& on_wait) {
        int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
            return make_error(fmt::format("cannot open lock file {}: {}", path.string(), std::strerror(errno)));
        }
        if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return FileLock(fd);
        if (errno == EWOULDBLOCK && on_wait)
            on_wait(fmt::format("waiting for {}, held by another process (usually another kernelcoach "
                                "recording progress)",
                                path.string()));
        while (::flock(fd, LOCK_EX) != 0) {
            if (errno == EINTR) continue;
            int err = errno;
            ::close(fd);
            return make_error(fmt::format("cannot lock {}: {}", path.string(), std::strerror(err)));
        }
        return FileLock(fd);
    }

    FileLock(FileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;
    FileLock& operator=(FileLock&&) = delete;
    ~FileLock() {
        if (fd_ >= 0) ::close(fd_);
    }

private:
    explicit FileLock(int fd) : fd_(fd) {}
    int fd_;
};

// kc::write_file_atomic writes `<file>.tmp.<pid>` and renames it over. A writer killed before
// the rename leaves its temporary behind. Every writer of the progress file holds the lock, so
// while we hold it any such file is stale; remove them so they cannot pile up.
void remove_stale_temporaries(const fs::path& dir) {
    const std::string prefix = std::string(kFileName) + ".tmp.";
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        std::string name = it->path().filename().string();
        if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
        bool digits = name.find_first_not_of("0123456789", prefix.size()) == std::string::npos;
        if (!digits) continue;
        std::error_code ignored;
        fs::remove(it->path(), ignored);
    }
}

// ---- reading --------------------------------------------------------------------------------

json empty_document() {
    return json{{"schema", kSchemaVersion}, {"modules", json::object()}};
}

// The parsed file, checked at the top level, or a fresh document when there is no file.
Result<json> read_document(const fs::path& file) {
    auto read = read_versioned_json(file, [&](std::string_view why, std::string detail) {
        return unreadable(file, why, std::move(detail));
    });
    if (!read) return read.error();
    if (!*read) return empty_document();
    json doc = std::move((*read)->doc);
    const int64_t version = (*read)->schema;
    if (version > kSchemaVersion) {
        return unreadable(file, fmt::format("has schema {}, newer than this kernelcoach reads ({})",
                                            version, kSchemaVersion),
                          "A newer kernelcoach wrote it; upgrade to use it.");
    }
    if (version < 1) return unreadable(file, fmt::format("has an unknown schema {}", version));

    auto modules = doc.find("modules");
    if (modules == doc.end()) {
        doc["modules"] = json::object();
    } else if (!modules->is_object()) {
        return unreadable(file, "has a \"modules\" entry that is not an object");
    }
    return doc;
}

// Reads the fields this code owns from one module entry; the first one of the wrong type or
// value is kept in `problem`. Missing fields keep their defaults.
class EntryReader {
public:
    explicit EntryReader(const json& entry) : entry_(entry) {}

    std::string problem;

    void count(const char* key, int& out) {
        const json* v = find(entry_, key);
        if (!v) return;
        if (!v->is_number_integer() || v->get<std::int64_t>() < 0 || v->get<std::int64_t>() > INT32_MAX) {
            fail(key, "is not a whole number of zero or more");
            return;
        }
        out = static_cast<int>(v->get<std::int64_t>());
    }

    void text(const char* key, std::optional<std::string>& out) {
        const json* v = find(entry_, key);
        if (!v) return;
        if (!v->is_string()) return fail(key, "is not a string");
        out = v->get<std::string>();
    }

    void status(ModuleStatus& out) {
        const json* v = find(entry_, "status");
        if (!v) return;
        if (v->is_string()) {
            const auto& s = v->get_ref<const std::string&>();
            if (s == "passed") { out = ModuleStatus::passed; return; }
            if (s == "failed") { out = ModuleStatus::failed; return; }
        }
        fail("status", "is neither \"passed\" nor \"failed\"");
    }

    void best(std::optional<Best>& out) {
        const json* v = find(entry_, "best");
        if (!v) return;
        if (!v->is_object()) return fail("best", "is not an object");
        Best b;
        const json* time = find(*v, "time_ms");
        if (!time || !time->is_number()) return fail("best.time_ms", "is missing or not a number");
        b.time_ms = time->get<double>();
        if (!number(*v, "percent_of_light", b.percent_of_light)) return;
        if (!number(*v, "gbps", b.gbps)) return;
        if (const json* d = find(*v, "device")) {
            if (!d->is_string()) return fail("best.device", "is not a string");
            b.device = d->get<std::string>();
        }
        out = std::move(b);
    }

private:
    static const json* find(const json& obj, const char* key) {
        auto it = obj.find(key);
        if (it == obj.end() || it->is_null()) return nullptr;
        return &*it;
    }

    bool number(const json& obj, const char* key, std::optional<double>& out) {
        const json* v = find(obj, key);
        if (!v) return true;
        if (!v->is_number()) {
            fail(fmt::format("best.{}", key), "is not a number");
            return false;
        }
        out = v->get<double>();
        return true;
    }

    void fail(std::string_view key, std::string_view why) {
        if (problem.empty()) problem = fmt::format("field \"{}\" {}", key, why);
    }

    const json& entry_;
};

Result<ModuleProgress> parse_module(const fs::path& file, const std::string& id, const json& entry) {
    if (!entry.is_object()) {
        return unreadable(file, fmt::format("has a module \"{}\" that is not an object", id));
    }
    ModuleProgress m;
    EntryReader r(entry);
    r.status(m.status);
    r.count("attempts", m.attempts);
    r.text("first_pass", m.first_pass);
    r.text("last_pass", m.last_pass);
    r.text("last_attempt", m.last_attempt);
    r.text("last_verdict", m.last_verdict);
    r.best(m.best);
    r.text("passing_source_hash", m.passing_source_hash);
    r.count("hints_shown", m.hints_shown);
    if (!r.problem.empty()) {
        return unreadable(file, fmt::format("has a module \"{}\" whose {}", id, r.problem));
    }
    return m;
}

// Every module entry of a document read_document() accepted.
Result<std::map<std::string, ModuleProgress>> parse_modules(const fs::path& file, const json& doc) {
    std::map<std::string, ModuleProgress> modules;
    for (const auto& [id, entry] : doc.at("modules").items()) {
        Result<ModuleProgress> m = parse_module(file, id, entry);
        if (!m) return m.error();
        modules.emplace(id, std::move(*m));
    }
    return modules;
}

// ---- writing --------------------------------------------------------------------------------

template <typename T>
void set_or_erase(json& obj, const char* key, const std::optional<T>& value) {
    if (value) {
        obj[key] = *value;
    } else {
        obj.erase(key);
    }
}

// Writes the fields this code owns into `entry`, leaving every other field as it was.
void store_module(const ModuleProgress& m, json& entry) {
    if (m.status == ModuleStatus::not_attempted) {
        entry.erase("status");
    } else {
        entry["status"] = to_string(m.status);
    }
    entry["attempts"] = m.attempts;
    set_or_erase(entry, "first_pass", m.first_pass);
    set_or_erase(entry, "last_pass", m.last_pass);
    set_or_erase(entry, "last_attempt", m.last_attempt);
    set_or_erase(entry, "last_verdict", m.last_verdict);
    if (m.best) {
        json& best = entry["best"];
        if (!best.is_object()) best = json::object();
        best["time_ms"] = m.best->time_ms;
        set_or_erase(best, "percent_of_light", m.best->percent_of_light);
        set_or_erase(best, "gbps", m.best->gbps);
        best["device"] = m.best->device;
    } else {
        entry.erase("best");
    }
    set_or_erase(entry, "passing_source_hash", m.passing_source_hash);
    entry["hints_shown"] = m.hints_shown;
}

void apply(ModuleProgress& m, const Attempt& a, const std::string& when) {
    if (m.attempts < INT32_MAX) ++m.attempts;
    m.last_attempt = when;
    m.last_verdict = a.verdict;
    if (!a.passed) {
        if (m.status != ModuleStatus::passed) m.status = ModuleStatus::failed;
        return;
    }
    m.status = ModuleStatus::passed;
    if (!m.first_pass) m.first_pass = when;
    m.last_pass = when;
    if (a.source_hash.empty()) {
        m.passing_source_hash.reset();
    } else {
        m.passing_source_hash = a.source_hash;
    }
    if (a.time_ms && (!m.best || *a.time_ms < m.best->time_ms)) {
        m.best = Best{*a.time_ms, a.percent_of_light, a.gbps, a.device};
    }
}

Status check_attempt(const Attempt& a) {
    if (a.module_id.empty()) return make_error("cannot record an attempt without a module id");
    auto finite = [](const std::optional<double>& v) { return !v || std::isfinite(*v); };
    if (!finite(a.time_ms) || !finite(a.percent_of_light) || !finite(a.gbps)) {
        return make_error(fmt::format(
            "cannot record an attempt of {} with a measurement that is not a finite number", a.module_id));
    }
    return Ok{};
}

}  // namespace

std::string_view to_string(ModuleStatus status) {
    switch (status) {
        case ModuleStatus::not_attempted: return "not attempted";
        case ModuleStatus::failed: return "failed";
        case ModuleStatus::passed: return "passed";
    }
    return "unknown";
}

Store::Store(std::filesystem::path course_root)
    : dir_(std::move(course_root) / ".kernelcoach"),
      file_(dir_ / kFileName),
      lock_(dir_ / "progress.lock") {}

Result<std::map<std::string, ModuleProgress>> Store::load() const {
    // No lock: the file is only ever replaced whole by a rename, so a read sees one version.
    Result<json> doc = read_document(file_);
    if (!doc) return doc.error();
    return parse_modules(file_, *doc);
}

namespace {

// A progress file someone made read-only stays as it is: replacing it by a rename would work
// (the folder is writable) and silently undo their choice.
Status check_writable(const fs::path& file) {
    std::error_code ec;
    const fs::file_status st = fs::status(file, ec);
    if (ec || st.type() != fs::file_type::regular) return Ok{};
    if ((st.permissions() & fs::perms::owner_write) != fs::perms::none) return Ok{};
    return make_error(fmt::format("progress file {} is read-only; it was left untouched", file.string()),
                      fmt::format("Make it writable (chmod u+w {}) to record progress again.", file.string()));
}

// Lock, read, change one module entry, write atomically, unlock.
Status update_module(const fs::path& dir, const fs::path& file, const fs::path& lock_path, const std::string& id,
                     const std::function<void(ModuleProgress&)>& change,
                     const std::function<void(const std::string&)>& on_wait) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return make_error(fmt::format("cannot create folder {}: {}", dir.string(), ec.message()));

    Result<FileLock> lock = FileLock::acquire(lock_path, on_wait);
    if (!lock) return lock.error();
    remove_stale_temporaries(dir);
    if (Status w = check_writable(file); !w) return w;

    Result<json> doc = read_document(file);
    if (!doc) return doc.error();
    // Refuse the same files load() refuses, even when the bad entry is another module's.
    Result<std::map<std::string, ModuleProgress>> modules = parse_modules(file, *doc);
    if (!modules) return modules.error();

    ModuleProgress& m = (*modules)[id];
    change(m);
    json& entry = (*doc)["modules"][id];
    if (!entry.is_object()) entry = json::object();
    store_module(m, entry);

    // replace: a device name or verdict with bad UTF-8 must not make the write throw.
    std::string text = doc->dump(2, ' ', false, json::error_handler_t::replace);
    text += '\n';
    return write_file_atomic(file, text);
}

}  // namespace

Status Store::record(const Attempt& attempt) {
    if (Status ok = check_attempt(attempt); !ok) return ok;
    const std::string when = attempt.when_utc.empty() ? now_utc_iso8601() : attempt.when_utc;
    return update_module(
        dir_, file_, lock_, attempt.module_id, [&](ModuleProgress& m) { apply(m, attempt, when); }, on_wait_);
}

Status Store::record_hint(const std::string& module_id, int hints_shown) {
    if (module_id.empty()) return make_error("cannot record a hint without a module id");
    if (hints_shown < 0) {
        return make_error(fmt::format("cannot record {} hints shown for {}", hints_shown, module_id));
    }
    return update_module(
        dir_, file_, lock_, module_id,
        [&](ModuleProgress& m) {
            if (hints_shown > m.hints_shown) m.hints_shown = hints_shown;
        },
        on_wait_);
}

std::string now_utc_iso8601() {
    std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm utc{};
    ::gmtime_r(&t, &utc);
    char buf[32];
    std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return std::string(buf, n);
}

}  // namespace kc::progress
