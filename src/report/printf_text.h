// A kernel's printf output, made readable: the lines of KC_PRINT_ONCE / KC_PRINT_IF (which
// start with "[kc b(x,y,z) t(x,y,z)] ") grouped by block and thread, threads that printed the same
// lines merged, plain printf lines de-duplicated with counts, and all of it cut to a size a
// person reads. Pure, so tested without a GPU.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace kc::report {

struct PrintfGroup {
    std::string who;            // "block (0, 0, 0) thread (5, 3, 0)"; "" for plain printf lines
    size_t threads = 0;         // threads that printed exactly these lines (plain: 0)
    std::vector<std::pair<std::string, size_t>> lines;  // each distinct line, and how many times
};

struct PrintfOutput {
    std::vector<PrintfGroup> groups;  // the threads' groups, by block then thread; the plain lines last
    size_t kit_lines = 0;      // lines of KC_PRINT_*
    size_t kit_threads = 0;    // threads that printed them
    size_t plain_lines = 0;    // other lines
};

PrintfOutput group_printf(const std::string& output);

// The output as report lines, each starting with `indent`: at most `max_groups` groups,
// `max_lines` distinct lines per group and 240 characters per line, with what was left out said.
std::string printf_text(const PrintfOutput& p, const std::string& indent, size_t max_groups = 12,
                        size_t max_lines = 8);

}  // namespace kc::report
