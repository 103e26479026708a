// What Track 1's fp32 exercises (vector-add, matrix-mul, softmax, layer-norm, conv2d) share,
// tested across them: the registry finds them, sizes are refused alike, inputs depend on the
// seed and position alone and are the same on every machine, and the timed run's truth is the
// checked truth transformed exactly; binary16 rounding as the simulated kernels do it; and, by
// hand, the calibration at the modules' sizes. Each exercise's own truth, bounds ("[calibration]"
// lines: docs/grading.md, "Calibration of the Track 1 bounds", quotes them) and diagnoses are
// in tests/exercises/test_<exercise>.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "exercises/conv2d/conv2d.h"
#include "exercises/float_exercise.h"
#include "exercises/layer_norm/layer_norm.h"
#include "exercises/matrix_mul/matrix_mul.h"
#include "exercises/registry.h"
#include "exercises/softmax/softmax.h"
#include "exercises/vector_add/vector_add.h"
#include "support/exercise_check.h"
#include "support/sim_conv2d.h"
#include "support/sim_float.h"
#include "support/sim_layer_norm.h"
#include "support/sim_matrix_mul.h"
#include "support/sim_rows.h"
#include "support/sim_softmax.h"
#include "support/tensor_case.h"
#include "util/hash.h"

namespace kc::exercises {
namespace {

using test::TensorCase;
using test::make_inputs;
using namespace test::bounds;  // make_run (sizes checked), sizes_text, Tally
using namespace test::sim;     // the simulated kernels

// ---- the simulated kernels' half precision -------------------------------------------------

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
    EXPECT_EQ(checked_elements(mm, {{"m", 3}, {"n", 5}, {"k", 7}}), std::optional<size_t>(15u));
    EXPECT_FALSE(checked_elements(mm, {{"m", 3}, {"n", 5}}).has_value());                              // k missing
    EXPECT_FALSE(checked_elements(mm, {{"m", -3}, {"n", 5}, {"k", 7}}).has_value());                   // negative
    EXPECT_FALSE(checked_elements(mm, {{"m", 0}, {"n", 5}, {"k", 7}}).has_value());                    // empty
    EXPECT_FALSE(checked_elements(mm, {{"m", 3}, {"n", 5}, {"k", 1LL << 31}}).has_value());            // not an int
    EXPECT_FALSE(checked_elements(mm, {{"m", 65536}, {"n", 65536}, {"k", 1}}).has_value());            // 2^32 floats
    EXPECT_EQ(checked_elements(mm, {{"m", 1}, {"n", 1}, {"k", INT_MAX}}), std::optional<size_t>(1u));              // a: INT_MAX floats
    EXPECT_FALSE(checked_elements(mm, {{"m", 2}, {"n", 1}, {"k", INT_MAX}}).has_value());              // a: too many
    const auto& cv = conv2d_exercise();
    Sizes s{{"n", 2}, {"c", 3}, {"h", 9}, {"w", 11}, {"k", 4}, {"r", 3}, {"s", 3}, {"pad", 1}, {"stride", 2}};
    EXPECT_EQ(checked_elements(cv, s), std::optional<size_t>(2u * 4 * 5 * 6));
    s["stride"] = 0;
    EXPECT_FALSE(checked_elements(cv, s).has_value());
    s["stride"] = 1;
    s["pad"] = 0;
    s["r"] = 10;  // taller than the input
    EXPECT_FALSE(checked_elements(cv, s).has_value());
    s["r"] = 3;
    s["n"] = INT_MAX;
    s["h"] = INT_MAX;
    s["w"] = INT_MAX;
    s["c"] = INT_MAX;  // n*c*h*w overflows 64 bits
    EXPECT_FALSE(checked_elements(cv, s).has_value());
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
        std::vector<double> truth(*checked_elements(ex, s)), bound(truth.size());
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

}  // namespace
}  // namespace kc::exercises
