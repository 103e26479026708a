// Timing statistics and the stop rule (grade/stats.h): no GPU needed.
#include <gtest/gtest.h>

#include <cmath>

#include "grade/stats.h"

namespace kc::grade {
namespace {

TEST(Stats, SummaryHasMedianPercentilesAndStandardError) {
    auto s = summarize({5, 1, 4, 2, 3});
    EXPECT_DOUBLE_EQ(s.median, 3);
    EXPECT_DOUBLE_EQ(s.p10, 1.4);
    EXPECT_DOUBLE_EQ(s.p90, 4.6);
    // mean 3, sample stddev sqrt(2.5), n 5: sqrt(2.5 / 5) / 3
    EXPECT_NEAR(s.rse, std::sqrt(0.5) / 3, 1e-12);
    EXPECT_EQ(s.ms.size(), 5u);
    EXPECT_DOUBLE_EQ(summarize({}).median, 0);
    EXPECT_DOUBLE_EQ(relative_standard_error({7}), 0);
}

TEST(Stats, StopsOnlyAfterTheMinimumAndWhenEveryCandidateConverged) {
    StopRule rule;  // 10 samples, 0.5%, 1000 samples, 2 s
    std::vector<double> steady(9, 1.0), noisy;
    for (int i = 0; i < 12; ++i) noisy.push_back(i % 2 ? 1.2 : 0.8);  // rse ~6%
    EXPECT_EQ(stop_reason(rule, {steady}, 0.1), "");  // 9 < 10 samples
    steady.push_back(1.0);
    EXPECT_EQ(stop_reason(rule, {steady}, 0.1), "converged");
    std::vector<double> steady12(12, 1.0);
    EXPECT_EQ(stop_reason(rule, {steady12, noisy}, 0.1), "");  // one candidate still noisy
    EXPECT_EQ(stop_reason(rule, {steady12, noisy}, 2.5), "time cap");
    rule.max_samples = 12;
    EXPECT_EQ(stop_reason(rule, {steady12, noisy}, 0.1), "sample cap");
}

}  // namespace
}  // namespace kc::grade
