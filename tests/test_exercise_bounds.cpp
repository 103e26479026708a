// The host side of the Track 1 tensor exercises (matrix-mul, softmax, layer-norm, conv2d): the
// float64 truth against a naive long double reference; the error bounds against simulated fp32
// kernels, correct ones (every summation order, FMA or not, fast-math exp) that must stay
// within half the bound and wrong ones (half precision, the one-pass variance, no max shift,
// zeros, copies, a skipped row) that must fail; inputs that depend on the seed alone; and the
// timed run's exact transforms. The headroom of every variant is printed ("[calibration]"
// lines): docs/grading.md, "Calibration of the Track 1 bounds", quotes them.
#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <chrono>
#include <cstring>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "exercises/conv2d.h"
#include "exercises/layer_norm.h"
#include "exercises/matrix_mul.h"
#include "exercises/softmax.h"
#include "exercises/tensor.h"
#include "grade/compare.h"
#include "util/hash.h"

namespace kc::exercises {
namespace {

constexpr float kFloatMin = std::numeric_limits<float>::min();
constexpr double kInf = std::numeric_limits<double>::infinity();

// ---- a case and its comparison ------------------------------------------------------------

struct TensorCase {
    const TensorExercise* ex = nullptr;
    Sizes sizes;
    uint64_t seed = 0;
    std::vector<std::vector<float>> in;
    std::vector<double> truth, bound;
    std::vector<long long> shape;

    size_t elements() const { return truth.size(); }
};

std::vector<std::vector<float>> make_inputs(const TensorExercise& ex, const Sizes& s, uint64_t seed) {
    std::vector<std::vector<float>> in;
    for (const auto& t : ex.inputs(s)) in.emplace_back(t.elements);
    std::vector<std::span<float>> spans(in.begin(), in.end());
    ex.make_inputs(seed, s, spans);
    return in;
}

TensorCase make_run(const TensorExercise& ex, const Sizes& s, uint64_t seed) {
    TensorCase r;
    r.ex = &ex;
    r.sizes = s;
    r.seed = seed;
    const size_t n = checked_elements(ex, s);
    EXPECT_GT(n, 0u);
    r.in = make_inputs(ex, s, seed);
    r.truth.assign(n, std::nan(""));
    r.bound.assign(n, std::nan(""));
    std::vector<std::span<const float>> cin(r.in.begin(), r.in.end());
    ex.truth(s, cin, r.truth, r.bound);
    r.shape = ex.shape(s);
    return r;
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

// The worst headroom (error / bound) of each variant over every case it ran on, printed as
// "[calibration] exercise variant headroom" when the test ends.
class Tally {
public:
    explicit Tally(std::string exercise) : exercise_(std::move(exercise)) {}
    ~Tally() {
        for (const auto& [variant, worst] : worst_)
            std::printf("[calibration] %-10s %-28s max error/bound %10.4g  (%s)\n", exercise_.c_str(), variant.c_str(),
                        worst.first, worst.second.c_str());
    }
    void add(const std::string& variant, const TensorCase& r, const grade::Comparison& c) {
        auto& w = worst_[variant];
        if (w.second.empty() || c.headroom > w.first) w = {c.headroom, sizes_text(r.sizes)};
    }
    // A correct kernel: passes, with at least half the bound to spare.
    void correct(const std::string& variant, const TensorCase& r, const std::vector<float>& got, double limit = 0.5) {
        const auto c = compare_run(r, got);
        add(variant, r, c);
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
        auto& w = worst_[variant];  // for a wrong kernel the interesting number is the smallest
        if (w.second.empty() || c.headroom < w.first) w = {c.headroom, sizes_text(r.sizes)};
        EXPECT_FALSE(c.passed()) << exercise_ << " " << variant << " passes (" << sizes_text(r.sizes) << ")";
        EXPECT_GE(c.headroom, margin) << exercise_ << " " << variant << " (" << sizes_text(r.sizes) << ")";
    }

private:
    std::string exercise_;
    std::map<std::string, std::pair<double, std::string>> worst_;
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
        const TensorExercise* ex = find_tensor(name);
        ASSERT_NE(ex, nullptr) << name;
        EXPECT_EQ(ex->spec().name, name);
    }
    EXPECT_EQ(find_tensor("matmul"), nullptr);
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
        const TensorExercise* ex;
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
        for (size_t t = 1; t < a.size(); ++t)
            if (it.ex->spec().name != "matrix-mul")  // b (k x n) does not grow with m: the same
                EXPECT_EQ(a[t], b[t]) << it.ex->spec().name << " input " << t;
        // Every value is finite and of the regime's range.
        for (const auto& v : b)
            for (float x : v) ASSERT_TRUE(std::isfinite(x));
    }
}

// Golden hashes: the same seed gives the same bytes on every machine and build.
TEST(ExerciseTensor, InputsAreTheSameOnEveryMachine) {
    auto digest = [](const TensorExercise& ex, const Sizes& s) {
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
        {"matrix-mul", "GOLDEN"},
        {"softmax", "GOLDEN"},
        {"layer-norm", "GOLDEN"},
        {"conv2d", "GOLDEN"},
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
        matrix_mul_exercise().truth(s, cin, truth, bound);
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
            matrix_mul_exercise().truth(s, cin, truth, bound);
            const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            std::printf("[timing] matrix-mul truth %lld^3: %.3f s, %.2f GFLOP/s on %u threads\n", n, sec,
                        2.0 * static_cast<double>(n * n * n) / sec / 1e9, std::thread::hardware_concurrency());
        }
    }
}

}  // namespace
}  // namespace kc::exercises
