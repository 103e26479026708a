#include "report/svg_chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "report/junit.h"  // xml_escape

namespace kc::report {

namespace {

// One colour per series, the first for the learner's kernels; readable on white and in print.
constexpr const char* kPalette[] = {"#1f6fb4", "#e07b1a", "#2c9c3c", "#c8312f"};
constexpr const char* kFont = "font-family=\"sans-serif\"";
constexpr double kCharWidth = 7.0;  // px of one character at font-size 12: enough to lay labels out

bool usable(double v) { return std::isfinite(v) && v >= 0; }

std::string num(double v) { return fmt::format("{:.1f}", v); }

std::string text(double x, double y, const std::string& s, const std::string& attrs = {}, int size = 12) {
    return fmt::format("<text x=\"{}\" y=\"{}\" {} font-size=\"{}\"{}>{}</text>\n", num(x), num(y), kFont, size,
                       attrs.empty() ? "" : " " + attrs, xml_escape(s));
}

std::string line(double x1, double y1, double x2, double y2, const std::string& attrs) {
    return fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" {}/>\n", num(x1), num(y1), num(x2), num(y2), attrs);
}

std::string open_svg(double w, double h, const std::string& title) {
    return fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                       "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\">\n"
                       "<title>{2}</title>\n"
                       "<rect x=\"0\" y=\"0\" width=\"{0}\" height=\"{1}\" fill=\"white\"/>\n",
                       num(w), num(h), xml_escape(title)) +
           text(w / 2, 24, title, "font-weight=\"bold\" text-anchor=\"middle\"", 14);
}

std::string repeat(char c, int n) { return std::string(static_cast<size_t>(std::max(0, n)), c); }

}  // namespace

Ticks linear_ticks(double max_value, int count) {
    Ticks t;
    if (!(max_value > 0) || !std::isfinite(max_value) || count < 1) {
        t.top = 1;
        t.step = 0.2;
    } else {
        const double raw = max_value / count;
        const double mag = std::pow(10.0, std::floor(std::log10(raw)));
        const double norm = raw / mag;
        t.step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
        t.top = std::ceil(max_value / t.step - 1e-9) * t.step;
    }
    const int n = static_cast<int>(std::lround(t.top / t.step));
    for (int i = 0; i <= n; ++i) t.values.push_back(i * t.step);
    return t;
}

LogTicks log_ticks(double lo, double hi) {
    LogTicks t;
    if (!(lo > 0) || !(hi > 0) || !std::isfinite(lo) || !std::isfinite(hi)) lo = hi = 1;
    if (hi < lo) std::swap(lo, hi);
    int a = static_cast<int>(std::floor(std::log10(lo) + 1e-9));
    int b = static_cast<int>(std::ceil(std::log10(hi) - 1e-9));
    if (b <= a) b = a + 1;  // one value, or values within a decade: still a decade wide
    t.lo = std::pow(10.0, a);
    t.hi = std::pow(10.0, b);
    for (int e = a; e <= b; ++e) t.values.push_back(std::pow(10.0, e));
    return t;
}

std::string si_text(double v) {
    static const std::pair<double, const char*> kUnits[] = {{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}};
    for (const auto& [scale, suffix] : kUnits)
        if (std::fabs(v) >= scale) return fmt::format("{:.3g}{}", v / scale, suffix);
    return fmt::format("{:.3g}", v);
}

std::string bar_chart_svg(const BarChart& c) {
    size_t longest = 4;
    double max_value = c.reference && usable(*c.reference) ? *c.reference : 0;
    for (const auto& b : c.bars) {
        longest = std::max(longest, b.label.size());
        if (b.drawn && usable(b.value)) max_value = std::max(max_value, b.value);
    }
    const Ticks ticks = linear_ticks(max_value);
    const double left = std::clamp(16 + kCharWidth * static_cast<double>(longest), 100.0, 280.0);
    const double plot_w = 420, right = 200, top = 60, bar_h = 24, gap = 12;
    const double plot_h = std::max<double>(1, c.bars.size()) * (bar_h + gap);
    const double w = left + plot_w + right, h = top + plot_h + 56;
    auto px = [&](double v) { return left + plot_w * std::clamp(v, 0.0, ticks.top) / ticks.top; };

    std::string s = open_svg(w, h, c.title);
    // Grid and axis: vertical lines at each tick, labelled under the plot.
    for (double v : ticks.values) {
        s += line(px(v), top - 6, px(v), top + plot_h, "stroke=\"#dddddd\" stroke-width=\"1\"");
        s += text(px(v), top + plot_h + 18, si_text(v), "text-anchor=\"middle\" fill=\"#444444\"");
    }
    s += line(left, top + plot_h, left + plot_w, top + plot_h, "stroke=\"#444444\" stroke-width=\"1\"");
    s += text(left + plot_w / 2, top + plot_h + 40, c.axis, "text-anchor=\"middle\"");
    for (size_t i = 0; i < c.bars.size(); ++i) {
        const auto& b = c.bars[i];
        const double y = top + gap / 2 + static_cast<double>(i) * (bar_h + gap);
        s += text(left - 8, y + bar_h * 0.7, b.label, "text-anchor=\"end\"");
        if (b.drawn && usable(b.value)) {
            const double bw = std::max(1.0, px(b.value) - left);
            s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{}: {}</title></rect>\n",
                             num(left), num(y), num(bw), num(bar_h), kPalette[0], xml_escape(b.label),
                             xml_escape(b.value_text));
            s += text(left + bw + 6, y + bar_h * 0.7, b.value_text);
        } else {
            s += text(left + 6, y + bar_h * 0.7, b.value_text, "fill=\"#888888\" font-style=\"italic\"");
        }
    }
    if (c.reference && usable(*c.reference)) {
        const double x = px(*c.reference);
        s += line(x, top - 10, x, top + plot_h, fmt::format("stroke=\"{}\" stroke-width=\"2\" stroke-dasharray=\"6,4\"", kPalette[1]));
        s += text(x, top - 14, c.reference_label, fmt::format("text-anchor=\"middle\" fill=\"{}\"", kPalette[1]));
    }
    return s + "</svg>\n";
}

std::string line_chart_svg(const LineChart& c) {
    double xlo = 0, xhi = 0, ymax = 0;
    bool any = false;
    for (const auto& se : c.series)
        for (const auto& p : se.points) {
            if (!(p.x > 0) || !usable(p.y)) continue;
            xlo = any ? std::min(xlo, p.x) : p.x;
            xhi = any ? std::max(xhi, p.x) : p.x;
            ymax = std::max(ymax, p.y);
            any = true;
        }
    const LogTicks xt = any ? log_ticks(xlo, xhi) : log_ticks(1, 10);
    const Ticks yt = linear_ticks(ymax);
    const double left = 72, top = 50, plot_w = 520, plot_h = 300, right = 190;
    const double w = left + plot_w + right, h = top + plot_h + 64;
    auto px = [&](double x) {
        return left + plot_w * (std::log10(x) - std::log10(xt.lo)) / (std::log10(xt.hi) - std::log10(xt.lo));
    };
    auto py = [&](double y) { return top + plot_h - plot_h * std::clamp(y, 0.0, yt.top) / yt.top; };

    std::string s = open_svg(w, h, c.title);
    for (double v : yt.values) {
        s += line(left, py(v), left + plot_w, py(v), "stroke=\"#dddddd\" stroke-width=\"1\"");
        s += text(left - 8, py(v) + 4, si_text(v), "text-anchor=\"end\" fill=\"#444444\"");
    }
    for (double v : xt.values) {
        s += line(px(v), top, px(v), top + plot_h, "stroke=\"#dddddd\" stroke-width=\"1\"");
        s += text(px(v), top + plot_h + 18, si_text(v) + c.x_unit, "text-anchor=\"middle\" fill=\"#444444\"");
    }
    s += line(left, top + plot_h, left + plot_w, top + plot_h, "stroke=\"#444444\" stroke-width=\"1\"");
    s += line(left, top, left, top + plot_h, "stroke=\"#444444\" stroke-width=\"1\"");
    s += text(left + plot_w / 2, top + plot_h + 42, c.x_axis + " (log scale)", "text-anchor=\"middle\"");
    s += text(18, top + plot_h / 2, c.y_axis,
              fmt::format("text-anchor=\"middle\" transform=\"rotate(-90 18 {})\"", num(top + plot_h / 2)));
    for (size_t i = 0; i < c.series.size(); ++i) {
        const auto& se = c.series[i];
        const char* colour = kPalette[i % std::size(kPalette)];
        std::string pts;
        std::string dots;
        for (const auto& p : se.points) {
            if (!(p.x > 0) || !usable(p.y)) continue;
            pts += fmt::format("{}{},{}", pts.empty() ? "" : " ", num(px(p.x)), num(py(p.y)));
            dots += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"3.5\" fill=\"{}\"><title>{}: {} at {}{}</title></circle>\n",
                                num(px(p.x)), num(py(p.y)), colour, xml_escape(se.name), si_text(p.y), si_text(p.x),
                                xml_escape(c.x_unit));
        }
        if (!pts.empty())
            s += fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>\n", pts, colour);
        s += dots;
        const double ly = top + 12 + 22 * static_cast<double>(i);
        s += line(left + plot_w + 16, ly - 4, left + plot_w + 40, ly - 4, fmt::format("stroke=\"{}\" stroke-width=\"3\"", colour));
        s += text(left + plot_w + 46, ly, se.name);
    }
    return s + "</svg>\n";
}

std::string bar_chart_text(const BarChart& c, int width) {
    size_t longest = 0;
    double max_value = c.reference && usable(*c.reference) ? *c.reference : 0;
    for (const auto& b : c.bars) {
        longest = std::max(longest, b.label.size());
        if (b.drawn && usable(b.value)) max_value = std::max(max_value, b.value);
    }
    auto cols = [&](double v) { return max_value > 0 ? static_cast<int>(std::lround(width * v / max_value)) : 0; };
    const int ref_col = c.reference && usable(*c.reference) ? cols(*c.reference) : -1;
    std::string out = c.axis + (ref_col >= 0 ? fmt::format(" (| marks {})", c.reference_label) : "") + "\n";
    for (const auto& b : c.bars) {
        std::string bar = repeat(' ', width + 1);
        const int n = b.drawn && usable(b.value) ? std::min(width, cols(b.value)) : 0;
        for (int i = 0; i < n; ++i) bar[static_cast<size_t>(i)] = '#';
        if (ref_col >= n && ref_col <= width) bar[static_cast<size_t>(ref_col)] = '|';
        out += fmt::format("  {:<{}}  {} {}\n", b.label, longest, bar, b.value_text);
    }
    return out;
}

std::string line_chart_text(const LineChart& c, int width) {
    static const char kMarks[] = {'#', '=', '*', '+'};
    double ymax = 0;
    std::map<double, std::vector<std::optional<double>>> by_x;  // x -> each series' y there
    for (size_t i = 0; i < c.series.size(); ++i)
        for (const auto& p : c.series[i].points) {
            if (!(p.x > 0) || !usable(p.y)) continue;
            auto& ys = by_x[p.x];
            ys.resize(c.series.size());
            ys[i] = p.y;
            ymax = std::max(ymax, p.y);
        }
    std::string legend;
    for (size_t i = 0; i < c.series.size(); ++i)
        legend += fmt::format("{}{} {}", i ? ", " : "", kMarks[i % std::size(kMarks)], c.series[i].name);
    std::string out = fmt::format("{} by {} ({})\n", c.y_axis, c.x_axis, legend);
    for (const auto& [x, ys] : by_x) {
        std::string label = si_text(x) + c.x_unit;
        for (size_t i = 0; i < ys.size(); ++i) {
            if (!ys[i]) continue;
            const int n = ymax > 0 ? static_cast<int>(std::lround(width * *ys[i] / ymax)) : 0;
            out += fmt::format("  {:>8}  {:<{}} {}\n", label, repeat(kMarks[i % std::size(kMarks)], n), width, si_text(*ys[i]));
            label.clear();  // the size once, on its first series' line
        }
    }
    return out;
}

}  // namespace kc::report
