// The size sweeps of `bench --sizes`: each exercise's sweep fields divided step by step, the
// other sizes kept, smallest first, no duplicates.
#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "exercises/spec.h"

namespace {

using kc::exercises::Sizes;
using kc::exercises::Spec;

const Spec& spec_of(const std::string& name) {
    const Spec* spec = kc::exercises::find(name);
    if (!spec) throw std::runtime_error("no exercise " + name);
    return *spec;
}

std::vector<long long> field(const std::vector<Sizes>& sweep, const std::string& name) {
    std::vector<long long> out;
    for (const auto& s : sweep) out.push_back(s.at(name));
    return out;
}

TEST(Sweep, VectorAddGoesFrom1024ToTheLargestInFactorsOf4) {
    auto sweep = kc::exercises::sweep_sizes(spec_of("vector-add"), {{"n", 1LL << 26}});
    std::vector<long long> expected;
    for (int p = 10; p <= 26; p += 2) expected.push_back(1LL << p);
    EXPECT_EQ(field(sweep, "n"), expected);
    ASSERT_EQ(sweep.size(), 9u);
    EXPECT_EQ(sweep.back(), (Sizes{{"n", 1LL << 26}})) << "ends with the largest itself";
}

TEST(Sweep, MatrixMulScalesEveryDimension) {
    auto sweep = kc::exercises::sweep_sizes(spec_of("matrix-mul"), {{"m", 4096}, {"n", 4096}, {"k", 4096}});
    std::vector<long long> expected{256, 512, 1024, 2048, 4096};
    EXPECT_EQ(field(sweep, "m"), expected);
    EXPECT_EQ(field(sweep, "n"), expected);
    EXPECT_EQ(field(sweep, "k"), expected);
}

TEST(Sweep, SoftmaxAndLayerNormScaleRowsOnly) {
    for (const char* name : {"softmax", "layer-norm"}) {
        auto sweep = kc::exercises::sweep_sizes(spec_of(name), {{"rows", 16384}, {"cols", 4096}});
        EXPECT_EQ(field(sweep, "rows"), (std::vector<long long>{16, 64, 256, 1024, 4096, 16384})) << name;
        EXPECT_EQ(field(sweep, "cols"), std::vector<long long>(6, 4096)) << name;
    }
}

TEST(Sweep, Conv2dScalesTheBatchAndKeepsTheRest) {
    const Sizes largest{{"n", 32}, {"c", 64}, {"h", 56}, {"w", 56}, {"k", 64},
                        {"r", 3},  {"s", 3},  {"pad", 0}, {"stride", 1}};
    auto sweep = kc::exercises::sweep_sizes(spec_of("conv2d"), largest);
    EXPECT_EQ(field(sweep, "n"), (std::vector<long long>{1, 2, 4, 8, 16, 32}));
    for (const auto& s : sweep) {
        for (const char* kept : {"c", "h", "w", "k", "r", "s", "pad", "stride"}) {
            EXPECT_EQ(s.at(kept), largest.at(kept)) << kept << " at n=" << s.at("n");
        }
    }
}

TEST(Sweep, ASmallLargestStopsAtOneWithoutDuplicates) {
    auto sweep = kc::exercises::sweep_sizes(spec_of("vector-add"), {{"n", 3}});
    EXPECT_EQ(field(sweep, "n"), (std::vector<long long>{1, 3}));
    sweep = kc::exercises::sweep_sizes(spec_of("vector-add"), {{"n", 1}});
    EXPECT_EQ(field(sweep, "n"), (std::vector<long long>{1}));
}

TEST(Sweep, IntegerDivisionRoundsDown) {
    auto sweep = kc::exercises::sweep_sizes(spec_of("matrix-mul"), {{"m", 1000}, {"n", 3}, {"k", 17}});
    EXPECT_EQ(field(sweep, "m"), (std::vector<long long>{62, 125, 250, 500, 1000}));
    EXPECT_EQ(field(sweep, "n"), (std::vector<long long>{1, 1, 1, 1, 3}));
    EXPECT_EQ(field(sweep, "k"), (std::vector<long long>{1, 2, 4, 8, 17}));
}

TEST(Sweep, NoStepsOrNoFactorIsTheLargestAlone) {
    Spec spec = spec_of("vector-add");
    spec.sweep_steps = 0;
    EXPECT_EQ(kc::exercises::sweep_sizes(spec, {{"n", 4096}}), (std::vector<Sizes>{{{"n", 4096}}}));
    spec.sweep_steps = 3;
    spec.sweep_factor = 1;
    EXPECT_EQ(kc::exercises::sweep_sizes(spec, {{"n", 4096}}), (std::vector<Sizes>{{{"n", 4096}}}));
}

TEST(Sweep, EveryExerciseHasASweepOverItsOwnFields) {
    for (const auto& name : kc::exercises::names()) {
        const Spec* spec = kc::exercises::find(name);
        ASSERT_NE(spec, nullptr) << name;
        EXPECT_FALSE(spec->sweep_fields.empty()) << name;
        EXPECT_GT(spec->sweep_steps, 0) << name;
        EXPECT_GE(spec->sweep_factor, 2) << name;
        for (const auto& f : spec->sweep_fields) {
            EXPECT_NE(std::find(spec->fields.begin(), spec->fields.end(), f), spec->fields.end())
                << name << " sweeps \"" << f << "\", which is not one of its sizes";
        }

        Sizes largest;
        for (const auto& f : spec->fields) largest[f] = 1024;
        auto sweep = kc::exercises::sweep_sizes(*spec, largest);
        EXPECT_GT(sweep.size(), 1u) << name;
        EXPECT_EQ(sweep.back(), largest) << name;
    }
}

}  // namespace
