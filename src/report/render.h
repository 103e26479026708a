// Rendering results for people (terminal text) and for programs (JSON). The only place that
// decides how a verdict looks; the CLI prints what these return.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "course/course.h"
#include "engine/grader.h"
#include "progress/store.h"

namespace kc::report {

inline constexpr int kJsonSchema = 1;  // the version of every --json document

struct Style {
    bool color = false;
    bool verbose = false;  // every compiler diagnostic, not only the first four
};

inline constexpr const char* kGreen = "\033[32m";
inline constexpr const char* kRed = "\033[31m";
inline constexpr const char* kYellow = "\033[33m";
inline constexpr const char* kBold = "\033[1m";
inline constexpr const char* kDim = "\033[2m";

// Whether to paint the output: "always" and "never" decide; "auto" paints a terminal unless
// NO_COLOR is set (`no_color` non-empty) or the terminal is dumb (`term` "dumb").
bool want_color(const std::string& mode, bool terminal, const char* no_color, const char* term);
std::string paint(const Style& s, const char* ansi, const std::string& text);
// An OSC-8 hyperlink to a file when colour is on (a terminal), else the text alone.
std::string link(const Style& s, const std::string& path, const std::string& text);
std::string verdict_text(const Style& s, grade::Verdict v);
// "4.652 ms", "298.5 us", "2.13 us"
std::string ms_text(double ms);

// "missing-elements/01  Vector add  tracks/.../kernel.cu": the first line of a grade or a bench.
std::string heading(const engine::Grade& g, const course::Module& m, const Style& s);
// One graded kernel, in full: compile result, cases, failures explained, timing.
std::string grade_text(const engine::Grade& g, const course::Module& m, const Style& s);
// The compute-sanitizer runs of a grade alone (racecheck's findings as kernel.cu:LINE).
std::string sanitizer_text(const engine::Grade& g, const Style& s);
// The timing block of a grade alone (time, speed of light, vendor); empty when not timed.
std::string timing_text(const engine::Grade& g, const course::Module& m, const Style& s);
// The speed gate of a grade alone (target, measured spread, decision, what limits a slow kernel);
// empty when the module has none or it was not decided.
std::string gate_text(const engine::Grade& g, const Style& s);
// The command that grades the same kernel on the same inputs again: "kernelcoach run <id>
// --seed S", with --file when it is not the module's own file, and a narrowed or debug run's
// --case and --debug.
std::string reproduce_command(const engine::Grade& g, const course::Module& m);
// One line for `check`'s table.
std::string grade_line(const engine::Grade& g, const Style& s);
nlohmann::json grade_json(const engine::Grade& g);
// The same, with "part" (the part's name) when `m` is a part of a module with parts.
nlohmann::json grade_json(const engine::Grade& g, const course::Module& m);
// What run and check say after grading every part of a module with parts:
// "fixtures/15: 1 of 2 parts passed (1 WRONG)"; and as JSON, {id, parts, passed}.
std::string parts_line(const std::string& module_id, const std::vector<grade::Verdict>& verdicts, const Style& s);
nlohmann::json parts_json(const std::string& module_id, const std::vector<grade::Verdict>& verdicts);

// "▁▂▃" style strip of where the mismatches are: one text row per heatmap row.
std::vector<std::string> heatmap_rows(const grade::Heatmap& h);

std::string device_line(const engine::DeviceStatus& d);
nlohmann::json device_json(const engine::DeviceStatus& d);

// What a failed command prints with --json: {schema, error: {message, detail}, exit_code}.
nlohmann::json error_json(const Error& e, int exit_code);

// list and progress (listing.cpp): a module on one line with its status, the parts of a module
// with parts indented under it, each with its own.
using ProgressMap = std::map<std::string, progress::ModuleProgress>;
// "passed", "failed" or "not-started": the words of list and progress (JSON, and --status), of
// one graded entry (a module, or a part by its id).
std::string status_of(const ProgressMap& p, const std::string& id);
// The same for a module: its own, or for a module with parts derived from its parts'
// (progress::module_status).
std::string status_of(const ProgressMap& p, const course::ModuleGroup& g);
std::string list_text(const course::Course& c, const ProgressMap& p, const Style& s);
nlohmann::json list_json(const course::Course& c, const ProgressMap& p);
std::string progress_text(const course::Course& c, const ProgressMap& p, const Style& s);
nlohmann::json progress_json(const course::Course& c, const ProgressMap& p);

}  // namespace kc::report
