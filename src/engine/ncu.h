// Nsight Compute: the arguments that profile one launch, and its CSV "details" page parsed into
// sections for `kernelcoach bench --ncu`. Parsing only; no CUDA here.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/result.h"

namespace kc::engine {

// Values are kept as ncu prints them ("2,880", "PolicySpread"): they are shown, not computed with.
struct NcuMetric {
    std::string section, name, unit, value;
};

// A rule's advice. `section` is the section's short id ("SpeedOfLight"), not its display name.
struct NcuRule {
    std::string section, name, type, description, speedup_type, speedup;
};

struct NcuReport {
    std::string kernel, block, grid, device_cc;  // "vector_add", "(256, 1, 1)", "(4, 1, 1)", "9.0"
    std::vector<NcuMetric> metrics;
    std::vector<NcuRule> rules;
};

// Parses the output of `ncu --csv --page details ...` for one profiled launch (the first ID when
// there are several). The text may mix in the profiled program's output and "==PROF==" lines:
// only lines that start with '"' are read as CSV, from the header row (its first field is "ID")
// on. An Error when there is no header or no row, with the text's last 20 lines as its detail.
Result<NcuReport> parse_ncu_csv(std::string_view text);

// The arguments after the ncu executable: one launch of `kernel` after `launch_skip` others,
// the given sections (default: SpeedOfLight, Occupancy, LaunchStats, MemoryWorkloadAnalysis),
// clocks as they run (--clock-control none), caches flushed (--cache-control all), the CSV
// details page, and child processes followed (the kernel runs in a worker). The caller appends
// the program to profile.
std::vector<std::string> ncu_arguments(const std::string& kernel, int launch_skip,
                                       const std::vector<std::string>& sections = {});

// What `bench --ncu` says when ncu cannot be found.
inline constexpr const char* kNcuMissing =
    "Nsight Compute (ncu) is not installed: it ships with the CUDA Toolkit (in its bin folder) and as its own "
    "download; bench --ncu needs it. Everything else bench shows was measured without it";

// The metrics grouped by section, sections in the order they first appear.
std::vector<std::pair<std::string, std::vector<NcuMetric>>> by_section(const NcuReport& r);

}  // namespace kc::engine
