#include "grade/verdict.h"

namespace kc::grade {

const char* name(Verdict v) {
    switch (v) {
        case Verdict::Passed: return "PASSED";
        case Verdict::Wrong: return "WRONG";
        case Verdict::CompileError: return "COMPILE_ERROR";
        case Verdict::Crashed: return "CRASHED";
        case Verdict::TimedOut: return "TIMED_OUT";
        case Verdict::TooSlow: return "TOO_SLOW";
        case Verdict::Skipped: return "SKIPPED";
    }
    return "?";
}

std::optional<Verdict> parse_verdict(const std::string& s) {
    for (Verdict v : {Verdict::Passed, Verdict::Wrong, Verdict::CompileError, Verdict::Crashed,
                      Verdict::TimedOut, Verdict::TooSlow, Verdict::Skipped})
        if (s == name(v)) return v;
    return std::nullopt;
}

bool is_failure(Verdict v) { return v != Verdict::Passed && v != Verdict::Skipped; }

}  // namespace kc::grade
