// A simulated kernel's output against an exercise's bounds: one case made as the GPU harness
// makes it (sizes that must be valid), its comparison, and the Tally that asks a correct
// variant to stay within the bound and a wrong one to fail, and prints each variant's headroom
// ("[calibration]" lines: docs/grading.md, "Calibration of the Track 1 bounds", quotes them).
// Shared by every exercise's tests (tests/exercises/) and the large calibration.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "exercises/float_exercise.h"
#include "grade/compare.h"
#include "support/tensor_case.h"

// Apart from kc::test, whose make_run does not check the sizes (the explain tests use that one).
namespace kc::test::bounds {

using exercises::FloatExercise;
using exercises::Sizes;

// The case, after checking that the exercise accepts its sizes.
TensorCase make_run(const FloatExercise& ex, const Sizes& s, uint64_t seed);

// grade::compare of `got` with the case's truth; a refused comparison fails the test.
grade::Comparison compare_run(const TensorCase& r, const std::vector<float>& got);

// "m=3 n=5 k=7", for failure messages.
std::string sizes_text(const Sizes& s);

// The timed run reverses the rows of x (and of gamma, beta when rows == 1): the truth and the
// bound are the checked ones with their rows reversed, bit for bit.
void expect_reversed_rows_reverse_truth(const FloatExercise& ex, const Sizes& s);

// Each variant's headroom (the largest error / bound of a case) over every case it ran on,
// printed when the test ends as "[calibration] exercise variant ...": for a correct kernel
// the worst case (the largest), for a wrong one the case it fails by least (the smallest).
class Tally {
public:
    explicit Tally(std::string exercise) : exercise_(std::move(exercise)) {}
    ~Tally() {
        for (const auto& [variant, w] : worst_)
            std::printf("[calibration] %-10s %-28s %s %10.4g  (%s)\n", exercise_.c_str(), variant.c_str(),
                        w.kind == 'c' ? "correct, max error/bound" : w.kind == 'w' ? "wrong, fails by       " : "observed, max error/bound",
                        w.headroom, w.where.c_str());
    }
    // A correct kernel: passes, with at least half the bound to spare.
    void correct(const std::string& variant, const TensorCase& r, const std::vector<float>& got, double limit = 0.5) {
        const auto c = compare_run(r, got);
        record(variant, r, c.headroom, 'c');
        EXPECT_TRUE(c.passed()) << exercise_ << " " << variant << " (" << sizes_text(r.sizes) << ") fails: "
                                << c.mismatches << " elements, worst at " << (c.worst ? c.worst->index : 0)
                                << " error " << (c.worst ? c.worst->error : 0) << " bound "
                                << (c.worst ? c.worst->bound : 0);
        EXPECT_LE(c.headroom, limit) << exercise_ << " " << variant << " (" << sizes_text(r.sizes) << ")";
    }
    // A wrong kernel: fails, by `margin` times the bound or more somewhere (NaN, Inf and
    // never-written count as infinitely far).
    void wrong(const std::string& variant, const TensorCase& r, const std::vector<float>& got, double margin = 4) {
        const auto c = compare_run(r, got);
        record(variant, r, c.headroom, 'w');
        EXPECT_FALSE(c.passed()) << exercise_ << " " << variant << " passes (" << sizes_text(r.sizes) << ")";
        EXPECT_GE(c.headroom, margin) << exercise_ << " " << variant << " (" << sizes_text(r.sizes) << ")";
    }

    // A kernel outside what the bound covers: its headroom is printed, nothing is asked.
    void observe(const std::string& variant, const TensorCase& r, const std::vector<float>& got) {
        record(variant, r, compare_run(r, got).headroom, 'o');
    }

private:
    struct Worst {
        double headroom = 0;
        std::string where;
        char kind = 'c';  // correct, wrong, observed
    };
    void record(const std::string& variant, const TensorCase& r, double headroom, char kind) {
        auto [it, fresh] = worst_.try_emplace(variant);
        Worst& w = it->second;
        if (fresh || (kind == 'w' ? headroom < w.headroom : headroom > w.headroom)) w = {headroom, sizes_text(r.sizes), kind};
    }

    std::string exercise_;
    std::map<std::string, Worst> worst_;
};

}  // namespace kc::test::bounds
