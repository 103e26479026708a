// compare_parallel() must agree with compare() exactly, whatever the chunking.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "grade/compare_parallel.h"

namespace kc::grade {
namespace {

struct Data {
    std::vector<float> got;
    std::vector<double> truth, bound;
};

Data make(size_t n, unsigned seed) {
    Data d;
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(-10, 10);
    for (size_t i = 0; i < n; ++i) {
        double t = u(rng);
        d.truth.push_back(t);
        d.got.push_back(static_cast<float>(t));
        d.bound.push_back(2.0 * std::ldexp(std::fabs(t), -24));
    }
    return d;
}

void expect_same(const Comparison& a, const Comparison& b) {
    EXPECT_EQ(a.count, b.count);
    EXPECT_EQ(a.mismatches, b.mismatches);
    EXPECT_EQ(a.never_written, b.never_written);
    EXPECT_EQ(a.nan_got, b.nan_got);
    EXPECT_EQ(a.inf_mismatch, b.inf_mismatch);
    EXPECT_EQ(a.nan_missing, b.nan_missing);
    EXPECT_EQ(a.max_error, b.max_error);
    EXPECT_EQ(a.headroom, b.headroom);
    ASSERT_EQ(a.first.has_value(), b.first.has_value());
    if (a.first) {
        EXPECT_EQ(a.first->index, b.first->index);
        EXPECT_EQ(a.first->coords, b.first->coords);
    }
    ASSERT_EQ(a.worst.has_value(), b.worst.has_value());
    if (a.worst) {
        EXPECT_EQ(a.worst->index, b.worst->index);
        EXPECT_EQ(a.worst->coords, b.worst->coords);
    }
}

TEST(CompareParallel, AgreesOnACorrectOutput) {
    auto d = make(100003, 1);
    const long long shape[] = {100003};
    auto one = compare(d.got, d.truth, d.bound, shape);
    auto par = compare_parallel(d.got, d.truth, d.bound, shape, 1000);
    ASSERT_TRUE(one && par);
    EXPECT_TRUE(par->passed());
    EXPECT_GT(par->headroom, 0.0);
    expect_same(*one, *par);
}

TEST(CompareParallel, AgreesOnFaultsAcrossChunks) {
    auto d = make(300 * 337, 2);
    d.got[5000] += 1.0f;                 // out of bound, in a middle chunk
    d.got[77777] = sentinel();           // never written
    d.got[99] = std::nanf("");           // NaN
    d.got[300 * 337 - 1] += 3.0f;        // the worst, in the last partial chunk
    d.got[123] = INFINITY;               // Inf mismatch
    const long long shape[] = {300, 337};
    auto one = compare(d.got, d.truth, d.bound, shape);
    for (size_t chunk : {size_t{1000}, size_t{4096}, size_t{1} << 22}) {
        auto par = compare_parallel(d.got, d.truth, d.bound, shape, chunk);
        ASSERT_TRUE(one && par);
        EXPECT_FALSE(par->passed());
        expect_same(*one, *par);
    }
}

TEST(CompareParallel, NeverWrittenIsWorstOnlyWhenAlone) {
    auto d = make(20000, 3);
    d.got[100] = sentinel();
    d.got[15000] += 0.5f;
    const long long shape[] = {20000};
    auto par = compare_parallel(d.got, d.truth, d.bound, shape, 1000);
    ASSERT_TRUE(par);
    ASSERT_TRUE(par->worst);
    EXPECT_EQ(par->worst->index, 15000u);
    EXPECT_EQ(par->first->index, 100u);
}

TEST(CompareParallel, ReportsCallerErrors) {
    auto d = make(5000, 4);
    d.bound.pop_back();
    const long long shape[] = {5000};
    EXPECT_FALSE(compare_parallel(d.got, d.truth, d.bound, shape, 1000));
}

}  // namespace
}  // namespace kc::grade
