// compute-sanitizer: which tools run, how its text report reads, and what a finding means in
// the learner's words. Parsing only; engine/grader.cpp starts the runs. No CUDA here.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wire/protocol.h"

namespace kc::engine {

// One record of a compute-sanitizer report.
struct SanitizerFinding {
    std::string tool;       // "racecheck", "memcheck", "initcheck", "synccheck"
    bool error = true;      // "Error:" or a plain record; false for "Warning:"
    std::string what;       // the record's first line ("Invalid __global__ write of size 4 bytes"), or "race"
    // Where, in the kernel file: the first access, and for a race the other side.
    int line = 0;
    int other_line = 0;
    std::string function;              // where the first access is: "softmax", "block_sum(float *, int)"
    std::string access, other_access;  // "Write", "Read" (races)
    long long hazards = 0;             // races: how many hazards the pair stands for
    std::string thread, block;         // "(100,0,0)"
    std::string address;               // "Address 0x7f... is out of bounds"
    // memcheck: "and is 12 bytes after the nearest allocation at 0x7f... of size 28 bytes", or "and
    // is inside the nearest allocation ..." for an access that starts inside and reaches past it.
    long long nearest_offset = -1;     // -1: not said
    bool nearest_after = true;         // after its end, or before its start
    bool nearest_inside = false;       // starts inside it and reaches past its end (a wide access)
    uint64_t nearest_address = 0;
    long long nearest_size = 0;
    std::string buffer;                // that allocation's name, when name_buffers() knows it
    int count = 1;                     // records merged into this one (merge_findings)
};

// Parses the text that compute-sanitizer prints for `tool` (its "=========" lines). Only
// locations in `source_name` (the name NVRTC compiled the kernel under) give line numbers.
std::vector<SanitizerFinding> parse_sanitizer(std::string_view text, const std::string& tool,
                                              const std::string& source_name);

// Names the allocation each memcheck finding is nearest to, from the launch's buffers.
void name_buffers(std::vector<SanitizerFinding>& found, std::span<const wire::Buffer> buffers);

// One finding per place: racecheck reports a pair of lines once per shared-memory address range
// and memcheck once per thread; merged, their hazards add up and `count` says how many.
std::vector<SanitizerFinding> merge_findings(std::vector<SanitizerFinding> found);

// The sanitizer's summary line ("ERROR SUMMARY: 3 errors", "RACECHECK SUMMARY: ..."), if any.
std::string sanitizer_summary(std::string_view text);

// One finding as the learner reads it: "kernel.cu:13: a race: the write here and the read at
// line 15 ... (1024 hazards): a __syncthreads() is missing between them".
std::string describe(const SanitizerFinding& f, const std::string& display_path);

// The tools `--sanitize` runs, in order.
const std::vector<std::string>& sanitizer_tools();

// The command-line arguments for one tool on a worker; `log_file` receives the report.
std::vector<std::string> sanitizer_args(const std::string& tool, const std::string& kernel,
                                        const std::string& log_file);

}  // namespace kc::engine
