// The progress store: `<course root>/.kernelcoach/progress.json`, one entry per module.
//
// The file is JSON a person can read (indent 2), versioned by a top-level "schema": 1:
//
//   {
//     "modules": {
//       "missing-elements/01": {
//         "attempts": 3, "status": "passed", "last_verdict": "WRONG",
//         "first_pass": "...Z", "last_pass": "...Z", "last_attempt": "...Z",
//         "best": {"time_ms": 0.41, "percent_of_light": 78.5, "gbps": 2630.0, "device": "..."},
//         "passing_source_hash": "...", "hints_shown": 1
//       }
//     },
//     "schema": 1
//   }
//
// Every change is a read-modify-write under an exclusive lock on `.kernelcoach/progress.lock`
// (a separate file, so replacing progress.json does not drop the lock), written with
// kc::write_file_atomic: two kernelcoach processes never lose each other's update, and a kill
// at any moment leaves the old file or the new one. Module ids and fields this code does not
// know are kept as they are. A file that cannot be read, or that is read-only, is an error
// naming it; it is never reset or overwritten.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.h"

namespace kc::progress {

// The schema this code reads and writes. A file with a newer one is refused, not rewritten.
inline constexpr int kSchemaVersion = 1;

// One graded attempt, as the grader reports it.
struct Attempt {
    std::string module_id;               // "missing-elements/01"
    std::string verdict;                 // "PASS", "WRONG", "COMPILE_ERROR", ...
    bool passed = false;
    std::string source_hash;             // hash of the graded source
    std::optional<double> time_ms;       // measured only for a timed, passing run
    std::optional<double> percent_of_light;
    std::optional<double> gbps;
    std::string device;                  // the device the time was measured on
    std::string when_utc;                // ISO-8601 UTC; empty means now_utc_iso8601()
};

enum class ModuleStatus {
    not_attempted,  // no graded attempt yet (the entry may exist for hints alone)
    failed,         // attempted, never passed
    passed,         // passed at least once; a later failure does not undo it
};

// "not attempted", "failed", "passed".
std::string_view to_string(ModuleStatus status);

// The fastest passing attempt.
struct Best {
    double time_ms = 0;
    std::optional<double> percent_of_light;
    std::optional<double> gbps;
    std::string device;
};

struct ModuleProgress {
    ModuleStatus status = ModuleStatus::not_attempted;
    int attempts = 0;                                // graded attempts, passing or not
    std::optional<std::string> first_pass;           // ISO-8601 UTC
    std::optional<std::string> last_pass;
    std::optional<std::string> last_attempt;
    std::optional<std::string> last_verdict;         // of the latest attempt, "WRONG" etc.
    std::optional<Best> best;                        // lowest time_ms among passing attempts
    std::optional<std::string> passing_source_hash;  // of the latest passing source
    int hints_shown = 0;

    bool passed() const { return status == ModuleStatus::passed; }
};

class Store {
public:
    explicit Store(std::filesystem::path course_root);

    // `<course root>/.kernelcoach/progress.json`.
    const std::filesystem::path& file() const { return file_; }

    // Every module's progress, by module id. No file yet is an empty map. A file that cannot
    // be read, is not JSON, is not an object, has a schema this code does not know, or holds
    // a field of the wrong type is an error naming the file (which is left untouched).
    Result<std::map<std::string, ModuleProgress>> load() const;

    // Adds one attempt to its module: attempts + 1, last attempt and verdict; on a pass,
    // status "passed", first pass (once), last pass, the source hash, and the best time if
    // this one is lower. Fails without writing if the file cannot be read (see load()).
    Status record(const Attempt& attempt);

    // Notes that hints up to `hints_shown` were shown. The count never goes down, so two
    // processes showing the same hint agree.
    Status record_hint(const std::string& module_id, int hints_shown);

    // Called with a sentence ("waiting for ...progress.lock: ...") when a write has to wait for
    // the lock another process holds, before it waits; the store itself never prints.
    void on_wait(std::function<void(const std::string&)> tell) { on_wait_ = std::move(tell); }

private:
    std::filesystem::path dir_;   // <course root>/.kernelcoach
    std::filesystem::path file_;  // dir_/progress.json
    std::filesystem::path lock_;  // dir_/progress.lock
    std::function<void(const std::string&)> on_wait_;
};

// The current time as "2025-01-31T12:34:56Z".
std::string now_utc_iso8601();

}  // namespace kc::progress
