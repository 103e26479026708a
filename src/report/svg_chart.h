// Charts as data, drawn two ways: as SVG text (`bench --plot FILE.svg`) and as a small ASCII
// picture for the terminal, so a log shows what the file shows. Pure: no files, no
// dependencies; the SVG is written by hand.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace kc::report {

// One bar: a step of an examples ladder. `value` is drawn when `drawn`; otherwise the slot
// shows `value_text` alone (a verdict: SKIPPED, COMPILE_ERROR, ...).
struct Bar {
    std::string label;       // "02 grid-stride"
    double value = 0;
    std::string value_text;  // "91.2% (0.95x vendor)"
    bool drawn = true;
};

// Horizontal bars on a linear axis from 0, with an optional dashed reference line (the vendor).
struct BarChart {
    std::string title;
    std::string axis;        // "% of light"
    std::vector<Bar> bars;
    std::optional<double> reference;
    std::string reference_label;  // "cuBLAS 88.1%"
};

struct Point {
    double x = 0, y = 0;
};
struct Series {
    std::string name;
    std::vector<Point> points;
};

// Lines over a logarithmic x-axis (a size sweep) and a linear y-axis from 0.
struct LineChart {
    std::string title;
    std::string x_axis;      // "bytes moved"
    std::string x_unit;      // appended to x tick labels: "B" gives "1MB"
    std::string y_axis;      // "GB/s"
    std::vector<Series> series;
};

// A linear axis from 0: its top rounded up to 1, 2 or 5 x 10^k steps, about `count` of them.
struct Ticks {
    double top = 1;
    double step = 1;
    std::vector<double> values;  // 0, step, ..., top
};
Ticks linear_ticks(double max_value, int count = 5);

// A logarithmic axis: whole decades around [lo, hi] (both > 0), the powers of ten as ticks.
struct LogTicks {
    double lo = 1, hi = 10;
    std::vector<double> values;
};
LogTicks log_ticks(double lo, double hi);

// 1500 -> "1.5k", 2e6 -> "2M", 0.25 -> "0.25", 40 -> "40".
std::string si_text(double v);

std::string bar_chart_svg(const BarChart& c);
std::string line_chart_svg(const LineChart& c);
// The same pictures in text, `width` characters for the longest bar.
std::string bar_chart_text(const BarChart& c, int width = 40);
std::string line_chart_text(const LineChart& c, int width = 40);

}  // namespace kc::report
