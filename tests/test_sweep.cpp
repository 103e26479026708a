// The size sweeps of `bench --sizes`: each exercise's sweep fields divided step by step, the
// other sizes kept, smallest first, no duplicates. An exercise's own sweep is tested in
// tests/exercises/test_<exercise>.cpp; the ones here hold for every exercise, or two.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "exercises/spec.h"
#include "support/sweep.h"

namespace {

using kc::exercises::Sizes;
using kc::exercises::Spec;
using kc::test::field;
using kc::test::spec_of;

TEST(Sweep, SoftmaxAndLayerNormScaleRowsOnly) {
    for (const char* name : {"softmax", "layer-norm"}) {
        auto sweep = kc::exercises::sweep_sizes(spec_of(name), {{"rows", 16384}, {"cols", 4096}});
        EXPECT_EQ(field(sweep, "rows"), (std::vector<long long>{16, 64, 256, 1024, 4096, 16384})) << name;
        EXPECT_EQ(field(sweep, "cols"), std::vector<long long>(6, 4096)) << name;
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
