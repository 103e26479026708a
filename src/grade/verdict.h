// Verdicts and the exit codes they lead to.
#pragma once

#include <optional>
#include <string>

namespace kc::grade {

enum class Verdict { Passed, Wrong, CompileError, Crashed, TimedOut, TooSlow, Skipped };

const char* name(Verdict v);                             // "PASSED", "COMPILE_ERROR", ...
std::optional<Verdict> parse_verdict(const std::string& s);
bool is_failure(Verdict v);  // everything but PASSED and SKIPPED

// Exit codes, documented in the README and `kernelcoach --help`.
namespace exit_code {
inline constexpr int kPassed = 0;      // everything graded passed
inline constexpr int kFailed = 1;      // at least one module failed (wrong, crashed, ...)
inline constexpr int kUsage = 2;       // bad command line or unknown module
inline constexpr int kNoGpu = 3;       // could not run: no GPU / no driver / GPU too old
inline constexpr int kInternal = 4;    // kernelcoach itself failed: bad manifest, unreadable progress...
}  // namespace exit_code

}  // namespace kc::grade
