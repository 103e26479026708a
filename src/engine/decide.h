// The verdict of one grading worker's run: a pure function of what the worker said (its event
// lines and how it ended) and of the module's manifest. The Grader feeds it a real worker's
// run; tests/test_decide.cpp feeds it canned runs, and a fake worker process, with no GPU.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "course/manifest.h"
#include "engine/spawn.h"
#include "exercises/spec.h"
#include "grade/verdict.h"
#include "util/result.h"
#include "wire/protocol.h"

namespace kc::engine {

// What a grading worker's events say, in order of arrival.
struct RunEvents {
    std::optional<wire::Device> device;
    std::optional<wire::KernelInfo> kernel;
    std::vector<wire::CaseResult> cases;
    std::vector<wire::Timing> timings;  // the last one is the grade's timing
    std::optional<wire::ErrorEvent> error;
    bool done = false;
};
RunEvents read_events(const std::vector<nlohmann::json>& events);

// What the decision needs beyond the run: the case sizes as shown ("n=1000"), and the timed
// case's bytes and flops (for the floor: a time no GPU can reach is an error, never a record).
struct RunContext {
    double timeout_s = 0;
    std::vector<std::string> case_sizes;  // one per manifest case, in order
    double bytes = 0, flops = 0;
    exercises::Math math = exercises::Math::kFp32;  // which peak the flops' floor is at
};

struct RunDecision {
    grade::Verdict verdict = grade::Verdict::Passed;
    std::string summary;       // one sentence on the verdict, in the learner's words
    std::string stopped_case;  // the case running when the worker stopped early ("" if none)
};

// The verdict of `run`. An Error is kernelcoach's own failure (the worker reported an internal
// error), never the learner's.
Result<RunDecision> decide_run(const course::Manifest& m, const WorkerRun& run, const RunEvents& events,
                               const RunContext& context);

}  // namespace kc::engine
