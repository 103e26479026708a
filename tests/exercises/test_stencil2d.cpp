// stencil2d (debugging/01): the float64 truth against a long double reference; the bound against
// simulated fp32 kernels (the five terms in several orders, FMA, the Laplacian form), every one
// within its share of it; each of the module's four planted bugs simulated on the host, failing
// where its control says and with the diagnosis its module.json names; and the writes of the
// missing bounds check (and the starter's reads) staying inside the guard zone in every case of
// the module, so that those kernels are WRONG, not CRASHED. The cases are the module's own.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <regex>
#include <stdexcept>
#include <vector>

#include "course/manifest.h"
#include "exercises/float_exercise.h"
#include "exercises/registry.h"
#include "gpu/buffer.h"
#include "grade/guard.h"
#include "support/cli.h"
#include "support/exercise_check.h"
#include "support/explain_check.h"

namespace kc::exercises {
namespace {

using test::TensorCase;
using test::bounds::Tally;
using test::explain::check;

const std::filesystem::path kModule = "tracks/debugging/module-01-basic-debugging";

const FloatExercise& stencil() {
    const auto* ex = dynamic_cast<const FloatExercise*>(find_exercise("stencil2d"));
    if (!ex) throw std::runtime_error("no exercise stencil2d");
    return *ex;
}

const course::Manifest& module() {
    static const course::Manifest m = [] {
        auto parsed = course::parse_manifest(test::read_text(test::source_dir() / kModule / "module.json"), "module.json");
        if (!parsed) throw std::runtime_error(parsed.error().message);
        return *parsed;
    }();
    return m;
}

// The module's cases small enough to simulate element by element (all but the timed one), each
// with the seed of its inputs in `kernelcoach run debugging/01 --seed 1` (README.md's sessions).
struct ModuleCase {
    std::string name;
    Sizes sizes;
    uint64_t seed = 0;
};
std::vector<ModuleCase> checked_cases() {
    std::vector<ModuleCase> out;
    for (size_t i = 0; i < module().cases.size(); ++i)
        if (!module().cases[i].timed)
            out.push_back({module().cases[i].name, module().cases[i].sizes, case_seed(test::explain::kRunSeed, i)});
    return out;
}

bool is_vector(const Sizes& s) { return s.at("h") == 1 || s.at("w") == 1; }

std::string diagnosis_of(const std::string& control) {
    for (const auto& c : module().controls)
        if (c.file == "controls/" + control + ".cu") return c.diagnosis;
    throw std::runtime_error("no control " + control);
}

// ---- simulated kernels ------------------------------------------------------------------------

// How a simulated kernel reads and weighs; each planted bug flips one field.
struct Kernel {
    bool column_major = false;  // bug 1: in[cx * h + cy]
    bool clamp_to_n = false;    // bug 2: indices clamped into [0, n]
    bool down_gets_c0 = false;  // bug 3: the lower neighbour weighted by c0
    // The fp32 arithmetic: the five weights and values, centre, left, right, up, down.
    std::function<float(const float (&)[5], const float (&)[5])> combine;
};

float in_order(const float (&wt)[5], const float (&v)[5]) {
    float acc = wt[0] * v[0];
    for (int k = 1; k < 5; ++k) acc += wt[k] * v[k];
    return acc;
}
float reversed(const float (&wt)[5], const float (&v)[5]) {
    float acc = wt[4] * v[4];
    for (int k = 3; k >= 0; --k) acc += wt[k] * v[k];
    return acc;
}
float fma_chain(const float (&wt)[5], const float (&v)[5]) {
    float acc = wt[0] * v[0];
    for (int k = 1; k < 5; ++k) acc = std::fmaf(wt[k], v[k], acc);
    return acc;
}
float sides_first(const float (&wt)[5], const float (&v)[5]) {  // c0 c + c1 ((l + r) + (u + d))
    return wt[0] * v[0] + wt[1] * ((v[1] + v[2]) + (v[3] + v[4]));
}
float laplacian(const float (&wt)[5], const float (&v)[5]) {  // c + c1 ((l + r + u + d) - 4 c), c0 = 1 - 4 c1
    return v[0] + wt[1] * ((((v[1] + v[2]) + v[3]) + v[4]) - 4 * v[0]);
}

// What `k` writes for the case: every element of the image, one thread each. Reads past the end of
// `in` (bug 2) find the guard zone: a value no input has.
std::vector<float> run(const TensorCase& t, const Kernel& k) {
    const auto h = static_cast<int>(t.sizes.at("h")), w = static_cast<int>(t.sizes.at("w"));
    std::vector<float> in = t.in[0];
    in.resize(in.size() + static_cast<size_t>(w) + 1, 3.0e7f);
    auto clamp = [&](int i, int n) { return std::min(std::max(i, 0), k.clamp_to_n ? n : n - 1); };
    auto at = [&](int cx, int cy) { return in[static_cast<size_t>(k.column_major ? cx * h + cy : cy * w + cx)]; };
    const float c0 = 0.5f, c1 = 0.125f;
    std::vector<float> out(t.elements());
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const float v[5] = {at(x, y), at(clamp(x - 1, w), y), at(clamp(x + 1, w), y), at(x, clamp(y - 1, h)),
                                at(x, clamp(y + 1, h))};
            const float wt[5] = {c0, c1, c1, c1, k.down_gets_c0 ? c0 : c1};
            out[static_cast<size_t>(y * w + x)] = k.combine(wt, v);
        }
    return out;
}

TensorCase make(const Sizes& s, uint64_t seed) { return test::bounds::make_run(stencil(), s, seed); }

// ---- truth and bound ----------------------------------------------------------------------------

TEST(ExerciseStencil2d, TruthMatchesALongDoubleReferenceAndTheBoundIsEightRoundings) {
    for (const auto& [name, s, seed] : checked_cases()) {
        const TensorCase t = make(s, seed);
        const long long h = s.at("h"), w = s.at("w");
        auto in = [&](long long y, long long x) {
            return static_cast<long double>(t.in[0][static_cast<size_t>(std::clamp(y, 0LL, h - 1) * w + std::clamp(x, 0LL, w - 1))]);
        };
        for (long long y = 0; y < h; ++y)
            for (long long x = 0; x < w; ++x) {
                const long double ref = 0.5L * in(y, x) + 0.125L * (in(y, x - 1) + in(y, x + 1) + in(y - 1, x) + in(y + 1, x));
                const long double size = 0.5L * std::fabs(in(y, x)) + 0.125L * (std::fabs(in(y, x - 1)) + std::fabs(in(y, x + 1)) +
                                                                              std::fabs(in(y - 1, x)) + std::fabs(in(y + 1, x)));
                const size_t i = static_cast<size_t>(y * w + x);
                ASSERT_EQ(static_cast<long double>(t.truth[i]), ref) << "exact in float64, at " << i;
                ASSERT_EQ(static_cast<long double>(t.bound[i]), 8 * 0x1p-24L * size) << i;
            }
    }
}

TEST(ExerciseStencil2d, InputsAreExactAndTheImageIsNowhereSymmetric) {
    const TensorCase t = make({{"h", 45}, {"w", 45}}, 3);
    size_t symmetric = 0;
    for (size_t y = 0; y < 45; ++y)
        for (size_t x = 0; x < 45; ++x) {
            const float v = t.in[0][y * 45 + x];
            EXPECT_TRUE(std::fabs(v) >= 1 && std::fabs(v) < 2) << v;
            EXPECT_EQ(std::ldexp(v, 23), std::trunc(std::ldexp(v, 23))) << "23 fraction bits at most";
            symmetric += x != y && v == t.in[0][x * 45 + y];
        }
    EXPECT_EQ(symmetric, 0u);
}

TEST(ExerciseStencil2d, TheDeclarationsAreTheContracts) {
    const Sizes s{{"h", 37}, {"w", 70}};
    EXPECT_EQ(check_declarations(stencil(), s), "");
    EXPECT_EQ(parameters(stencil(), s), "const float* in, float* out, int h, int w, float c0, float c1");
    const auto scalars = stencil().scalars(s);
    ASSERT_EQ(scalars.size(), 4u);
    EXPECT_EQ(scalars[2].f, 0.5f);
    EXPECT_EQ(scalars[3].f, 0.125f);
    EXPECT_EQ(stencil().output_shape(s), (std::vector<long long>{37, 70}));
    EXPECT_EQ(stencil().spec().vendor, "") << "no library computes it: the reference solution stands in";
}

TEST(ExerciseStencil2d, CorrectKernelsStayWithinHalfTheBound) {
    Tally tally("stencil2d");
    for (const auto& c : checked_cases())
        for (uint64_t seed : {c.seed, uint64_t{2}, uint64_t{3}}) {
            const TensorCase t = make(c.sizes, seed);
            tally.correct("in-order", t, run(t, {.combine = in_order}));
            tally.correct("reversed", t, run(t, {.combine = reversed}));
            tally.correct("fma-chain", t, run(t, {.combine = fma_chain}));
            tally.correct("sides-first", t, run(t, {.combine = sides_first}));
            tally.correct("laplacian", t, run(t, {.combine = laplacian}), 7.0 / 8);
        }
}

TEST(ExerciseStencil2d, HalvedInputsHalveTheTruthAndTheBoundExactly) {
    const Sizes s{{"h", 37}, {"w", 70}};
    const auto tt = stencil().timed_transform(s);
    ASSERT_EQ(tt.kind, TimedTransform::kHalveAllInputs);
    ASSERT_EQ(tt.output_scale, 0.5);
    TensorCase t = make(s, 11);
    for (auto& v : t.in[0]) v *= 0.5f;
    std::vector<double> truth(t.elements()), bound(t.elements());
    stencil().float_truth(s, {t.in[0]}, truth, bound);
    for (size_t i = 0; i < t.elements(); ++i) {
        ASSERT_EQ(truth[i], 0.5 * t.truth[i]) << i;
        ASSERT_EQ(bound[i], 0.5 * t.bound[i]) << i;
    }
}

// ---- the planted bugs -----------------------------------------------------------------------------

TEST(Stencil2dBugs, SwappedIndexPassesTheVectorCasesAndFailsEvery2dOneAllButTheSquaresDiagonal) {
    Tally tally("stencil2d");
    bool square = false;
    for (const auto& [name, s, seed] : checked_cases()) {
        const TensorCase t = make(s, seed);
        const auto got = run(t, {.column_major = true, .combine = in_order});
        if (is_vector(s)) {
            tally.correct("bug1-vector-cases", t, got);
            continue;
        }
        tally.wrong("bug1-swapped-index", t, got);
        if (s.at("h") != s.at("w")) continue;
        square = true;
        const auto n = static_cast<size_t>(s.at("h"));
        std::vector<uint8_t> mask;
        ASSERT_TRUE(grade::compare(got, t.truth, t.bound, t.shape, &mask).ok());
        for (size_t i = 0; i < n * n; ++i) EXPECT_EQ(mask[i] == 0, i % (n + 1) == 0) << "element " << i;
    }
    EXPECT_TRUE(square) << "the module needs a square case";
    EXPECT_EQ(diagnosis_of("swapped-index"), "case 'square'");
}

TEST(Stencil2dBugs, TheClampOffByOneFailsExactlyTheLastRowAndColumnAndSaysSo) {
    for (const auto& [name, s, seed] : checked_cases()) {
        const TensorCase t = make(s, seed);
        const auto c = check(t, run(t, {.clamp_to_n = true, .combine = in_order}));
        const auto h = static_cast<size_t>(s.at("h")), w = static_cast<size_t>(s.at("w"));
        const size_t edge = h + w - 1;  // the last row and the last column
        if (is_vector(s)) {
            EXPECT_EQ(c.comparison.mismatches, h * w) << test::bounds::sizes_text(s);
            continue;
        }
        EXPECT_EQ(c.comparison.mismatches, edge) << test::bounds::sizes_text(s);
        EXPECT_EQ(c.diagnosis, fmt::format("only the elements of the last row and the last column ({} of {}) are wrong: "
                                           "their neighbours past the last row or column must be clamped to row h - 1 "
                                           "or column w - 1 (the edge value repeated), never read from the next row or "
                                           "past the end of `in`: check how an index of h or w is clamped",
                                           edge, edge));
        EXPECT_NE(c.diagnosis.find(diagnosis_of("clamp-off-by-one")), std::string::npos) << c.diagnosis;
    }
}

TEST(Stencil2dBugs, AMistakeAtTheFirstEdgesIsNamedToo) {
    // Index -1 mirrored to 1 instead of clamped to 0: only the first row and column are wrong,
    // the two corners they share with the last ones included.
    const TensorCase t = make({{"h", 37}, {"w", 70}}, 3);
    const int h = 37, w = 70;
    auto at = [&](int cy, int cx) {
        auto lo = [](int i, int n) { return std::min(i < 0 ? -i : i, n - 1); };
        return t.in[0][static_cast<size_t>(lo(cy, h) * w + lo(cx, w))];
    };
    std::vector<float> got(t.elements());
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const float wt[5] = {0.5f, 0.125f, 0.125f, 0.125f, 0.125f};
            const float v[5] = {at(y, x), at(y, x - 1), at(y, x + 1), at(y - 1, x), at(y + 1, x)};
            got[static_cast<size_t>(y * w + x)] = in_order(wt, v);
        }
    const auto c = check(t, got);
    EXPECT_EQ(c.diagnosis.rfind("only the elements of the first row and the first column (106 of 106) are wrong: "
                                "their neighbours before the first row or column",
                                0),
              0u)
        << c.diagnosis;
}

TEST(Stencil2dBugs, AnImageOfOneColumnIsAllEdgeSoNoEdgeIsNamed) {
    // A column of 203 with most elements wrong (the no-bounds-check kernel's pattern on the H200):
    // every element is in the first and the last column, so "only the first row and column"
    // would say nothing true about the bug.
    const TensorCase t = make({{"h", 203}, {"w", 1}}, 5);
    std::vector<float> got(t.elements());
    for (size_t i = 0; i < got.size(); ++i) got[i] = static_cast<float>(i % 5 == 0 ? t.truth[i] : t.truth[i] + 1);
    const auto c = check(t, got);
    EXPECT_EQ(c.comparison.mismatches, 162u);
    EXPECT_EQ(c.diagnosis.find("first row"), std::string::npos) << c.diagnosis;
    EXPECT_EQ(c.diagnosis.find("last row"), std::string::npos) << c.diagnosis;
}

TEST(Stencil2dBugs, TheWrongCoefficientFailsEveryElementOfEveryCase) {
    Tally tally("stencil2d");
    for (const auto& [name, s, seed] : checked_cases()) {
        const TensorCase t = make(s, seed);
        const auto got = run(t, {.down_gets_c0 = true, .combine = in_order});
        tally.wrong("bug3-wrong-coefficient", t, got, 1e4);
        const auto c = check(t, got);
        EXPECT_EQ(c.comparison.mismatches, t.elements());
        EXPECT_EQ(c.diagnosis, "every element is wrong: check the formula (and that each result is stored where it belongs)");
        EXPECT_NE(c.diagnosis.find(diagnosis_of("wrong-coefficient")), std::string::npos);
    }
}

// README.md's session 3: the line controls/wrong-coefficient-printf.cu prints with --seed 1, from
// the thread of element (3, 5) of the case `ragged`, is the one the README quotes and works out.
TEST(Stencil2dBugs, TheReadmesPrintfSessionQuotesTheRealLine) {
    const auto cases = checked_cases();
    const auto ragged = std::find_if(cases.begin(), cases.end(), [](const auto& c) { return c.name == "ragged"; });
    ASSERT_NE(ragged, cases.end());
    const TensorCase t = make(ragged->sizes, ragged->seed);
    const auto got = run(t, {.down_gets_c0 = true, .combine = in_order});
    const size_t w = 70;
    auto in = [&](size_t y, size_t x) { return static_cast<double>(t.in[0][y * w + x]); };
    const std::string line =
        fmt::format("out[3][5] = {:.9g} from centre {:.9g}, left {:.9g}, right {:.9g}, up {:.9g}, down {:.9g}",
                    static_cast<double>(got[3 * w + 5]), in(3, 5), in(3, 4), in(3, 6), in(2, 5), in(4, 5));
    const std::string readme = test::read_text(test::source_dir() / kModule / "README.md");
    EXPECT_NE(readme.find(line), std::string::npos) << line;
    EXPECT_NE(readme.find(fmt::format("{:.9g}", t.truth[3 * w + 5])), std::string::npos) << "the expected value";
}

// ---- how far past the end a kernel without a bounds check goes ---------------------------------------

// The starter's block shape, read from kernel.cu (a control without a bounds check has the same).
struct Block {
    long long x = 0, y = 0;
};
Block starter_block() {
    const std::string text = test::read_text(test::source_dir() / kModule / "kernel.cu");
    std::smatch bx, by;
    const std::regex rx(R"(constexpr unsigned kBlockX = (\d+);)"), ry(R"(constexpr unsigned kBlockY = (\d+);)");
    if (!std::regex_search(text, bx, rx) || !std::regex_search(text, by, ry)) throw std::runtime_error("no block shape");
    return {std::stoll(bx[1].str()), std::stoll(by[1].str())};
}

// How many elements past the end of `out` (writes) and of `in` (reads) the last thread of the grid
// reaches (every index grows with x and y, so it reaches farthest), or 0; with the starter's bugs 1
// and 2 or without them.
struct Reach {
    long long written = 0, read = 0;
};
Reach past_the_end(long long h, long long w, Block b, bool starter) {
    const long long x = (w + b.x - 1) / b.x * b.x - 1, y = (h + b.y - 1) / b.y * b.y - 1;
    const long long top = starter ? 0 : 1;  // bug 2: an index clamped into [0, n]
    const long long right = std::min(x + 1, w - top), down = std::min(y + 1, h - top);
    auto at = [&](long long cx, long long cy) { return starter ? cx * h + cy : cy * w + cx; };
    const long long farthest_read = std::max({at(x, y), at(right, y), at(x, down)});
    return {std::max(0LL, y * w + x - (h * w - 1)), std::max(0LL, farthest_read - (h * w - 1))};
}

TEST(Stencil2dBugs, WithoutABoundsCheckEveryPartialCaseWritesPastTheEndButInsideTheGuardZone) {
    const Block b = starter_block();
    EXPECT_EQ(b.x * b.y, 256);
    constexpr long long kGuardElements = gpu::DeviceBuffer::kBackGuard / sizeof(float);
    for (const auto& c : module().cases) {
        const long long h = c.sizes.at("h"), w = c.sizes.at("w");
        const bool partial = h % b.y != 0 || w % b.x != 0;
        const Reach bug4 = past_the_end(h, w, b, false), starter = past_the_end(h, w, b, true);
        EXPECT_EQ(bug4.written > 0, partial) << c.name;
        EXPECT_LT(bug4.written, kGuardElements) << c.name << ": past the guard zone the verdict is CRASHED";
        EXPECT_LT(bug4.read, kGuardElements) << c.name;
        EXPECT_LT(starter.read, kGuardElements) << c.name << ": the starter's reads must not leave the guard either";
        EXPECT_EQ(starter.written, bug4.written) << c.name << ": the starter writes where bug 4 alone does";
        EXPECT_LT(w, kGuardElements) << c.name << ": bug 2 alone reads up to w elements past the end of in";
        if (partial) {
            const std::string said = grade::describe(grade::GuardWrite{"out", false, 0, static_cast<size_t>(4 * bug4.written - 1),
                                                                       4, static_cast<size_t>(h * w)});
            EXPECT_NE(said.find(diagnosis_of("no-bounds-check")), std::string::npos) << said;
        }
    }
    EXPECT_EQ(past_the_end(1, 1003, {32, 32}, false).written, 31114) << "32 x 32 blocks would leave the guard zone";
}

}  // namespace
}  // namespace kc::exercises
