// The host side of the Track 1 tensor exercises (matrix-mul, softmax, layer-norm, conv2d): the
// float64 truth against a naive long double reference; the error bounds against simulated fp32
// kernels, correct ones (every summation order, FMA or not, fast-math exp) that must stay
// within half the bound and wrong ones (half precision, the one-pass variance, no max shift,
// zeros, copies, a skipped row) that must fail; inputs that depend on the seed alone; and the
// timed run's exact transforms. The headroom of every variant is printed ("[calibration]"
// lines): docs/grading.md, "Calibration of the Track 1 bounds", quotes them.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "exercises/conv2d/conv2d.h"
#include "exercises/layer_norm/layer_norm.h"
#include "exercises/matrix_mul/matrix_mul.h"
#include "exercises/softmax/softmax.h"
#include "exercises/float_exercise.h"
#include "exercises/registry.h"
#include "exercises/vector_add/vector_add.h"
#include "grade/compare.h"
#include "util/hash.h"
#include "support/tensor_case.h"

namespace kc::exercises {
namespace {

constexpr float kFloatMin = std::numeric_limits<float>::min();
constexpr double kInf = std::numeric_limits<double>::infinity();

// ---- a case and its comparison ------------------------------------------------------------

using test::TensorCase;
using test::make_inputs;

TensorCase make_run(const FloatExercise& ex, const Sizes& s, uint64_t seed) {
    EXPECT_GT(checked_elements(ex, s), 0u);
    return test::make_run(ex, s, seed);
}

grade::Comparison compare_run(const TensorCase& r, const std::vector<float>& got) {
    auto c = grade::compare(got, r.truth, r.bound, r.shape);
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
    return c.ok() ? *c : grade::Comparison{};
}

std::string sizes_text(const Sizes& s) {
    std::string out;
    for (const auto& [k, v] : s) out += (out.empty() ? "" : " ") + k + "=" + std::to_string(v);
    return out;
}

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

// ---- fp32 and half-precision building blocks ---------------------------------------------

// x rounded to IEEE binary16 (11 significant bits, subnormals below 2^-14, overflow to inf),
// to nearest even, as a kernel storing or computing in __half would.
float to_half(float x) {
    if (!std::isfinite(x) || x == 0) return x;
    const double ax = std::fabs(static_cast<double>(x));
    const double quantum = std::ldexp(1.0, std::max(std::ilogb(ax), -14) - 10);
    double r = std::nearbyint(ax / quantum) * quantum;  // the default rounding: to nearest even
    if (r > 65504.0) r = kInf;
    return static_cast<float>(std::copysign(r, static_cast<double>(x)));
}

TEST(ExerciseHalf, RoundsLikeBinary16) {
    EXPECT_EQ(to_half(1.0f), 1.0f);
    EXPECT_EQ(to_half(1.0f + 0x1p-11f), 1.0f);                // a tie: to even
    EXPECT_EQ(to_half(1.0f + 3 * 0x1p-11f), 1.0f + 0x1p-9f);  // a tie: to even, upwards
    EXPECT_EQ(to_half(1.0f + 0x1p-10f), 1.0f + 0x1p-10f);
    EXPECT_EQ(to_half(10000.3f), 10000.0f);                    // spacing 8 at 1e4
    EXPECT_EQ(to_half(10003.9f), 10000.0f);
    EXPECT_EQ(to_half(10004.1f), 10008.0f);
    EXPECT_EQ(to_half(65519.0f), 65504.0f);
    EXPECT_EQ(to_half(65520.0f), std::numeric_limits<float>::infinity());
    EXPECT_EQ(to_half(0x1p-24f), 0x1p-24f);                    // the smallest subnormal
    EXPECT_EQ(to_half(0x1p-26f), 0.0f);
    EXPECT_EQ(to_half(-3.14159f), -3.140625f);
}

// One ulp of a positive normal float.
float ulp(float x) { return std::ldexp(1.0f, std::ilogb(x) - 23); }

// x moved by `steps` ulps (of x) away from zero (negative: towards), as a floating-point result
// with that error would be.
float nudge(float x, int steps) {
    if (x == 0 || !std::isfinite(x)) return x;
    return x + static_cast<float>(steps) * ulp(std::fabs(x)) * (x > 0 ? 1.f : -1.f);
}

enum class Order { kSequential, kTree, kBlock };  // kBlock: 256 strided lanes, then a tree

float tree_sum(std::vector<float> v) {
    if (v.empty()) return 0.f;
    for (size_t w = 1; w < v.size(); w *= 2)
        for (size_t i = 0; i + w < v.size(); i += 2 * w) v[i] += v[i + w];
    return v[0];
}

// The fp32 sum of `terms` in the given order.
float sum(const std::vector<float>& terms, Order order) {
    switch (order) {
        case Order::kSequential: {
            float s = 0;
            for (float t : terms) s += t;
            return s;
        }
        case Order::kTree: return tree_sum(terms);
        case Order::kBlock: {
            std::vector<float> lanes(std::min<size_t>(256, terms.size()), 0.f);
            for (size_t i = 0; i < terms.size(); ++i) lanes[i % lanes.size()] += terms[i];
            return tree_sum(lanes);
        }
    }
    return 0;
}

std::vector<float> sentinel_last_row(std::vector<float> got, size_t row_length) {
    for (size_t i = got.size() - row_length; i < got.size(); ++i) got[i] = grade::sentinel();
    return got;
}

// A copy of `src`'s first n floats (zeros past its end), as a kernel writing its input would.
std::vector<float> copy_of(const std::vector<float>& src, size_t n) {
    std::vector<float> out(n, 0.f);
    std::copy_n(src.begin(), std::min(n, src.size()), out.begin());
    return out;
}

// ---- registry and size checks -------------------------------------------------------------

TEST(ExerciseTensor, FindsEveryTrackOneExercise) {
    for (const char* name : {"vector-add", "matrix-mul", "softmax", "layer-norm", "conv2d"}) {
        const Exercise* ex = find_exercise(name);
        ASSERT_NE(ex, nullptr) << name;
        EXPECT_EQ(ex->spec().name, name);
    }
    EXPECT_EQ(find_exercise("matmul"), nullptr);
    EXPECT_TRUE(duplicate_names().empty());
}

TEST(ExerciseTensor, CheckedElementsRefusesBadSizes) {
    const auto& mm = matrix_mul_exercise();
    EXPECT_EQ(checked_elements(mm, {{"m", 3}, {"n", 5}, {"k", 7}}), 15u);
    EXPECT_EQ(checked_elements(mm, {{"m", 3}, {"n", 5}}), 0u);                              // k missing
    EXPECT_EQ(checked_elements(mm, {{"m", -3}, {"n", 5}, {"k", 7}}), 0u);                   // negative
    EXPECT_EQ(checked_elements(mm, {{"m", 0}, {"n", 5}, {"k", 7}}), 0u);                    // empty
    EXPECT_EQ(checked_elements(mm, {{"m", 3}, {"n", 5}, {"k", 1LL << 31}}), 0u);            // not an int
    EXPECT_EQ(checked_elements(mm, {{"m", 65536}, {"n", 65536}, {"k", 1}}), 0u);            // 2^32 floats
    EXPECT_EQ(checked_elements(mm, {{"m", 1}, {"n", 1}, {"k", INT_MAX}}), 1u);              // a: INT_MAX floats
    EXPECT_EQ(checked_elements(mm, {{"m", 2}, {"n", 1}, {"k", INT_MAX}}), 0u);              // a: too many
    EXPECT_EQ(checked_elements(mm, {{"m", 64}, {"n", 64}, {"k", 64}}, 4095), 0u);           // over the limit
    const auto& cv = conv2d_exercise();
    Sizes s{{"n", 2}, {"c", 3}, {"h", 9}, {"w", 11}, {"k", 4}, {"r", 3}, {"s", 3}, {"pad", 1}, {"stride", 2}};
    EXPECT_EQ(checked_elements(cv, s), 2u * 4 * 5 * 6);
    s["stride"] = 0;
    EXPECT_EQ(checked_elements(cv, s), 0u);
    s["stride"] = 1;
    s["pad"] = 0;
    s["r"] = 10;  // taller than the input
    EXPECT_EQ(checked_elements(cv, s), 0u);
    s["r"] = 3;
    s["n"] = INT_MAX;
    s["h"] = INT_MAX;
    s["w"] = INT_MAX;
    s["c"] = INT_MAX;  // n*c*h*w overflows 64 bits
    EXPECT_EQ(checked_elements(cv, s), 0u);
    EXPECT_EQ(elements_of({INT_MAX, INT_MAX, INT_MAX, INT_MAX}), SIZE_MAX);
    EXPECT_EQ(elements_of({3, -1}), SIZE_MAX);
    EXPECT_EQ(elements_of({}), 1u);
}

TEST(ExerciseTensor, ElementStreamsAreTheSequentialStream) {
    Rng seq(1234);
    for (uint64_t i = 0; i < 100; ++i) EXPECT_EQ(bits_at(1234, i), seq.next()) << i;
    Rng seq2(99);
    for (uint64_t i = 0; i < 100; ++i) EXPECT_EQ(uniform_at(99, i, -4.f, 4.f), seq2.uniform(-4.f, 4.f)) << i;
}

// Inputs depend on the seed and the element's position only: a case's first rows are the same
// whatever the number of rows (so whatever the chunks and threads), and a fixed seed gives
// fixed bytes on every machine (the hashes below).
TEST(ExerciseTensor, InputsDependOnTheSeedAndPositionAlone) {
    struct Item {
        const FloatExercise* ex;
        Sizes small, large;  // large: more of the outermost dimension, past several 2^16 chunks
        std::vector<std::string> golden;
    };
    const std::vector<Item> items = {
        {&matrix_mul_exercise(), {{"m", 5}, {"n", 7}, {"k", 9}}, {{"m", 30001}, {"n", 7}, {"k", 9}}, {}},
        {&softmax_exercise(), {{"rows", 5}, {"cols", 7}}, {{"rows", 40000}, {"cols", 7}}, {}},
        {&layer_norm_exercise(), {{"rows", 5}, {"cols", 7}}, {{"rows", 40000}, {"cols", 7}}, {}},
        {&conv2d_exercise(),
         {{"n", 1}, {"c", 2}, {"h", 5}, {"w", 6}, {"k", 3}, {"r", 3}, {"s", 3}, {"pad", 1}, {"stride", 1}},
         {{"n", 3000}, {"c", 2}, {"h", 5}, {"w", 6}, {"k", 3}, {"r", 3}, {"s", 3}, {"pad", 1}, {"stride", 1}},
         {}},
    };
    for (const auto& it : items) {
        const auto a = make_inputs(*it.ex, it.small, 42), b = make_inputs(*it.ex, it.large, 42);
        const auto again = make_inputs(*it.ex, it.large, 42), other = make_inputs(*it.ex, it.small, 43);
        EXPECT_EQ(b, again) << it.ex->spec().name;
        EXPECT_NE(a, other) << it.ex->spec().name;
        // The input whose size grows with the outermost dimension starts with the small case's.
        const auto& grows = a[0];
        ASSERT_LE(grows.size(), b[0].size());
        EXPECT_TRUE(std::equal(grows.begin(), grows.end(), b[0].begin())) << it.ex->spec().name;
        // The others (matrix-mul's b, gamma, beta, the filter) do not grow: the same.
        for (size_t t = 1; t < a.size(); ++t) EXPECT_EQ(a[t], b[t]) << it.ex->spec().name << " input " << t;
        for (const auto& v : b)
            for (float x : v) ASSERT_TRUE(std::isfinite(x));
    }
}

// Golden hashes: the same seed gives the same bytes on every machine and build.
TEST(ExerciseTensor, InputsAreTheSameOnEveryMachine) {
    auto digest = [](const FloatExercise& ex, const Sizes& s) {
        Hasher h;
        for (const auto& v : make_inputs(ex, s, 7))
            h.field(std::string_view(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float)));
        return h.hex();
    };
    const Sizes conv{{"n", 1}, {"c", 2}, {"h", 5}, {"w", 6}, {"k", 3}, {"r", 3}, {"s", 3}, {"pad", 1}, {"stride", 1}};
    const std::vector<std::pair<std::string, std::string>> got = {
        {"matrix-mul", digest(matrix_mul_exercise(), {{"m", 5}, {"n", 7}, {"k", 9}})},
        {"softmax", digest(softmax_exercise(), {{"rows", 8}, {"cols", 70}})},
        {"layer-norm", digest(layer_norm_exercise(), {{"rows", 8}, {"cols", 70}})},
        {"conv2d", digest(conv2d_exercise(), conv)},
    };
    const std::map<std::string, std::string> golden = {
        {"matrix-mul", "b158a6787bfbb0d5b3dc74785cd662de"},
        {"softmax", "631f2a4a4c622715905431d8d8baa4c6"},
        {"layer-norm", "bc8eb91dfe5d3967169456b970eaaa19"},
        {"conv2d", "f2e81b38199bc1ec0581b5fc1a937e46"},
    };
    for (const auto& [name, hex] : got) EXPECT_EQ(hex, golden.at(name)) << name;
}

// ---- matrix-mul ----------------------------------------------------------------------------

Sizes mm(long long m, long long n, long long k) { return {{"m", m}, {"n", n}, {"k", k}}; }

// c[i][j] from a per-element fp32 dot product `dot(terms a_il, b_lj)`.
template <class Dot>
std::vector<float> matmul_with(const TensorCase& r, Dot dot) {
    const auto m = static_cast<size_t>(r.sizes.at("m")), n = static_cast<size_t>(r.sizes.at("n")),
               k = static_cast<size_t>(r.sizes.at("k"));
    const auto &a = r.in[0], &b = r.in[1];
    std::vector<float> out(m * n), x(k), y(k);
    for (size_t i = 0; i < m; ++i)
        for (size_t j = 0; j < n; ++j) {
            for (size_t l = 0; l < k; ++l) {
                x[l] = a[i * k + l];
                y[l] = b[l * n + j];
            }
            out[i * n + j] = dot(x, y);
        }
    return out;
}

float dot_sequential(const std::vector<float>& x, const std::vector<float>& y) {
    float s = 0;
    for (size_t l = 0; l < x.size(); ++l) s += x[l] * y[l];
    return s;
}
float dot_fma(const std::vector<float>& x, const std::vector<float>& y) {
    float s = 0;
    for (size_t l = 0; l < x.size(); ++l) s = std::fmaf(x[l], y[l], s);
    return s;
}
std::vector<float> products(const std::vector<float>& x, const std::vector<float>& y) {
    std::vector<float> p(x.size());
    for (size_t l = 0; l < x.size(); ++l) p[l] = x[l] * y[l];
    return p;
}

const std::vector<Sizes>& matmul_cases() {
    static const std::vector<Sizes> cases = {mm(16, 16, 5003), mm(24, 20, 257), mm(48, 40, 64),
                                             mm(1, 1, 1),      mm(7, 3, 1),     mm(5, 9, 2)};
    return cases;
}

TEST(ExerciseMatmul, TruthMatchesLongDoubleReference) {
    for (const Sizes& s : {mm(13, 17, 301), mm(1, 1, 1), mm(70, 9, 33)}) {
        const TensorCase r = make_run(matrix_mul_exercise(), s, 5);
        const auto m = static_cast<size_t>(s.at("m")), n = static_cast<size_t>(s.at("n")),
                   k = static_cast<size_t>(s.at("k"));
        for (size_t i = 0; i < m; ++i)
            for (size_t j = 0; j < n; ++j) {
                long double ref = 0, abs_sum = 0;
                for (size_t l = 0; l < k; ++l) {
                    const long double t = static_cast<long double>(r.in[0][i * k + l]) * r.in[1][l * n + j];
                    ref += t;
                    abs_sum += std::fabs(t);
                }
                ASSERT_LE(std::fabs(static_cast<long double>(r.truth[i * n + j]) - ref), 1e-15L * abs_sum)
                    << sizes_text(s) << " at " << i << "," << j;
                EXPECT_GT(r.bound[i * n + j], 0.0);
            }
    }
}

TEST(ExerciseMatmul, CorrectKernelsStayWithinHalfTheBound) {
    Tally tally("matrix-mul");
    for (const Sizes& s : matmul_cases())
        for (uint64_t seed : {1u, 2u}) {
            const TensorCase r = make_run(matrix_mul_exercise(), s, seed);
            tally.correct("sequential", r, matmul_with(r, dot_sequential));
            tally.correct("sequential-fma", r, matmul_with(r, dot_fma));
            tally.correct("tree", r, matmul_with(r, [](auto& x, auto& y) { return tree_sum(products(x, y)); }));
            tally.correct("256-lane-block", r,
                          matmul_with(r, [](auto& x, auto& y) { return sum(products(x, y), Order::kBlock); }));
            tally.correct("split-k-8", r, matmul_with(r, [](auto& x, auto& y) {
                              float total = 0;
                              const size_t chunk = (x.size() + 7) / 8;
                              for (size_t c0 = 0; c0 < x.size(); c0 += chunk) {
                                  float part = 0;
                                  for (size_t l = c0; l < std::min(x.size(), c0 + chunk); ++l)
                                      part = std::fmaf(x[l], y[l], part);
                                  total += part;
                              }
                              return total;
                          }));
        }
}

TEST(ExerciseMatmul, WrongKernelsFail) {
    Tally tally("matrix-mul");
    for (const Sizes& s : {mm(16, 16, 5003), mm(24, 20, 257), mm(48, 40, 64), mm(7, 3, 2)}) {
        const TensorCase r = make_run(matrix_mul_exercise(), s, 3);
        const size_t n = static_cast<size_t>(s.at("n"));
        tally.wrong("half-inputs", r, matmul_with(r, [](auto x, auto y) {
                        for (auto& v : x) v = to_half(v);
                        for (auto& v : y) v = to_half(v);
                        return dot_fma(x, y);
                    }));
        tally.wrong("half-arithmetic", r, matmul_with(r, [](auto& x, auto& y) {
                        float acc = 0;
                        for (size_t l = 0; l < x.size(); ++l)
                            acc = to_half(acc + to_half(to_half(x[l]) * to_half(y[l])));
                        return acc;
                    }));
        tally.wrong("half-output", r, matmul_with(r, [](auto& x, auto& y) { return to_half(dot_fma(x, y)); }));
        tally.wrong("last-term-dropped", r, matmul_with(r, [](auto x, auto y) {
                        x.pop_back();
                        y.pop_back();
                        return dot_fma(x, y);
                    }));
        tally.wrong("zeros", r, std::vector<float>(r.elements(), 0.f));
        tally.wrong("copy-of-a", r, copy_of(r.in[0], r.elements()));
        tally.wrong("last-row-skipped", r, sentinel_last_row(matmul_with(r, dot_fma), n));
    }
}

// The 4-wide (AVX2) and 2-wide tiles give the same bits, over several tasks in both directions,
// several blocks of k and partial tiles at every edge.
TEST(ExerciseMatmul, EveryTileGivesTheSameBits) {
    for (const Sizes& s : {mm(131, 1100, 530), mm(3, 9, 1), mm(65, 513, 257)}) {
        const auto in = make_inputs(matrix_mul_exercise(), s, 8);
        const auto m = static_cast<size_t>(s.at("m")), n = static_cast<size_t>(s.at("n")),
                   k = static_cast<size_t>(s.at("k"));
        std::vector<double> t1(m * n), b1(m * n), t2(m * n), b2(m * n);
        matrix_mul_truth(in[0], in[1], m, n, k, t1, b1);
        matrix_mul_truth(in[0], in[1], m, n, k, t2, b2, true);
        ASSERT_EQ(t1, t2) << sizes_text(s);
        ASSERT_EQ(b1, b2) << sizes_text(s);
        // and the naive float64 loop, summing l in the same order
        for (size_t i = 0; i < m; i += 7)
            for (size_t j = 0; j < n; j += 5) {
                double ref = 0;
                for (size_t l = 0; l < k; ++l) ref += static_cast<double>(in[0][i * k + l]) * in[1][l * n + j];
                ASSERT_NEAR(t1[i * n + j], ref, 1e-12) << sizes_text(s) << " " << i << "," << j;
            }
    }
}

// The timed run halves a: truth and bound halve exactly.
TEST(ExerciseMatmul, HalvedInputHalvesTruthAndBoundExactly) {
    for (const Sizes& s : {mm(37, 29, 300), mm(1, 1, 1), mm(9, 130, 17)}) {
        const auto t = matrix_mul_exercise().timed_transform(s);
        ASSERT_EQ(t.kind, TimedTransform::kHalveInput);
        ASSERT_EQ(t.input, 0u);
        TensorCase r = make_run(matrix_mul_exercise(), s, 11);
        for (auto& v : r.in[0]) v *= 0.5f;
        std::vector<double> truth(r.elements()), bound(r.elements());
        std::vector<std::span<const float>> cin(r.in.begin(), r.in.end());
        matrix_mul_exercise().float_truth(s, cin, truth, bound);
        for (size_t i = 0; i < r.elements(); ++i) {
            ASSERT_EQ(truth[i], 0.5 * r.truth[i]) << i;
            ASSERT_EQ(bound[i], 0.5 * r.bound[i]) << i;
        }
    }
}

// How long the float64 truth of a large product takes: run by hand with
// --gtest_also_run_disabled_tests --gtest_filter='*Timing*'.
TEST(ExerciseMatmul, DISABLED_TruthTiming) {
    for (long long n : {1024LL, 2048LL}) {
        const Sizes s = mm(n, n, n);
        const auto in = make_inputs(matrix_mul_exercise(), s, 1);
        std::vector<double> truth(static_cast<size_t>(n * n)), bound(truth.size());
        std::vector<std::span<const float>> cin(in.begin(), in.end());
        for (int rep = 0; rep < 3; ++rep) {
            const auto t0 = std::chrono::steady_clock::now();
            matrix_mul_exercise().float_truth(s, cin, truth, bound);
            const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            std::printf("[timing] matrix-mul truth %lld^3: %.3f s, %.2f GFLOP/s on %u threads\n", n, sec,
                        2.0 * static_cast<double>(n * n * n) / sec / 1e9, std::thread::hardware_concurrency());
        }
        const auto t0 = std::chrono::steady_clock::now();
        matrix_mul_truth(in[0], in[1], static_cast<size_t>(n), static_cast<size_t>(n), static_cast<size_t>(n), truth,
                         bound, true);
        const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::printf("[timing] matrix-mul truth %lld^3, portable 2-wide tile: %.3f s, %.2f GFLOP/s\n", n, sec,
                    2.0 * static_cast<double>(n * n * n) / sec / 1e9);
    }
}

// ---- row-wise exercises: shared helpers ---------------------------------------------------

Sizes rc(long long rows, long long cols) { return {{"rows", rows}, {"cols", cols}}; }

// The output of a row-wise kernel: `row(x_row, cols, y_row, row_index)` for every row.
template <class Row>
std::vector<float> by_rows(const TensorCase& r, Row row) {
    const auto rows = static_cast<size_t>(r.sizes.at("rows")), cols = static_cast<size_t>(r.sizes.at("cols"));
    std::vector<float> out(rows * cols);
    for (size_t i = 0; i < rows; ++i) row(r.in[0].data() + i * cols, cols, out.data() + i * cols, i);
    return out;
}

// The timed run reverses the rows of x (and of gamma, beta when rows == 1): the truth and the
// bound are the checked ones with their rows reversed, bit for bit.
void expect_reversed_rows_reverse_truth(const FloatExercise& ex, const Sizes& s) {
    const auto t = ex.timed_transform(s);
    ASSERT_EQ(t.kind, TimedTransform::kReverseRows);
    const auto rows = static_cast<size_t>(s.at("rows")), cols = static_cast<size_t>(s.at("cols"));
    ASSERT_EQ(t.row_length, cols);
    TensorCase r = make_run(ex, s, 21);
    for (auto& v : r.in)  // as the harness does: every input of rows * row_length floats
        if (v.size() == rows * cols)
            for (size_t i = 0; i < rows / 2; ++i)
                std::swap_ranges(v.begin() + static_cast<long>(i * cols), v.begin() + static_cast<long>((i + 1) * cols),
                                 v.begin() + static_cast<long>((rows - 1 - i) * cols));
    std::vector<double> truth(r.elements()), bound(r.elements());
    std::vector<std::span<const float>> cin(r.in.begin(), r.in.end());
    ex.float_truth(s, cin, truth, bound);
    for (size_t i = 0; i < rows; ++i)
        for (size_t j = 0; j < cols; ++j) {
            ASSERT_EQ(truth[i * cols + j], r.truth[(rows - 1 - i) * cols + j]) << sizes_text(s) << " " << i << "," << j;
            ASSERT_EQ(bound[i * cols + j], r.bound[(rows - 1 - i) * cols + j]) << sizes_text(s) << " " << i << "," << j;
        }
}

// ---- softmax -------------------------------------------------------------------------------

// exp as a kernel may compute it, from the fp32 difference d = x - max.
enum class Exp {
    kAccurate,  // expf: within 1 ulp here (glibc), 2 in CUDA
    kExp2,      // exp2f(d * log2e) in fp32
    kFast,      // __expf as the hardware does it: ex2.approx(fl(d * log2e)), 2 ulp, flush to zero
    kWorst,     // every exp off by the documented maximum of __expf, 2 + floor(1.173 |d|) ulp, upwards
};

class ExpSim {
public:
    explicit ExpSim(Exp kind) : kind_(kind) {}
    float operator()(float d) {
        switch (kind_) {
            case Exp::kAccurate: return std::exp(d);
            case Exp::kExp2: return std::exp2(d * 1.44269504f);
            case Exp::kFast: {
                const float t = d * 1.44269504f;
                const float e = nudge(static_cast<float>(std::exp2(static_cast<double>(t))), static_cast<int>(g_() % 5) - 2);
                return e < kFloatMin ? 0.f : e;
            }
            case Exp::kWorst: {
                const float e = static_cast<float>(std::exp(static_cast<double>(d)));
                return e < kFloatMin ? 0.f : nudge(e, 2 + static_cast<int>(std::floor(1.173 * std::fabs(d))));
            }
        }
        return 0;
    }
    // a / b as the kernel's divide: correctly rounded, or (fast) within 2 ulp and flushed.
    float divide(float a, float b) {
        if (kind_ == Exp::kAccurate) return a / b;
        if (kind_ == Exp::kExp2) return a * (1.f / b);
        const float q = nudge(a / b, kind_ == Exp::kWorst ? 2 : static_cast<int>(g_() % 5) - 2);
        return q < kFloatMin ? 0.f : q;
    }

private:
    Exp kind_;
    std::mt19937_64 g_{12345};
};

// max, exp(x - max), the sum in `order`, the divide.
auto softmax_plain(Exp kind, Order order) {
    return [kind, order](const float* x, size_t n, float* y, size_t) {
        ExpSim ex(kind);
        const float m = *std::max_element(x, x + n);
        std::vector<float> e(n);
        for (size_t j = 0; j < n; ++j) e[j] = ex(x[j] - m);
        const float s = sum(e, order);
        for (size_t j = 0; j < n; ++j) y[j] = ex.divide(e[j], s);
    };
}

// Online softmax (Milakov & Gimelshein): each of `lanes` lanes keeps a running max and a sum
// rescaled by exp(m_old - m_new) over its strided elements; the lanes combine in a tree.
auto softmax_online(Exp kind, size_t lanes) {
    return [kind, lanes](const float* x, size_t n, float* y, size_t) {
        ExpSim ex(kind);
        const size_t L = std::min(lanes, n);
        std::vector<float> m(L, -std::numeric_limits<float>::infinity()), s(L, 0.f);
        for (size_t j = 0; j < n; ++j) {
            const size_t l = j % L;
            if (x[j] > m[l]) {
                s[l] = s[l] * ex(m[l] - x[j]) + 1.f;
                m[l] = x[j];
            } else {
                s[l] += ex(x[j] - m[l]);
            }
        }
        for (size_t w = 1; w < L; w *= 2)
            for (size_t i = 0; i + w < L; i += 2 * w) {
                const float mm = std::max(m[i], m[i + w]);
                s[i] = s[i] * ex(m[i] - mm) + s[i + w] * ex(m[i + w] - mm);
                m[i] = mm;
            }
        for (size_t j = 0; j < n; ++j) y[j] = ex.divide(ex(x[j] - m[0]), s[0]);
    };
}

const std::vector<std::pair<Sizes, uint64_t>>& softmax_cases() {
    static const std::vector<std::pair<Sizes, uint64_t>> cases = [] {
        std::vector<std::pair<Sizes, uint64_t>> c = {{rc(16, 30000), 1}, {rc(16, 30000), 2}, {rc(8, 4096), 3},
                                                    {rc(256, 1000), 4}, {rc(9, 1), 5},       {rc(1, 1), 6},
                                                    {rc(64, 2), 7}};
        for (uint64_t seed = 10; seed < 18; ++seed) c.push_back({rc(3, 7), seed});
        return c;
    }();
    return cases;
}

TEST(ExerciseSoftmax, EveryRegimeAppearsInSmallCases) {
    for (uint64_t seed = 0; seed < 20; ++seed) {
        std::vector<bool> seen(kSoftmaxRegimes);
        for (size_t r = 0; r < kSoftmaxRegimes; ++r) seen[static_cast<size_t>(softmax_row_regime(seed, r))] = true;
        EXPECT_EQ(std::count(seen.begin(), seen.end(), true), static_cast<long>(kSoftmaxRegimes)) << seed;
    }
    // The offset rows make exp without the max shift overflow, with the max repeated.
    const TensorCase r = make_run(softmax_exercise(), rc(kSoftmaxRegimes, 100), 3);
    for (size_t i = 0; i < kSoftmaxRegimes; ++i) {
        const float* x = r.in[0].data() + i * 100;
        const float m = *std::max_element(x, x + 100);
        switch (softmax_row_regime(3, i)) {
            case SoftmaxRow::kOffset:
                EXPECT_TRUE(std::isinf(std::exp(m)));
                EXPECT_EQ(std::count(x, x + 100, m), 4);  // columns 0, 17, 78 and 99
                EXPECT_EQ(x[0], m);
                EXPECT_EQ(x[99], m);
                break;
            case SoftmaxRow::kWide: EXPECT_GT(m - *std::min_element(x, x + 100), 100.f); break;
            case SoftmaxRow::kOrdinary: EXPECT_LT(std::fabs(m), 4.f); break;
            case SoftmaxRow::kNegative: EXPECT_EQ(std::exp(m), 0.f); break;  // exp(x - 0) underflows
            case SoftmaxRow::kSpike:
                EXPECT_EQ(m, 100.f);
                EXPECT_EQ(std::count(x, x + 100, m), 1);
                break;
        }
    }
}

TEST(ExerciseSoftmax, TruthMatchesLongDoubleReference) {
    for (const Sizes& s : {rc(8, 777), rc(3, 7), rc(5, 1)}) {
        const TensorCase r = make_run(softmax_exercise(), s, 9);
        const auto rows = static_cast<size_t>(s.at("rows")), cols = static_cast<size_t>(s.at("cols"));
        for (size_t i = 0; i < rows; ++i) {
            const float* x = r.in[0].data() + i * cols;
            long double m = *std::max_element(x, x + cols), total = 0;
            for (size_t j = 0; j < cols; ++j) total += std::exp(static_cast<long double>(x[j]) - m);
            for (size_t j = 0; j < cols; ++j) {
                const long double ref = std::exp(static_cast<long double>(x[j]) - m) / total;
                ASSERT_LE(std::fabs(static_cast<long double>(r.truth[i * cols + j]) - ref), 1e-14L * ref)
                    << sizes_text(s) << " " << i << "," << j;
                EXPECT_GT(r.bound[i * cols + j], 0.0);
            }
        }
    }
}

TEST(ExerciseSoftmax, CorrectKernelsStayWithinHalfTheBound) {
    Tally tally("softmax");
    for (const auto& [s, seed] : softmax_cases()) {
        const TensorCase r = make_run(softmax_exercise(), s, seed);
        tally.correct("expf-sequential", r, by_rows(r, softmax_plain(Exp::kAccurate, Order::kSequential)));
        tally.correct("expf-tree", r, by_rows(r, softmax_plain(Exp::kAccurate, Order::kTree)));
        tally.correct("expf-256-lane-block", r, by_rows(r, softmax_plain(Exp::kAccurate, Order::kBlock)));
        tally.correct("exp2f-sequential", r, by_rows(r, softmax_plain(Exp::kExp2, Order::kSequential)));
        tally.correct("fast-exp-sequential", r, by_rows(r, softmax_plain(Exp::kFast, Order::kSequential)));
        tally.correct("fast-exp-256-lane-block", r, by_rows(r, softmax_plain(Exp::kFast, Order::kBlock)));
        tally.correct("online-sequential", r, by_rows(r, softmax_online(Exp::kFast, 1)));
        tally.correct("online-256-lanes-tree", r, by_rows(r, softmax_online(Exp::kFast, 256)));
        // Every exp and divide at __expf's documented worst, all in the same direction: an
        // adversary rather than a kernel, so only "within the bound" is asked.
        tally.correct("worst-exp-sequential", r, by_rows(r, softmax_plain(Exp::kWorst, Order::kSequential)), 1.0);
        tally.correct("worst-exp-online", r, by_rows(r, softmax_online(Exp::kWorst, 1)), 1.0);
    }
}

TEST(ExerciseSoftmax, WrongKernelsFail) {
    Tally tally("softmax");
    for (const auto& [s, seed] : softmax_cases()) {
        if (s.at("cols") < 7) continue;  // one or two columns: a row of 1s or two halves hide a lot
        const TensorCase r = make_run(softmax_exercise(), s, seed);
        const auto correct = softmax_plain(Exp::kAccurate, Order::kTree);
        tally.wrong("half-output", r, by_rows(r, [&](const float* x, size_t n, float* y, size_t i) {
                        correct(x, n, y, i);
                        for (size_t j = 0; j < n; ++j) y[j] = to_half(y[j]);
                    }));
        tally.wrong("half-inputs", r, by_rows(r, [&](const float* x, size_t n, float* y, size_t i) {
                        std::vector<float> h(x, x + n);
                        for (auto& v : h) v = to_half(v);
                        correct(h.data(), n, y, i);
                    }));
        tally.wrong("half-arithmetic", r, by_rows(r, [](const float* x, size_t n, float* y, size_t) {
                        const float m = to_half(*std::max_element(x, x + n));
                        std::vector<float> e(n);
                        float total = 0;
                        for (size_t j = 0; j < n; ++j) {
                            e[j] = to_half(std::exp(to_half(to_half(x[j]) - m)));
                            total = to_half(total + e[j]);
                        }
                        for (size_t j = 0; j < n; ++j) y[j] = to_half(e[j] / total);
                    }));
        tally.wrong("no-max-shift", r, by_rows(r, [](const float* x, size_t n, float* y, size_t) {
                        std::vector<float> e(n);
                        for (size_t j = 0; j < n; ++j) e[j] = std::exp(x[j]);
                        const float total = tree_sum(e);
                        for (size_t j = 0; j < n; ++j) y[j] = e[j] / total;
                    }));
        // One term of 30 000 is small next to the sum: only rows whose last column holds the max
        // (the offset rows) show it, by a few times the bound (docs/grading.md, note 3).
        tally.wrong("sum-misses-last-column", r, by_rows(r, [](const float* x, size_t n, float* y, size_t) {
                        const float m = *std::max_element(x, x + n);
                        std::vector<float> e(n);
                        for (size_t j = 0; j < n; ++j) e[j] = std::exp(x[j] - m);
                        const float total = tree_sum(std::vector<float>(e.begin(), e.end() - 1));
                        for (size_t j = 0; j < n; ++j) y[j] = e[j] / total;
                    }),
                    2);
        tally.wrong("not-normalised", r, by_rows(r, [](const float* x, size_t n, float* y, size_t) {
                        const float m = *std::max_element(x, x + n);
                        for (size_t j = 0; j < n; ++j) y[j] = std::exp(x[j] - m);
                    }));
        tally.wrong("zeros", r, std::vector<float>(r.elements(), 0.f));
        tally.wrong("copy-of-x", r, r.in[0]);
        tally.wrong("last-row-skipped", r,
                    sentinel_last_row(by_rows(r, correct), static_cast<size_t>(s.at("cols"))));
    }
}

TEST(ExerciseSoftmax, ReversedRowsReverseTheTruthExactly) {
    for (const Sizes& s : {rc(13, 50), rc(1, 9), rc(4, 1)}) expect_reversed_rows_reverse_truth(softmax_exercise(), s);
}

// ---- layer-norm ----------------------------------------------------------------------------

// A row's mean and 1 / sqrt(var + eps) as a kernel computes them, in fp32.
struct Moments {
    float mean, rstd;
};

// rsqrtf: within 2 ulp (CUDA); here 1/sqrt correctly rounded, then off by -2..2 ulp.
class Rsqrt {
public:
    float operator()(float v) { return nudge(1.f / std::sqrt(v), static_cast<int>(g_() % 5) - 2); }

private:
    std::mt19937_64 g_{777};
};

constexpr float kEps = kLayerNormEps;

// Two passes: the mean, then the mean of (x - mean)^2, each summed in `order`.
auto two_pass(Order order, bool reciprocal) {
    return [order, reciprocal](const float* x, size_t n, Rsqrt& rsqrt) {
        const float nf = static_cast<float>(n);
        const float s = sum(std::vector<float>(x, x + n), order);
        const float mean = reciprocal ? s * (1.f / nf) : s / nf;
        std::vector<float> d2(n);
        for (size_t j = 0; j < n; ++j) d2[j] = (x[j] - mean) * (x[j] - mean);
        return Moments{mean, rsqrt(sum(d2, order) / nf + kEps)};
    };
}

struct WelfordState {
    float count = 0, mean = 0, m2 = 0;
};
WelfordState welford_add(WelfordState w, float x) {
    w.count += 1;
    const float delta = x - w.mean;
    w.mean += delta / w.count;
    w.m2 += delta * (x - w.mean);
    return w;
}
WelfordState chan_combine(WelfordState a, WelfordState b) {  // Chan, Golub, LeVeque
    if (a.count == 0) return b;
    if (b.count == 0) return a;
    const float n = a.count + b.count, delta = b.mean - a.mean;
    return {n, a.mean + delta * (b.count / n), a.m2 + b.m2 + delta * delta * (a.count * b.count / n)};
}
// Welford over `lanes` strided lanes, combined in a tree (lanes = 1: one thread per row).
auto welford(size_t lanes) {
    return [lanes](const float* x, size_t n, Rsqrt& rsqrt) {
        std::vector<WelfordState> w(std::min(lanes, n));
        for (size_t j = 0; j < n; ++j) w[j % w.size()] = welford_add(w[j % w.size()], x[j]);
        for (size_t step = 1; step < w.size(); step *= 2)
            for (size_t i = 0; i + step < w.size(); i += 2 * step) w[i] = chan_combine(w[i], w[i + step]);
        return Moments{w[0].mean, rsqrt(w[0].m2 / static_cast<float>(n) + kEps)};
    };
}
// One pass over x - x_0 (a shift that makes the sum of squares well conditioned).
auto shifted_one_pass(Order order) {
    return [order](const float* x, size_t n, Rsqrt& rsqrt) {
        const float nf = static_cast<float>(n), k = x[0];
        std::vector<float> d(n), d2(n);
        for (size_t j = 0; j < n; ++j) {
            d[j] = x[j] - k;
            d2[j] = d[j] * d[j];
        }
        const float m1 = sum(d, order) / nf;
        const float var = std::max(0.f, sum(d2, order) / nf - m1 * m1);
        return Moments{k + m1, rsqrt(var + kEps)};
    };
}

// y = (x - mean) * rstd * gamma + beta, with an FMA for the last step or not.
template <class Stats>
std::vector<float> layer_norm_with(const TensorCase& r, Stats stats, bool fma = true) {
    const auto& gamma = r.in[1];
    const auto& beta = r.in[2];
    Rsqrt rsqrt;
    return by_rows(r, [&](const float* x, size_t n, float* y, size_t) {
        const Moments m = stats(x, n, rsqrt);
        for (size_t j = 0; j < n; ++j) {
            const float z = (x[j] - m.mean) * m.rstd;
            y[j] = fma ? std::fmaf(z, gamma[j], beta[j]) : z * gamma[j] + beta[j];
        }
    });
}

const std::vector<std::pair<Sizes, uint64_t>>& layer_norm_cases() {
    static const std::vector<std::pair<Sizes, uint64_t>> cases = [] {
        std::vector<std::pair<Sizes, uint64_t>> c = {{rc(16, 30000), 1}, {rc(16, 30000), 2}, {rc(8, 4096), 3},
                                                    {rc(256, 1000), 4}, {rc(9, 1), 5},       {rc(1, 1), 6},
                                                    {rc(64, 2), 7}};
        for (uint64_t seed = 10; seed < 18; ++seed) c.push_back({rc(3, 7), seed});
        for (uint64_t seed = 20; seed < 24; ++seed) c.push_back({rc(4, 7), seed});
        return c;
    }();
    return cases;
}

bool has_regime(const Sizes& s, uint64_t seed, LayerNormRow regime) {
    for (long long i = 0; i < std::min(4LL, s.at("rows")); ++i)
        if (layer_norm_row_regime(seed, static_cast<size_t>(i)) == regime) return true;
    return false;
}

TEST(ExerciseLayerNorm, EveryRegimeAppearsInFourRows) {
    for (uint64_t seed = 0; seed < 20; ++seed) {
        std::vector<bool> seen(4);
        for (size_t r = 0; r < 4; ++r) seen[static_cast<size_t>(layer_norm_row_regime(seed, r))] = true;
        EXPECT_EQ(std::count(seen.begin(), seen.end(), true), 4) << seed;
    }
    const TensorCase r = make_run(layer_norm_exercise(), rc(4, 1000), 3);
    for (size_t i = 0; i < 4; ++i) {
        const float* x = r.in[0].data() + i * 1000;
        const auto [lo, hi] = std::minmax_element(x, x + 1000);
        switch (layer_norm_row_regime(3, i)) {
            case LayerNormRow::kOrdinary: EXPECT_GT(*hi - *lo, 3.f); break;
            case LayerNormRow::kLargeMean: EXPECT_GT(*lo, 9998.f); break;
            case LayerNormRow::kConstant: EXPECT_EQ(*lo, *hi); break;
            case LayerNormRow::kSmallVariance: EXPECT_LT(*hi - *lo, 0.01f); break;
        }
    }
    for (float g : r.in[1]) EXPECT_TRUE(g >= 0.5f && g < 1.5f);
    for (float b : r.in[2]) EXPECT_TRUE(b >= -1.f && b < 1.f);
    const auto sc = layer_norm_exercise().scalars(rc(4, 1000));
    ASSERT_EQ(sc.size(), 3u);
    EXPECT_TRUE(sc[2].is_float);
    EXPECT_EQ(sc[2].f, kLayerNormEps);
}

TEST(ExerciseLayerNorm, TruthMatchesLongDoubleReference) {
    for (const Sizes& s : {rc(8, 777), rc(4, 7), rc(5, 1)}) {
        const TensorCase r = make_run(layer_norm_exercise(), s, 9);
        const auto rows = static_cast<size_t>(s.at("rows")), cols = static_cast<size_t>(s.at("cols"));
        for (size_t i = 0; i < rows; ++i) {
            const float* x = r.in[0].data() + i * cols;
            long double mean = 0, var = 0;
            for (size_t j = 0; j < cols; ++j) mean += x[j];
            mean /= cols;
            for (size_t j = 0; j < cols; ++j) var += (x[j] - mean) * (x[j] - mean);
            var /= cols;
            const long double s_ = std::sqrt(var + static_cast<long double>(kLayerNormEps));
            for (size_t j = 0; j < cols; ++j) {
                const long double ref = (x[j] - mean) / s_ * r.in[1][j] + r.in[2][j];
                // float64 rounds the mean of the 1e4 rows: off by ~1e-12, a millionth of the bound
                ASSERT_LE(std::fabs(static_cast<long double>(r.truth[i * cols + j]) - ref),
                          1e-6L * r.bound[i * cols + j])
                    << sizes_text(s) << " " << i << "," << j;
                EXPECT_GT(r.bound[i * cols + j], 0.0);
            }
        }
    }
}

TEST(ExerciseLayerNorm, CorrectKernelsStayWithinHalfTheBound) {
    Tally tally("layer-norm");
    for (const auto& [s, seed] : layer_norm_cases()) {
        const TensorCase r = make_run(layer_norm_exercise(), s, seed);
        tally.correct("two-pass-sequential", r, layer_norm_with(r, two_pass(Order::kSequential, false)));
        tally.correct("two-pass-sequential-recip", r, layer_norm_with(r, two_pass(Order::kSequential, true), false));
        tally.correct("two-pass-tree", r, layer_norm_with(r, two_pass(Order::kTree, true)));
        tally.correct("two-pass-256-lane-block", r, layer_norm_with(r, two_pass(Order::kBlock, false)));
        tally.correct("welford-sequential", r, layer_norm_with(r, welford(1)));
        tally.correct("welford-256-lanes-chan", r, layer_norm_with(r, welford(256), false));
        tally.correct("shifted-one-pass-sequential", r, layer_norm_with(r, shifted_one_pass(Order::kSequential)));
        tally.correct("shifted-one-pass-block", r, layer_norm_with(r, shifted_one_pass(Order::kBlock)));
    }
}

TEST(ExerciseLayerNorm, WrongKernelsFail) {
    Tally tally("layer-norm");
    for (const auto& [s, seed] : layer_norm_cases()) {
        if (s.at("cols") < 7) continue;  // one or two columns: y = beta or +-1 * gamma + beta
        const TensorCase r = make_run(layer_norm_exercise(), s, seed);
        const auto cols = static_cast<size_t>(s.at("cols"));
        auto one_pass = [](Order order) {
            return [order](const float* x, size_t n, Rsqrt& rsqrt) {
                std::vector<float> sq(n);
                for (size_t j = 0; j < n; ++j) sq[j] = x[j] * x[j];
                const float nf = static_cast<float>(n), mean = sum(std::vector<float>(x, x + n), order) / nf;
                return Moments{mean, rsqrt(sum(sq, order) / nf - mean * mean + kEps)};
            };
        };
        if (has_regime(s, seed, LayerNormRow::kLargeMean)) {
            tally.wrong("one-pass-variance-sequential", r, layer_norm_with(r, one_pass(Order::kSequential)));
            tally.wrong("one-pass-variance-tree", r, layer_norm_with(r, one_pass(Order::kTree)));
            tally.wrong("one-pass-variance-clamped", r, layer_norm_with(r, [](const float* x, size_t n, Rsqrt& rsqrt) {
                            double s1 = 0;  // even with the sums in float64: only the last step in fp32
                            double s2 = 0;
                            for (size_t j = 0; j < n; ++j) {
                                s1 += x[j];
                                s2 += static_cast<double>(x[j]) * x[j];
                            }
                            const float nf = static_cast<float>(n), mean = static_cast<float>(s1) / nf;
                            const float var = std::max(0.f, static_cast<float>(s2) / nf - mean * mean);
                            return Moments{mean, rsqrt(var + kEps)};
                        }));
        }
        if (has_regime(s, seed, LayerNormRow::kSmallVariance)) {
            tally.wrong("eps-outside-sqrt", r, by_rows(r, [&](const float* x, size_t n, float* y, size_t) {
                            const float nf = static_cast<float>(n), mean = tree_sum(std::vector<float>(x, x + n)) / nf;
                            std::vector<float> d2(n);
                            for (size_t j = 0; j < n; ++j) d2[j] = (x[j] - mean) * (x[j] - mean);
                            const float inv = 1.f / (std::sqrt(tree_sum(d2) / nf) + kEps);
                            for (size_t j = 0; j < n; ++j) y[j] = std::fmaf((x[j] - mean) * inv, r.in[1][j], r.in[2][j]);
                        }));
            tally.wrong("no-eps", r, layer_norm_with(r, [](const float* x, size_t n, Rsqrt& rsqrt) {
                            Moments m = two_pass(Order::kTree, false)(x, n, rsqrt);
                            std::vector<float> d2(n);
                            for (size_t j = 0; j < n; ++j) d2[j] = (x[j] - m.mean) * (x[j] - m.mean);
                            m.rstd = rsqrt(tree_sum(d2) / static_cast<float>(n));
                            return m;
                        }));
        }
        if (cols <= 1000)  // 1 / (2n) relative: visible on short rows
            tally.wrong("unbiased-variance", r, layer_norm_with(r, [](const float* x, size_t n, Rsqrt& rsqrt) {
                            Moments m = two_pass(Order::kTree, false)(x, n, rsqrt);
                            std::vector<float> d2(n);
                            for (size_t j = 0; j < n; ++j) d2[j] = (x[j] - m.mean) * (x[j] - m.mean);
                            m.rstd = rsqrt(tree_sum(d2) / static_cast<float>(n - 1) + kEps);
                            return m;
                        }));
        const auto good = layer_norm_with(r, welford(256));
        std::vector<float> half_out = good;
        for (auto& v : half_out) v = to_half(v);
        tally.wrong("half-output", r, half_out);
        TensorCase half_in = r;
        for (auto& v : half_in.in)
            for (auto& x : v) x = to_half(x);
        tally.wrong("half-inputs", r, layer_norm_with(half_in, welford(256)));
        TensorCase swapped = r;
        std::swap(swapped.in[1], swapped.in[2]);
        tally.wrong("gamma-beta-swapped", r, layer_norm_with(swapped, welford(256)));
        tally.wrong("zeros", r, std::vector<float>(r.elements(), 0.f));
        tally.wrong("copy-of-x", r, r.in[0]);
        tally.wrong("last-row-skipped", r, sentinel_last_row(good, cols));
    }
}

TEST(ExerciseLayerNorm, ReversedRowsReverseTheTruthExactly) {
    // rows == 1: gamma and beta have rows * cols floats too and are "reversed": the identity.
    for (const Sizes& s : {rc(13, 50), rc(1, 9), rc(4, 1), rc(1, 1)})
        expect_reversed_rows_reverse_truth(layer_norm_exercise(), s);
}

// ---- conv2d --------------------------------------------------------------------------------

Sizes conv(long long n, long long c, long long h, long long w, long long k, long long r, long long s, long long pad,
           long long stride) {
    return {{"n", n}, {"c", c}, {"h", h}, {"w", w}, {"k", k}, {"r", r}, {"s", s}, {"pad", pad}, {"stride", stride}};
}

// How a simulated kernel reads the input.
enum class Taps {
    kCorrect,    // cross-correlation, zero padding
    kFlipped,    // a true convolution: filter[r - 1 - fr][s - 1 - fs]
    kReplicate,  // the border replicated instead of zeros
};

// Every output element from `dot(inputs, weights)` over its taps, channel-major (c, r, s) or
// filter-position-major (r, s, c) as an implicit GEMM might order them.
template <class Dot>
std::vector<float> conv_with(const TensorCase& t, Dot dot, bool channel_major = true, Taps taps = Taps::kCorrect) {
    const auto& z = t.sizes;
    const long long N = z.at("n"), C = z.at("c"), H = z.at("h"), W = z.at("w"), K = z.at("k"), R = z.at("r"),
                    S = z.at("s"), pad = z.at("pad"), stride = z.at("stride"), P = conv2d_p(z), Q = conv2d_q(z);
    const auto& in = t.in[0];
    const auto& f = t.in[1];
    std::vector<float> out(static_cast<size_t>(N * K * P * Q));
    std::vector<float> xs, ws;
    for (long long n = 0; n < N; ++n)
        for (long long k = 0; k < K; ++k)
            for (long long p = 0; p < P; ++p)
                for (long long q = 0; q < Q; ++q) {
                    xs.clear();
                    ws.clear();
                    auto tap = [&](long long c, long long r, long long s) {
                        long long ih = p * stride + r - pad, iw = q * stride + s - pad;
                        if (taps == Taps::kReplicate) {
                            ih = std::clamp(ih, 0LL, H - 1);
                            iw = std::clamp(iw, 0LL, W - 1);
                        } else if (ih < 0 || ih >= H || iw < 0 || iw >= W) {
                            return;
                        }
                        const long long fr = taps == Taps::kFlipped ? R - 1 - r : r;
                        const long long fs = taps == Taps::kFlipped ? S - 1 - s : s;
                        xs.push_back(in[static_cast<size_t>(((n * C + c) * H + ih) * W + iw)]);
                        ws.push_back(f[static_cast<size_t>(((k * C + c) * R + fr) * S + fs)]);
                    };
                    if (channel_major) {
                        for (long long c = 0; c < C; ++c)
                            for (long long r = 0; r < R; ++r)
                                for (long long s = 0; s < S; ++s) tap(c, r, s);
                    } else {
                        for (long long r = 0; r < R; ++r)
                            for (long long s = 0; s < S; ++s)
                                for (long long c = 0; c < C; ++c) tap(c, r, s);
                    }
                    out[static_cast<size_t>(((n * K + k) * P + p) * Q + q)] = dot(xs, ws);
                }
    return out;
}

// Winograd F(m x m, 3 x 3) in fp32 (Lavin & Gray), as cuDNN's WINOGRAD algorithms may compute a
// 3x3, stride-1 convolution: per m x m output tile, with a = m + 2,
// M = sum over channels of (G g G^T) * (B^T d B) elementwise, then Y = A^T M A. Its error is
// not a dot product's: the transforms mix the whole a x a input tile into every output.
struct Winograd {
    int m;
    std::vector<float> bt, g, at;  // a x a, a x 3, m x a; row-major
};
const Winograd& winograd_f2() {
    static const Winograd w{2,
                            {1, 0, -1, 0, 0, 1, 1, 0, 0, -1, 1, 0, 0, 1, 0, -1},
                            {1, 0, 0, .5f, .5f, .5f, .5f, -.5f, .5f, 0, 0, 1},
                            {1, 1, 1, 0, 0, 1, -1, -1}};
    return w;
}
const Winograd& winograd_f4() {
    static const Winograd w{4,
                            {4, 0, -5, 0, 1, 0, 0, -4, -4, 1, 1, 0, 0, 4, -4, -1, 1, 0,
                             0, -2, -1, 2, 1, 0, 0, 2, -1, -2, 1, 0, 0, 4, 0, -5, 0, 1},
                            {1.f / 4, 0, 0, -1.f / 6, -1.f / 6, -1.f / 6, -1.f / 6, 1.f / 6, -1.f / 6,
                             1.f / 24, 1.f / 12, 1.f / 6, 1.f / 24, -1.f / 12, 1.f / 6, 0, 0, 1},
                            {1, 1, 1, 1, 1, 0, 0, 1, -1, 2, -2, 0, 0, 1, 1, 4, 4, 0, 0, 1, -1, 8, -8, 1}};
    return w;
}

// out (rows x cols) = l (rows x inner) * r (inner x cols), fp32, skipping zero coefficients as
// an implementation's unrolled transform does.
void small_product(const float* l, const float* r, float* out, int rows, int inner, int cols) {
    for (int i = 0; i < rows; ++i)
        for (int j = 0; j < cols; ++j) {
            float acc = 0;
            for (int k = 0; k < inner; ++k)
                if (l[i * inner + k] != 0 && r[k * cols + j] != 0) acc += l[i * inner + k] * r[k * cols + j];
            out[i * cols + j] = acc;
        }
}
std::vector<float> transpose(const std::vector<float>& x, int rows, int cols) {
    std::vector<float> t(x.size());
    for (int i = 0; i < rows; ++i)
        for (int j = 0; j < cols; ++j) t[j * rows + i] = x[i * cols + j];
    return t;
}

std::vector<float> conv_winograd(const TensorCase& t, const Winograd& wg) {
    const auto& z = t.sizes;
    const long long N = z.at("n"), C = z.at("c"), H = z.at("h"), W = z.at("w"), K = z.at("k"), pad = z.at("pad"),
                    P = conv2d_p(z), Q = conv2d_q(z);
    const int m = wg.m, a = m + 2;
    const auto b = transpose(wg.bt, a, a), gt = transpose(wg.g, a, 3), am = transpose(wg.at, m, a);
    const auto& in = t.in[0];
    const auto& f = t.in[1];
    std::vector<float> u(static_cast<size_t>(K * C * a * a)), tmp(static_cast<size_t>(a * a));
    for (long long kc = 0; kc < K * C; ++kc) {  // U = G g G^T
        small_product(wg.g.data(), f.data() + kc * 9, tmp.data(), a, 3, 3);
        small_product(tmp.data(), gt.data(), u.data() + kc * a * a, a, 3, a);
    }
    std::vector<float> y(static_cast<size_t>(N * K * P * Q)), d(static_cast<size_t>(a * a)),
        v(static_cast<size_t>(a * a)), mm(static_cast<size_t>(a * a)), ym(static_cast<size_t>(m * m)),
        tmp2(static_cast<size_t>(m * a));
    for (long long n = 0; n < N; ++n)
        for (long long k = 0; k < K; ++k)
            for (long long p0 = 0; p0 < P; p0 += m)
                for (long long q0 = 0; q0 < Q; q0 += m) {
                    std::fill(mm.begin(), mm.end(), 0.f);
                    for (long long c = 0; c < C; ++c) {
                        for (int i = 0; i < a; ++i)
                            for (int j = 0; j < a; ++j) {
                                const long long ih = p0 + i - pad, iw = q0 + j - pad;
                                d[static_cast<size_t>(i * a + j)] =
                                    ih < 0 || ih >= H || iw < 0 || iw >= W
                                        ? 0.f
                                        : in[static_cast<size_t>(((n * C + c) * H + ih) * W + iw)];
                            }
                        small_product(wg.bt.data(), d.data(), tmp.data(), a, a, a);  // V = B^T d B
                        small_product(tmp.data(), b.data(), v.data(), a, a, a);
                        const float* uu = u.data() + (k * C + c) * a * a;
                        for (int e = 0; e < a * a; ++e) mm[static_cast<size_t>(e)] = std::fmaf(uu[e], v[static_cast<size_t>(e)], mm[static_cast<size_t>(e)]);
                    }
                    small_product(wg.at.data(), mm.data(), tmp2.data(), m, a, a);  // Y = A^T M A
                    small_product(tmp2.data(), am.data(), ym.data(), m, a, m);
                    for (int i = 0; i < m; ++i)
                        for (int j = 0; j < m; ++j)
                            if (p0 + i < P && q0 + j < Q)
                                y[static_cast<size_t>(((n * K + k) * P + p0 + i) * Q + q0 + j)] = ym[static_cast<size_t>(i * m + j)];
                }
    return y;
}

const std::vector<Sizes>& conv_cases() {
    static const std::vector<Sizes> cases = {
        conv(2, 3, 9, 11, 4, 3, 3, 1, 1), conv(1, 512, 6, 6, 4, 3, 3, 1, 1), conv(2, 5, 10, 9, 3, 5, 5, 2, 2),
        conv(1, 1, 1, 1, 1, 1, 1, 0, 1),  conv(3, 7, 8, 8, 5, 1, 1, 0, 1),   conv(1, 4, 7, 7, 2, 3, 3, 3, 1),
        conv(1, 1, 8, 8, 1, 3, 3, 1, 1),  conv(2, 2, 5, 5, 3, 3, 3, 1, 1),   conv(1, 3, 16, 16, 8, 3, 3, 0, 1),
        conv(4, 1, 9, 9, 4, 3, 3, 2, 1),  conv(2, 16, 12, 12, 8, 3, 3, 1, 1),
    };
    return cases;
}

TEST(ExerciseConv2d, TruthMatchesLongDoubleReference) {
    for (const Sizes& z : conv_cases()) {
        const TensorCase t = make_run(conv2d_exercise(), z, 5);
        // The reference: every tap in long double, straight from the definition.
        const long long N = z.at("n"), C = z.at("c"), H = z.at("h"), W = z.at("w"), K = z.at("k"), R = z.at("r"),
                        S = z.at("s"), pad = z.at("pad"), stride = z.at("stride"), P = conv2d_p(z), Q = conv2d_q(z);
        for (long long n = 0; n < N; ++n)
            for (long long k = 0; k < K; ++k)
                for (long long p = 0; p < P; ++p)
                    for (long long q = 0; q < Q; ++q) {
                        long double ref = 0, abs_sum = 0;
                        for (long long c = 0; c < C; ++c)
                            for (long long r = 0; r < R; ++r)
                                for (long long s = 0; s < S; ++s) {
                                    const long long ih = p * stride + r - pad, iw = q * stride + s - pad;
                                    if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                                    const long double v =
                                        static_cast<long double>(t.in[0][static_cast<size_t>(((n * C + c) * H + ih) * W + iw)]) *
                                        t.in[1][static_cast<size_t>(((k * C + c) * R + r) * S + s)];
                                    ref += v;
                                    abs_sum += std::fabs(v);
                                }
                        const size_t i = static_cast<size_t>(((n * K + k) * P + p) * Q + q);
                        ASSERT_LE(std::fabs(static_cast<long double>(t.truth[i]) - ref), 1e-15L * abs_sum)
                            << sizes_text(z) << " at " << i;
                        if (abs_sum > 0) {
                            EXPECT_GT(t.bound[i], 0.0) << sizes_text(z) << " at " << i;
                        }
                    }
    }
}

TEST(ExerciseConv2d, CorrectKernelsStayWithinHalfTheBound) {
    Tally tally("conv2d");
    for (const Sizes& z : conv_cases())
        for (uint64_t seed : {1u, 2u, 3u, 4u}) {
            const TensorCase t = make_run(conv2d_exercise(), z, seed);
            tally.correct("direct-sequential", t, conv_with(t, dot_sequential));
            tally.correct("direct-sequential-fma", t, conv_with(t, dot_fma));
            tally.correct("implicit-gemm-rsc-fma", t, conv_with(t, dot_fma, false));
            tally.correct("tree", t, conv_with(t, [](auto& x, auto& y) { return tree_sum(products(x, y)); }));
            tally.correct("256-lane-block", t,
                          conv_with(t, [](auto& x, auto& y) { return sum(products(x, y), Order::kBlock); }, false));
            if (z.at("r") == 3 && z.at("s") == 3 && z.at("stride") == 1)
            {
                tally.correct("winograd-f2x2-3x3", t, conv_winograd(t, winograd_f2()));
                tally.observe("winograd-f4x4-3x3-not-covered", t, conv_winograd(t, winograd_f4()));
            }
        }
}

TEST(ExerciseConv2d, WrongKernelsFail) {
    Tally tally("conv2d");
    for (const Sizes& z : conv_cases()) {
        if (z.at("c") * z.at("r") * z.at("s") < 4) continue;  // a single tap: flips and borders do not exist
        const TensorCase t = make_run(conv2d_exercise(), z, 3);
        tally.wrong("half-inputs", t, conv_with(t, [](auto x, auto y) {
                        for (auto& v : x) v = to_half(v);
                        for (auto& v : y) v = to_half(v);
                        return dot_fma(x, y);
                    }));
        tally.wrong("half-output", t, conv_with(t, [](auto& x, auto& y) { return to_half(dot_fma(x, y)); }));
        if (z.at("r") > 1) tally.wrong("flipped-filter", t, conv_with(t, dot_fma, true, Taps::kFlipped));
        if (z.at("pad") > 0) tally.wrong("replicated-border", t, conv_with(t, dot_fma, true, Taps::kReplicate));
        tally.wrong("zeros", t, std::vector<float>(t.elements(), 0.f));
        tally.wrong("copy-of-input", t, copy_of(t.in[0], t.elements()));
        tally.wrong("last-row-skipped", t, sentinel_last_row(conv_with(t, dot_fma), static_cast<size_t>(conv2d_q(z))));
    }
}

TEST(ExerciseConv2d, HalvedInputHalvesTruthAndBoundExactly) {
    for (const Sizes& z : conv_cases()) {
        const auto tt = conv2d_exercise().timed_transform(z);
        ASSERT_EQ(tt.kind, TimedTransform::kHalveInput);
        ASSERT_EQ(tt.input, 0u);
        TensorCase t = make_run(conv2d_exercise(), z, 11);
        for (auto& v : t.in[0]) v *= 0.5f;
        std::vector<double> truth(t.elements()), bound(t.elements());
        std::vector<std::span<const float>> cin(t.in.begin(), t.in.end());
        conv2d_exercise().float_truth(z, cin, truth, bound);
        for (size_t i = 0; i < t.elements(); ++i) {
            ASSERT_EQ(truth[i], 0.5 * t.truth[i]) << i;
            ASSERT_EQ(bound[i], 0.5 * t.bound[i]) << i;
        }
    }
}

TEST(ExerciseConv2d, DISABLED_TruthTiming) {
    const Sizes z = conv(32, 64, 56, 56, 64, 3, 3, 1, 1);
    const auto in = make_inputs(conv2d_exercise(), z, 1);
    std::vector<double> truth(checked_elements(conv2d_exercise(), z)), bound(truth.size());
    std::vector<std::span<const float>> cin(in.begin(), in.end());
    for (int rep = 0; rep < 2; ++rep) {
        const auto t0 = std::chrono::steady_clock::now();
        conv2d_exercise().float_truth(z, cin, truth, bound);
        const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::printf("[timing] conv2d truth n32 c64 56x56 k64 3x3: %.3f s (%.1f GFLOP) on %u threads\n", sec,
                    conv2d_spec().flops(z) / 1e9, std::thread::hardware_concurrency());
    }
}

// ---- large cases, by hand ------------------------------------------------------------------
//
// The calibration at the modules' sizes, where the worst of millions of elements is the tail
// of the error's distribution, and the host time of inputs and truth. Minutes on 2 cores:
//   kc_tests --gtest_also_run_disabled_tests --gtest_filter='*Large*'

TEST(ExerciseLarge, DISABLED_Calibration) {
    {
        Tally tally("matrix-mul");
        const TensorCase r = make_run(matrix_mul_exercise(), mm(512, 512, 4096), 1);
        tally.correct("sequential", r, matmul_with(r, dot_sequential));
        tally.correct("sequential-fma", r, matmul_with(r, dot_fma));
        tally.wrong("half-inputs", r, matmul_with(r, [](auto x, auto y) {
                        for (auto& v : x) v = to_half(v);
                        for (auto& v : y) v = to_half(v);
                        return dot_fma(x, y);
                    }));
        tally.wrong("half-output", r, matmul_with(r, [](auto& x, auto& y) { return to_half(dot_fma(x, y)); }));
    }
    for (const Sizes& s : {rc(2048, 4096), rc(256, 30000)}) {
        Tally tally("softmax");
        const TensorCase r = make_run(softmax_exercise(), s, 1);
        tally.correct("expf-sequential", r, by_rows(r, softmax_plain(Exp::kAccurate, Order::kSequential)));
        tally.correct("fast-exp-sequential", r, by_rows(r, softmax_plain(Exp::kFast, Order::kSequential)));
        tally.correct("online-sequential", r, by_rows(r, softmax_online(Exp::kFast, 1)));
        tally.correct("worst-exp-sequential", r, by_rows(r, softmax_plain(Exp::kWorst, Order::kSequential)), 1.0);
        std::vector<float> half = by_rows(r, softmax_plain(Exp::kAccurate, Order::kTree));
        for (auto& v : half) v = to_half(v);
        tally.wrong("half-output", r, half);
    }
    for (const Sizes& s : {rc(2048, 4096), rc(256, 30000)}) {
        Tally tally("layer-norm");
        const TensorCase r = make_run(layer_norm_exercise(), s, 1);
        tally.correct("two-pass-sequential", r, layer_norm_with(r, two_pass(Order::kSequential, false)));
        tally.correct("welford-sequential", r, layer_norm_with(r, welford(1)));
        tally.correct("shifted-one-pass-sequential", r, layer_norm_with(r, shifted_one_pass(Order::kSequential)));
        std::vector<float> half = layer_norm_with(r, welford(256));
        for (auto& v : half) v = to_half(v);
        tally.wrong("half-output", r, half);
    }
    {
        Tally tally("conv2d");
        const TensorCase t = make_run(conv2d_exercise(), conv(4, 64, 28, 28, 16, 3, 3, 1, 1), 1);
        tally.correct("direct-sequential", t, conv_with(t, dot_sequential));
        tally.correct("winograd-f2x2-3x3", t, conv_winograd(t, winograd_f2()));
        tally.observe("winograd-f4x4-3x3-not-covered", t, conv_winograd(t, winograd_f4()));
        tally.wrong("half-output", t, conv_with(t, [](auto& x, auto& y) { return to_half(dot_fma(x, y)); }));
    }
}

TEST(ExerciseLarge, DISABLED_HostTiming) {
    auto time = [](const char* what, const FloatExercise& ex, const Sizes& s) {
        std::vector<std::vector<float>> in;
        for (const auto& t : ex.inputs(s)) in.emplace_back(t.elements);
        std::vector<std::span<float>> spans(in.begin(), in.end());
        std::vector<double> truth(checked_elements(ex, s)), bound(truth.size());
        const auto t0 = std::chrono::steady_clock::now();
        ex.make_float_inputs(1, s, spans);
        const auto t1 = std::chrono::steady_clock::now();
        std::vector<std::span<const float>> cin(in.begin(), in.end());
        ex.float_truth(s, cin, truth, bound);
        const auto t2 = std::chrono::steady_clock::now();
        std::printf("[timing] %-10s %-28s inputs %.3f s, truth %.3f s on %u threads\n", ex.spec().name.c_str(), what,
                    std::chrono::duration<double>(t1 - t0).count(), std::chrono::duration<double>(t2 - t1).count(),
                    std::thread::hardware_concurrency());
    };
    time("16384 x 4096", softmax_exercise(), rc(16384, 4096));
    time("16384 x 4096", layer_norm_exercise(), rc(16384, 4096));
    time("2048^3", matrix_mul_exercise(), mm(2048, 2048, 2048));
    time("4096^3", matrix_mul_exercise(), mm(4096, 4096, 4096));
    time("n32 c64 56x56 k64 3x3", conv2d_exercise(), conv(32, 64, 56, 56, 64, 3, 3, 1, 1));
}

// ---- the timed runs' truth -----------------------------------------------------------------

// The harness derives the timed inputs from the checked ones (halved, or rows reversed, on the
// device) and checks the timed output against transform_truth() of the checked truth: for every
// exercise that must equal, exactly, the truth computed afresh from the transformed inputs.
TEST(ExerciseTensor, TimedTruthIsTheCheckedTruthTransformedExactly) {
    const Sizes conv{{"n", 2}, {"c", 3}, {"h", 9}, {"w", 11}, {"k", 5}, {"r", 3}, {"s", 3}, {"pad", 1}, {"stride", 2}};
    const std::vector<std::pair<const FloatExercise*, Sizes>> runs = {
        {&vector_add_exercise(), {{"n", 1000}}},
        {&matrix_mul_exercise(), {{"m", 17}, {"n", 9}, {"k", 33}}},
        {&softmax_exercise(), {{"rows", 7}, {"cols", 300}}},
        {&softmax_exercise(), {{"rows", 1}, {"cols", 5}}},
        {&layer_norm_exercise(), {{"rows", 9}, {"cols", 123}}},
        {&layer_norm_exercise(), {{"rows", 1}, {"cols", 7}}},
        {&conv2d_exercise(), conv},
    };
    for (const auto& [ex, s] : runs) {
        TensorCase r = make_run(*ex, s, 5);
        const size_t n = r.elements();
        const TimedTransform t = ex->timed_transform(s);
        // The inputs as the harness transforms them on the device.
        auto in = r.in;
        for (size_t i = 0; i < in.size(); ++i) {
            auto& v = in[i];
            const auto how = input_transform(t, i, v.size(), n);
            if (how == InputTransform::kHalve) {
                for (auto& x : v) x *= 0.5f;
            } else if (how == InputTransform::kReverseRows) {
                const size_t rows = n / t.row_length;
                std::vector<float> out(v.size());
                for (size_t row = 0; row < rows; ++row)
                    std::copy_n(v.begin() + static_cast<long>((rows - 1 - row) * t.row_length), t.row_length,
                                out.begin() + static_cast<long>(row * t.row_length));
                v = out;
            }
        }
        std::vector<double> fresh(n), fresh_bound(n), derived(n), derived_bound(n);
        std::vector<std::span<const float>> cin(in.begin(), in.end());
        ex->float_truth(s, cin, fresh, fresh_bound);
        transform_truth(t, n, r.truth, r.bound, derived, derived_bound);
        for (size_t i = 0; i < n; ++i) {
            ASSERT_EQ(derived[i], fresh[i]) << ex->spec().name << " " << sizes_text(s) << " element " << i;
            ASSERT_EQ(derived_bound[i], fresh_bound[i]) << ex->spec().name << " " << sizes_text(s) << " element " << i;
        }
    }
}

}  // namespace
}  // namespace kc::exercises
