// NVRTC's log, turned into structured diagnostics that point at kernel.cu:LINE:COL.
#pragma once

#include <string>
#include <vector>

namespace kc::compile {

struct Diagnostic {
    std::string file;       // as NVRTC named it: "kernel.cu", "kernelcoach.h", "kernelcoach-geometry"
    int line = 0;
    int column = 0;         // 1-based; 0 when NVRTC gave no caret
    std::string severity;   // "error", "warning", "remark"
    std::string message;    // first line, then any continuation lines
    std::string source_line;  // the line of the learner's source, as written
};

// Parses an NVRTC log. `source` is the text that was compiled as `file_name`, used to recover
// the exact source line and the column of the caret.
std::vector<Diagnostic> parse_nvrtc_log(const std::string& log, const std::string& file_name,
                                        const std::string& source);

// "tracks/x/kernel.cu:8:3: error: expected a \";\"\n    8 |   if (i < n) ...\n      |   ^"
std::string format_diagnostic(const Diagnostic& d, const std::string& display_path);

}  // namespace kc::compile
