// The charts of `bench --plot` (report/svg_chart): axis scaling, labels, escaping, well-formed
// SVG, and the text pictures printed beside them.
#include <gtest/gtest.h>

#include <regex>

#include "report/junit.h"
#include "report/svg_chart.h"
#include "support/xml_check.h"
#include "support/cli.h"

namespace kc::test {
namespace {

using namespace kc::report;

// The x of every <rect> with a <title> (the bars), in order.
std::vector<double> bar_widths(const std::string& svg) {
    static const std::regex re(R"re(<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)" height="[\d.]+" fill="[^"]+"><title>)re");
    std::vector<double> out;
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), re); it != std::sregex_iterator(); ++it)
        out.push_back(std::stod((*it)[1].str()));
    return out;
}

// The cx of every <circle> (the points of a line chart), in order.
std::vector<double> point_xs(const std::string& svg) {
    static const std::regex re(R"re(<circle cx="([\d.]+)")re");
    std::vector<double> out;
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), re); it != std::sregex_iterator(); ++it)
        out.push_back(std::stod((*it)[1].str()));
    return out;
}

TEST(SvgChart, LinearTicksRoundTheTopUpToOneTwoOrFive) {
    auto t = linear_ticks(87.3);
    EXPECT_DOUBLE_EQ(t.step, 20);
    EXPECT_DOUBLE_EQ(t.top, 100);
    EXPECT_EQ(t.values, (std::vector<double>{0, 20, 40, 60, 80, 100}));
    EXPECT_DOUBLE_EQ(linear_ticks(3.2).step, 1);
    EXPECT_DOUBLE_EQ(linear_ticks(3.2).top, 4);
    EXPECT_DOUBLE_EQ(linear_ticks(4800).step, 1000);
    EXPECT_DOUBLE_EQ(linear_ticks(4800).top, 5000);
    EXPECT_DOUBLE_EQ(linear_ticks(100).top, 100);  // a top already round stays
    // Nothing to scale (no timed bar): a unit axis, never a division by zero.
    EXPECT_DOUBLE_EQ(linear_ticks(0).top, 1);
    EXPECT_EQ(linear_ticks(0).values.size(), 6u);
}

TEST(SvgChart, LogTicksAreWholeDecadesAroundTheData) {
    auto t = log_ticks(12288, 805306368);  // a vector-add sweep's bytes
    EXPECT_DOUBLE_EQ(t.lo, 1e4);
    EXPECT_DOUBLE_EQ(t.hi, 1e9);
    EXPECT_EQ(t.values.size(), 6u);
    auto one = log_ticks(5000, 5000);  // one point: still a decade wide
    EXPECT_DOUBLE_EQ(one.lo, 1e3);
    EXPECT_DOUBLE_EQ(one.hi, 1e4);
    EXPECT_DOUBLE_EQ(log_ticks(1000, 1000).lo, 1000);
}

TEST(SvgChart, SiTextAndEscaping) {
    EXPECT_EQ(si_text(1500), "1.5k");
    EXPECT_EQ(si_text(2e6), "2M");
    EXPECT_EQ(si_text(1e9), "1G");
    EXPECT_EQ(si_text(40), "40");
    EXPECT_EQ(si_text(0.25), "0.25");
    EXPECT_EQ(xml_escape("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;");
}

TEST(SvgChart, TheXmlCheckCanFail) {
    EXPECT_EQ(xml_problem("<svg><g/></svg>"), "");
    EXPECT_NE(xml_problem("<svg><g></svg>"), "");
    EXPECT_NE(xml_problem("<svg>a & b</svg>"), "");
    EXPECT_NE(xml_problem("<svg x=1></svg>"), "");
    EXPECT_NE(xml_problem("<svg></svg><svg></svg>"), "");
    EXPECT_NE(xml_problem("<svg a=\"1\" a=\"2\"></svg>"), "");
}

BarChart ladder() {
    BarChart c;
    c.title = "fixtures/09: worked examples <n=33554432>";
    c.axis = "% of light";
    c.bars = {{"01 one-per-thread", 90, "90.0%, 0.98x vendor", true},
              {"02 grid-stride", 45, "45.0%, 0.49x vendor", true},
              {"03 does-not-compile", 0, "COMPILE_ERROR", false}};
    c.reference = 92;
    c.reference_label = "cuBLAS & co 92.0%";
    return c;
}

TEST(SvgChart, ABarChartIsWellFormedAndScaled) {
    const auto svg = bar_chart_svg(ladder());
    EXPECT_EQ(xml_problem(svg), "") << svg;
    EXPECT_TRUE(contains(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
    for (const char* s : {"01 one-per-thread", "02 grid-stride", "03 does-not-compile", "90.0%, 0.98x vendor",
                          "COMPILE_ERROR", "% of light", "cuBLAS &amp; co 92.0%", "&lt;n=33554432&gt;"})
        EXPECT_TRUE(contains(svg, s)) << s;
    // Two drawn bars (the third has no value), the first twice as long as the second.
    const auto w = bar_widths(svg);
    ASSERT_EQ(w.size(), 2u) << svg;
    EXPECT_NEAR(w[0] / w[1], 2.0, 0.01);
    // The axis runs to 100 (ticks of 20): 90 fills 90% of it.
    EXPECT_TRUE(contains(svg, ">100</text>"));
    EXPECT_TRUE(contains(svg, "stroke-dasharray"));  // the vendor's line
}

TEST(SvgChart, ABarChartInText) {
    const auto text = bar_chart_text(ladder(), 40);
    EXPECT_TRUE(contains(text, "% of light (| marks cuBLAS & co 92.0%)")) << text;
    // The largest value (the reference, 92) is 40 columns: 90 is 39 and 45 is 20.
    EXPECT_TRUE(contains(text, "01 one-per-thread    " + std::string(39, '#') + " | 90.0%")) << text;
    EXPECT_TRUE(contains(text, "02 grid-stride       " + std::string(20, '#') + " ")) << text;
    EXPECT_TRUE(contains(text, "03 does-not-compile  " + std::string(40, ' ') + "|")) << text;
    EXPECT_TRUE(contains(text, "COMPILE_ERROR")) << text;
}

LineChart sweep() {
    LineChart c;
    c.title = "fixtures/09: GB/s over 3 sizes";
    c.x_axis = "bytes moved";
    c.x_unit = "B";
    c.y_axis = "GB/s";
    c.series = {{"yours", {{1e4, 10}, {1e6, 1000}, {1e8, 3000}}}, {"cuBLAS", {{1e4, 12}, {1e6, 900}, {1e8, 3200}}}};
    return c;
}

TEST(SvgChart, ALineChartIsWellFormedOnALogAxis) {
    const auto svg = line_chart_svg(sweep());
    EXPECT_EQ(xml_problem(svg), "") << svg;
    for (const char* s : {"yours", "cuBLAS", "GB/s", "bytes moved (log scale)", "10kB", "1MB", "100MB", "<polyline"})
        EXPECT_TRUE(contains(svg, s)) << s;
    // Sizes a factor 100 apart are equally far apart on the axis.
    const auto xs = point_xs(svg);
    ASSERT_EQ(xs.size(), 6u);
    EXPECT_NEAR(xs[1] - xs[0], xs[2] - xs[1], 0.2);
    EXPECT_LT(xs[0], xs[1]);
    EXPECT_TRUE(contains(svg, ">4k</text>") || contains(svg, ">3.5k</text>")) << svg;  // y runs past 3200
}

TEST(SvgChart, ALineChartSkipsPointsALogAxisCannotShow) {
    auto c = sweep();
    c.series[0].points.push_back({0, 5});       // no size
    c.series[0].points.push_back({1e5, -1});    // no rate
    const auto svg = line_chart_svg(c);
    EXPECT_EQ(xml_problem(svg), "");
    EXPECT_EQ(point_xs(svg).size(), 6u);
    LineChart empty;
    empty.series = {{"yours", {}}};
    EXPECT_EQ(xml_problem(line_chart_svg(empty)), "");
}

TEST(SvgChart, ALineChartInText) {
    const auto text = line_chart_text(sweep(), 32);
    EXPECT_TRUE(contains(text, "GB/s by bytes moved (# yours, = cuBLAS)")) << text;
    // The largest rate (3200) is 32 columns; each size once, on its first line.
    EXPECT_TRUE(contains(text, "     100MB  " + std::string(30, '#') + "   3k")) << text;
    EXPECT_TRUE(contains(text, "            " + std::string(32, '=') + " 3.2k")) << text;
    EXPECT_TRUE(contains(text, "      10kB")) << text;
}

}  // namespace
}  // namespace kc::test
