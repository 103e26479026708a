// The statistics of timing samples, and the rule that says when there are enough of them.
// No CUDA: the worker's timer (gpu/timer.cpp) uses these, and they are tested on the CPU.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace kc::grade {

struct Samples {
    std::vector<double> ms;  // in the order they were taken
    double median = 0, p10 = 0, p90 = 0;
    double rse = 0;          // relative standard error of the mean: stddev / sqrt(n) / mean
};

Samples summarize(std::vector<double> ms);

// Relative standard error of the mean of `ms` (0 for fewer than two samples or a zero mean).
double relative_standard_error(const std::vector<double>& ms);

// When to stop timing, as NVBench does: at least `min_samples`, then until every candidate's
// relative standard error is at most `target_rse`, or `max_samples`, or `max_seconds` of wall
// time have passed (a noisy machine still finishes).
struct StopRule {
    int min_samples = 10;
    int max_samples = 1000;
    double target_rse = 0.005;
    double max_seconds = 2.0;
};

// "" to go on; else why timing stops ("converged", "sample cap", "time cap").
std::string stop_reason(const StopRule& rule, const std::vector<std::vector<double>>& samples, double elapsed_s);

// When one launch is too short to time alone (the gap between two events is about a
// microsecond, and a launch's own overhead more), runs are timed in batches: a CUDA graph of
// many launches, rotating over buffer sets so that a batch does not run on cached data.
struct BatchRule {
    double below_ms = 0.050;   // batch when the quickest candidate's single run is shorter
    double target_ms = 0.5;    // aim for a batch at least this long
    int max_launches = 20000;
    // Only the first `deciders` candidates' times decide (the others follow): a grade batches
    // when the kernel or the vendor is short, not because the copy of a compute-bound
    // problem's few bytes is.
    size_t deciders = static_cast<size_t>(-1);
};

// How many launches one batch holds (0: time single launches): enough for `target_ms` at
// `single_ms` each, a whole number of passes over `sets` buffer sets, at most `max_launches`
// (rounded down to whole passes, at least one pass).
int batch_launches(const BatchRule& rule, double single_ms, size_t sets);

}  // namespace kc::grade
