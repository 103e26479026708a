// `kernelcoach bench`: the learner's kernel against the vendor and the speed of light, at the
// timed size or over a sweep of sizes, with the kernel's resources and occupancy, and Nsight
// Compute's sections when asked. Renders a Grade made with Options::bench.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "course/course.h"
#include "engine/grader.h"
#include "grade/occupancy.h"
#include "report/render.h"
#include "report/svg_chart.h"

namespace kc::report {

// One timed size.
struct BenchRow {
    std::string case_name;
    std::string sizes;             // "n=1048576"
    const wire::Timing* timing = nullptr;
    engine::Speed speed;
    std::optional<grade::Occupancy> occupancy;  // the runtime's block count where it has one
    int theoretical_blocks = 0;    // blocks per SM by kernelcoach's own calculation
    int runtime_blocks = 0;        // by cudaOccupancyMaxActiveBlocksPerMultiprocessor (0: unknown)
    std::string occupancy_text;
};

// The rows of a bench grade: every timing, with its case's sizes, speed and occupancy.
// `sweep_fields`: the sizes shown (all of them when empty).
std::vector<BenchRow> bench_rows(const engine::Grade& g, const course::Module& m,
                                 const std::vector<std::string>& sweep_fields);

std::string bench_text(const engine::Grade& g, const course::Module& m, const std::vector<BenchRow>& rows,
                       const Style& s);
// A sweep (bench --sizes) as a chart: bytes moved on a log x-axis, the kernel's and the vendor's
// rate on y (TFLOP/s when the largest size is compute-bound, else GB/s).
LineChart sweep_chart(const engine::Grade& g, const course::Module& m, const std::vector<BenchRow>& rows);

nlohmann::json bench_json(const engine::Grade& g, const std::vector<BenchRow>& rows);

}  // namespace kc::report
