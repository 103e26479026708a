// `kernelcoach bench <id> --examples`: a module's worked examples (examples/NN-name.cu) graded
// one after another like `bench --file`, shown as one table (time, rate, % of light, x vendor,
// x the previous step, registers, shared memory, occupancy) and as a bar chart. Renders Grades
// made with Options::bench; decides nothing about them but the exit code.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "course/course.h"
#include "engine/grader.h"
#include "report/render.h"
#include "report/svg_chart.h"

namespace kc::report {

// One step of the ladder, with the numbers of its timed case copied out of its Grade.
struct LadderRow {
    std::string step;            // "03 smem-tile", or "yours"
    std::string file;            // "examples/03-smem-tile.cu", or "kernel.cu"
    bool mine = false;           // the learner's own kernel (--mine), not course content
    grade::Verdict verdict = grade::Verdict::Skipped;
    std::string reason;          // one line, when it did not pass
    bool timed = false;
    std::string case_name, sizes;
    double ms = 0;               // median
    engine::Speed speed;
    std::optional<double> vs_previous;   // the row above's time / this one's: > 1 is faster
    std::optional<int> registers;
    std::optional<long long> shared_bytes;  // static + dynamic, per block
    std::optional<double> occupancy;        // % of the SM's warps
    std::string vendor;          // "cuBLAS"
};

// The row of `g`, a grade of the example `file` (relative to the module folder).
LadderRow ladder_row(const std::string& step, const std::string& file, const engine::Grade& g,
                     const course::Module& m);
// Why a grade did not pass, on one line: a compile error's first diagnostic (as `file`:LINE:COL),
// else the first line of its summary.
std::string one_line_reason(const engine::Grade& g, const std::string& file);
// Fills every row's vs_previous: only between two timed rows next to each other.
void link_steps(std::vector<LadderRow>& rows);
// 0 when every example passed, 3 (no GPU) when none failed but some were not run, else 1: an
// example that fails is a bug of the course. The learner's row ("yours") does not count.
int ladder_exit_code(const std::vector<LadderRow>& rows);

// The ladder as a chart: one bar per step, its % of light, the vendor as a dashed line.
BarChart ladder_chart(const course::Module& m, const std::vector<LadderRow>& rows);
std::string ladder_text(const course::Module& m, const std::vector<LadderRow>& rows,
                        const std::optional<wire::Device>& device, const Style& s);
nlohmann::json ladder_json(const course::Module& m, const std::vector<LadderRow>& rows);

}  // namespace kc::report
