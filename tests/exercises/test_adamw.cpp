// adamw: AdamW's step on p, m and v in place, with a bf16 gradient and the step as a size of the
// case. Its bounds against simulated fp32 kernels at steps 1, 10 and 1000: the correct ones
// (PyTorch's folded form, the textbook one, the decay as p - lr wd p with FMAs, the decay folded
// into the update or after it, fast math at its documented worst) use at most half of them on
// every tensor; the classic mistakes fail by far on exactly the tensors they break, and
// explain_written names the pattern ("[calibration]" lines: docs/grading.md quotes them). Then
// what a size that is no tensor dimension meets elsewhere: the parameters, the sweep, bytes, the
// Problem, the manifest.
#include <gtest/gtest.h>

#include <array>
#include <climits>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "course/manifest.h"
#include "exercises/dtype.h"
#include "exercises/exercise.h"
#include "exercises/registry.h"
#include "grade/compare.h"
#include "support/host_case.h"
#include "support/sim_float.h"

namespace kc::exercises {
namespace {

using test::host_case;
using test::sim::nudge;

constexpr float kLr = 1e-3f, kB1 = 0.9f, kB2 = 0.999f, kEps = 1e-8f, kWd = 0.01f;
constexpr const char* kWritten[] = {"p", "m", "v"};
constexpr long long kN = 65539;  // 2^16 + 3 elements a case

const Exercise& adamw() {
    const Exercise* ex = find_exercise("adamw");
    EXPECT_NE(ex, nullptr);
    return *ex;
}

Sizes sizes(long long n, long long step) { return {{"n", n}, {"step", step}}; }

// ---- simulated kernels: one element at step t, in fp32 ----------------------------------------

struct In {
    float p, m, v, g;  // g widened from its bf16
};
struct Out {
    float p, m, v;
};
using Kernel = std::function<Out(const In&, int)>;

float bf16(float x) { return from_bf16(to_bf16(x)); }

// 1 - b^t, with powf's result `ulps` away from the host's (0: as it is).
float correction(float beta, int t, int ulps = 0) { return 1.0f - nudge(std::pow(beta, static_cast<float>(t)), ulps); }

float decay(float p) { return p * (1.0f - kLr * kWd); }
std::pair<float, float> moments(const In& x, float g) {
    return {kB1 * x.m + (1.0f - kB1) * g, kB2 * x.v + (1.0f - kB2) * g * g};
}
float update(float m, float v, int t) {
    return kLr * (m / correction(kB1, t)) / (std::sqrt(v / correction(kB2, t)) + kEps);
}

// torch.optim.AdamW: param.mul_(1 - lr * wd); exp_avg.lerp_(grad, 1 - beta1);
// exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2); step_size = lr / bc1;
// denom = exp_avg_sq.sqrt() / sqrt(bc2) + eps; param.addcdiv_(exp_avg, denom, value=-step_size).
Out pytorch(const In& x, int t) {
    const float m = x.m + (1.0f - kB1) * (x.g - x.m), v = x.v * kB2 + (1.0f - kB2) * x.g * x.g;
    const float step_size = kLr / correction(kB1, t);
    const float denom = std::sqrt(v) / std::sqrt(correction(kB2, t)) + kEps;
    return {decay(x.p) - step_size * (m / denom), m, v};
}

// The formulas as written: decay, moments, their bias-corrected values, the update.
Out textbook(const In& x, int t) {
    const auto [m, v] = moments(x, x.g);
    return {decay(x.p) - update(m, v, t), m, v};
}

// The decay as p - lr wd p, and an FMA wherever one fits.
Out with_fma(const In& x, int t) {
    const float m = std::fma(kB1, x.m, (1.0f - kB1) * x.g), v = std::fma((1.0f - kB2) * x.g, x.g, kB2 * x.v);
    const float denom = std::sqrt(v / correction(kB2, t)) + kEps;
    return {std::fma(-kLr, (m / correction(kB1, t)) / denom, std::fma(-(kLr * kWd), x.p, x.p)), m, v};
}

// The decay folded into the update, from the old p: p - lr (wd p + mhat / denom).
Out folded_decay(const In& x, int t) {
    const auto [m, v] = moments(x, x.g);
    const float ratio = (m / correction(kB1, t)) / (std::sqrt(v / correction(kB2, t)) + kEps);
    return {x.p - kLr * (kWd * x.p + ratio), m, v};
}

// Fast math at its documented worst, every error one way (`dir`): __powf within 2 + 1.173
// |t log2 b| ulp, __fdividef within 2, sqrt(x) as x rsqrtf(x) with rsqrtf within 2.
Kernel fast_math(int dir) {
    return [dir](const In& x, int t) {
        auto pow_ulps = [&](float b) { return dir * (2 + static_cast<int>(1.173 * std::fabs(t * std::log2(b)))); };
        auto divide = [&](float a, float b) { return nudge(a / b, 2 * dir); };
        const auto [m, v] = moments(x, x.g);
        const float mhat = divide(m, correction(kB1, t, pow_ulps(kB1)));
        const float vhat = divide(v, correction(kB2, t, pow_ulps(kB2)));
        const float root = vhat > 0 ? vhat * nudge(1.0f / std::sqrt(vhat), -2 * dir) : 0.0f;
        return Out{decay(x.p) - divide(kLr * mhat, root + kEps), m, v};
    };
}

// (a) No bias correction: m and v used as they are.
Out no_bias_correction(const In& x, int) {
    const auto [m, v] = moments(x, x.g);
    return {decay(x.p) - kLr * m / (std::sqrt(v) + kEps), m, v};
}
// (b) Adam with L2 regularisation: the decay added to the gradient, the weights not decayed.
Out l2_on_the_gradient(const In& x, int t) {
    const auto [m, v] = moments(x, x.g + kWd * x.p);
    return {x.p - update(m, v, t), m, v};
}
// (c) The update from the old m and v, which are updated after it.
Out old_moments(const In& x, int t) {
    const auto [m, v] = moments(x, x.g);
    return {decay(x.p) - update(x.m, x.v, t), m, v};
}
// (d) No weight decay: Adam's step.
Out no_decay(const In& x, int t) {
    const auto [m, v] = moments(x, x.g);
    return {x.p - update(m, v, t), m, v};
}
// (e) The moments kept in bf16: rounded, then used and stored.
Out bf16_moments(const In& x, int t) {
    const auto [m, v] = moments(x, x.g);
    return {decay(x.p) - update(bf16(m), bf16(v), t), bf16(m), bf16(v)};
}
// (e') The update from the fp32 moments, which are stored in bf16.
Out bf16_store(const In& x, int t) {
    const auto [m, v] = moments(x, x.g);
    return {decay(x.p) - update(m, v, t), bf16(m), bf16(v)};
}
// The decay after the update, (p - update)(1 - lr wd): it differs from AdamW by lr wd |update|
// = 1e-5 |update|, second order, seen only where |p| is near 0, and the bound takes it.
Out decay_after(const In& x, int t) {
    const auto [m, v] = moments(x, x.g);
    return {decay(x.p - update(m, v, t)), m, v};
}

// ---- running them ----------------------------------------------------------------------------

using Written = std::array<grade::Comparison, 3>;  // p, m, v

Written run(const test::HostCase& h, const Kernel& kernel, int t) {
    auto p = h.seeded[0].as<const float>(), m = h.seeded[1].as<const float>(), v = h.seeded[2].as<const float>();
    auto g = h.seeded[3].as<const uint16_t>();
    std::array<std::vector<float>, 3> got;
    for (auto& x : got) x.resize(p.size());
    for (size_t i = 0; i < p.size(); ++i) {
        const Out o = kernel({p[i], m[i], v[i], from_bf16(g[i])}, t);
        got[0][i] = o.p;
        got[1][i] = o.m;
        got[2][i] = o.v;
    }
    Written out;
    const std::vector<long long> shape{static_cast<long long>(p.size())};
    for (size_t k = 0; k < 3; ++k) {
        auto c = grade::compare(got[k], h.truth[k], h.bound[k], shape);
        EXPECT_TRUE(c.ok());
        if (c.ok()) out[k] = *c;
    }
    return out;
}

// What the worker says of the case: explain_written on which tensors matched.
std::string explained(const Sizes& s, const Written& w) {
    std::vector<std::pair<std::string, bool>> matched;
    for (size_t k = 0; k < 3; ++k) matched.emplace_back(kWritten[k], w[k].passed());
    return explain_written_tensors(adamw(), s, matched);
}

// Per variant and step, each tensor's worst headroom (a correct variant: the largest error /
// bound; a wrong one: on the tensors it breaks, the smallest, the margin it fails by), printed
// when the test ends as "[calibration] adamw ...".
class Calibration {
public:
    ~Calibration() {
        for (const auto& [key, e] : worst_) {
            std::string cells;
            for (size_t k = 0; k < 3; ++k)
                cells += fmt::format("  {} {:>9.3g}{}", kWritten[k], e.headroom[k], e.broken[k] ? " (fails by)" : "");
            std::printf("[calibration] adamw %-20s step %-4d %s\n", key.first.c_str(), key.second, cells.c_str());
        }
    }
    void record(const std::string& variant, int step, const Written& w, std::array<bool, 3> broken = {}) {
        auto [it, fresh] = worst_.try_emplace({variant, step});
        for (size_t k = 0; k < 3; ++k) {
            double& h = it->second.headroom[k];
            const double x = w[k].headroom;
            if (fresh || (broken[k] ? x < h : x > h)) h = x;
        }
        it->second.broken = broken;
    }

private:
    struct Entry {
        std::array<double, 3> headroom{};
        std::array<bool, 3> broken{};
    };
    std::map<std::pair<std::string, int>, Entry> worst_;
};

constexpr int kSteps[] = {1, 10, 1000};
constexpr uint64_t kSeeds[] = {1, 2, 3};

TEST(AdamW, CorrectStepsUseAtMostHalfTheBoundOnEveryTensor) {
    const std::vector<std::pair<std::string, Kernel>> correct = {
        {"pytorch-folded", pytorch},          {"textbook", textbook},           {"decay-sub-fma", with_fma},
        {"decay-in-update", folded_decay},    {"decay-after-update", decay_after},
        {"fast-math-worst-up", fast_math(1)}, {"fast-math-worst-down", fast_math(-1)}};
    Calibration cal;
    for (int t : kSteps)
        for (uint64_t seed : kSeeds) {
            const Sizes s = sizes(kN, t);
            const auto h = host_case(adamw(), s, seed);
            for (const auto& [name, kernel] : correct) {
                const Written w = run(h, kernel, t);
                cal.record(name, t, w);
                for (size_t k = 0; k < 3; ++k) {
                    EXPECT_TRUE(w[k].passed()) << name << " step " << t << " `" << kWritten[k] << "`: "
                                               << w[k].mismatches << " wrong";
                    EXPECT_LE(w[k].headroom, 0.5) << name << " step " << t << " `" << kWritten[k] << "`";
                }
            }
        }
}

struct Mistake {
    const char* name;
    Kernel kernel;
    std::array<bool, 3> breaks;  // p, m, v
    const char* says;            // words of the case's explanation
};

TEST(AdamW, TheClassicMistakesFailByFarOnExactlyTheTensorsTheyBreak) {
    const std::vector<Mistake> mistakes = {
        {"no-bias-correction", no_bias_correction, {true, false, false}, "divide m by 1 - beta1^step"},
        {"l2-on-the-gradient", l2_on_the_gradient, {true, true, true}, "it is Adam with L2 regularisation"},
        {"old-moments", old_moments, {true, false, false}, "use this step's m and v (update them first)"},
        {"no-weight-decay", no_decay, {true, false, false}, "decay the weights: p *= 1 - lr * weight_decay"},
        {"bf16-moments", bf16_moments, {true, true, true}, "in fp32"},
        {"bf16-store", bf16_store, {false, true, true}, "store them as computed, in fp32"}};
    Calibration cal;
    for (int t : kSteps)
        for (uint64_t seed : kSeeds) {
            const Sizes s = sizes(kN, t);
            const auto h = host_case(adamw(), s, seed);
            for (const auto& bug : mistakes) {
                const Written w = run(h, bug.kernel, t);
                cal.record(bug.name, t, w, bug.breaks);
                for (size_t k = 0; k < 3; ++k) {
                    const std::string where = fmt::format("{} step {} `{}`", bug.name, t, kWritten[k]);
                    EXPECT_EQ(w[k].passed(), !bug.breaks[k]) << where << ": headroom " << w[k].headroom;
                    if (bug.breaks[k]) EXPECT_GE(w[k].headroom, 10) << where << ": not by far";
                }
                EXPECT_NE(explained(s, w).find(bug.says), std::string::npos) << bug.name << ": " << explained(s, w);
            }
        }
}

// ---- the explanations ------------------------------------------------------------------------

std::string explain(std::vector<std::pair<std::string, bool>> matched, long long step = 10) {
    return explain_written_tensors(adamw(), sizes(1003, step), matched);
}

TEST(AdamW, ItsExplanationSaysWhichTensorIsOffAndWhatThatMeans) {
    EXPECT_EQ(explain({{"p", false}, {"m", true}, {"v", true}}),
              "`m` and `v` are right and `p` is not, so the update is wrong: divide m by 1 - beta1^step and v by 1 - "
              "beta2^step (0.651 and 0.00995 at step 10), use this step's m and v (update them first), and decay the "
              "weights: p *= 1 - lr * weight_decay");
    EXPECT_NE(explain({{"p", false}, {"m", true}, {"v", true}}, 1).find("(0.1 and 0.001 at step 1)"), std::string::npos);
    EXPECT_EQ(explain({{"p", false}, {"m", false}, {"v", false}}),
              "`m`, `v` and `p` are wrong: the moments take the gradient as given, in fp32: m = beta1 m + (1 - beta1) g "
              "and v = beta2 v + (1 - beta2) g^2; AdamW's weight decay scales the weights (p *= 1 - lr * "
              "weight_decay): added to the gradient (g + weight_decay * p) it is Adam with L2 regularisation");
    EXPECT_EQ(explain({{"m", false}, {"v", false}, {"p", true}}),
              "`p` is right and `m` and `v` are not: the update used the right moments, so store them as computed, in "
              "fp32 (bf16 or fp16 storage rounds them)");
    EXPECT_EQ(explain({{"v", false}, {"p", true}, {"m", true}}).rfind("`p` is right and `v` is not", 0), 0u);
    EXPECT_EQ(explain({{"p", false}, {"m", false}, {"v", true}}),
              "`m` is wrong and `v` right: m = beta1 m + (1 - beta1) g (beta1, not beta2; the gradient, not its "
              "square)");
    EXPECT_EQ(explain({{"p", false}, {"v", false}, {"m", true}}),
              "`v` is wrong and `m` right: v = beta2 v + (1 - beta2) g^2 (beta2, not beta1; the square of the "
              "gradient)");
    EXPECT_EQ(explain({{"p", true}, {"m", true}, {"v", true}}), "") << "nothing wrong: nothing to explain";
}

TEST(AdamW, AnExerciseThatWritesOneTensorExplainsNoPattern) {
    const Exercise* add = find_exercise("vector-add");
    ASSERT_NE(add, nullptr);
    const std::vector<std::pair<std::string, bool>> wrong = {{"out", false}};
    EXPECT_EQ(explain_written_tensors(*add, {{"n", 7}}, wrong), "");
}

// ---- the truth, and the step as a size -------------------------------------------------------

TEST(AdamW, TheTruthTakesTheBf16GradientAsGivenAndAgreesWithLongDouble) {
    const Sizes s = sizes(4099, 10);
    const auto h = host_case(adamw(), s, 5);
    auto p = h.seeded[0].as<const float>(), m = h.seeded[1].as<const float>(), v = h.seeded[2].as<const float>();
    auto g = h.seeded[3].as<const uint16_t>();
    const long double b1 = kB1, b2 = kB2, lr = kLr;
    const long double bc1 = 1 - std::pow(b1, 10.0L), bc2 = 1 - std::pow(b2, 10.0L);
    for (size_t i = 0; i < p.size(); ++i) {
        const long double gi = from_bf16(g[i]);
        const long double mi = b1 * m[i] + (1 - b1) * gi, vi = b2 * v[i] + (1 - b2) * gi * gi;
        const long double pi = p[i] * (1 - lr * static_cast<long double>(kWd)) -
                               lr * (mi / bc1) / (std::sqrt(vi / bc2) + static_cast<long double>(kEps));
        ASSERT_LE(std::fabs(static_cast<long double>(h.truth[0][i]) - pi), 1e-6L * h.bound[0][i]) << i;
        ASSERT_LE(std::fabs(static_cast<long double>(h.truth[1][i]) - mi), 1e-6L * h.bound[1][i]) << i;
        ASSERT_LE(std::fabs(static_cast<long double>(h.truth[2][i]) - vi), 1e-6L * h.bound[2][i]) << i;
    }
    // The step moves p alone: the moments do not depend on it.
    const auto late = host_case(adamw(), sizes(4099, 1000), 5);
    EXPECT_EQ(late.truth[1], h.truth[1]);
    EXPECT_EQ(late.truth[2], h.truth[2]);
    EXPECT_NE(late.truth[0], h.truth[0]);
    EXPECT_EQ(adamw().timed_transform(s).kind, TimedTransform::kFreshInputs);
}

TEST(AdamW, TheStepIsASizeOfTheCaseThatNoTensorHas) {
    const Exercise& ex = adamw();
    EXPECT_EQ(ex.spec().fields, (std::vector<std::string>{"n", "step"}));
    EXPECT_EQ(parameters(ex, sizes(8, 3)),
              "float* p, float* m, float* v, const __nv_bfloat16* g, int n, float lr, float beta1, float beta2, "
              "float eps, float weight_decay, int step");
    EXPECT_EQ(ex.scalars(sizes(8, 3)).back().i, 3);
    EXPECT_EQ(check_declarations(ex, sizes(8, 3)), "");
    EXPECT_NE(prelude(ex.spec(), compile::default_constants(75)).find("struct Problem { long long n; long long step; };"),
              std::string::npos);
    // Accepted from 1 to INT_MAX (the kernel takes an int); never 0, never missing.
    EXPECT_EQ(checked_elements(ex, sizes(1003, 1)), 1003u);
    EXPECT_EQ(checked_elements(ex, sizes(1003, INT_MAX)), 1003u);
    EXPECT_FALSE(checked_elements(ex, sizes(1003, 0)));
    EXPECT_FALSE(checked_elements(ex, sizes(1003, INT_MAX + 1LL)));
    EXPECT_FALSE(checked_elements(ex, {{"n", 1003}}));
    EXPECT_FALSE(checked_elements(ex, sizes(0, 10))) << "n = 0 is refused";
    // 26 bytes an element whatever the step; the sweep scales n and keeps the timed case's step.
    EXPECT_EQ(ex.spec().bytes(sizes(1000, 1)), 26000.0);
    EXPECT_EQ(ex.spec().bytes(sizes(1000, 1000)), 26000.0);
    EXPECT_EQ(ex.spec().flops(sizes(1000, 1000)), 18000.0);
    const auto sweep = sweep_sizes(ex.spec(), sizes(1 << 22, 1000));
    ASSERT_EQ(sweep.size(), 7u);
    EXPECT_EQ(sweep.front(), sizes(1 << 10, 1000));
    for (const auto& sz : sweep) EXPECT_EQ(sz.at("step"), 1000) << sz.at("n");
}

TEST(AdamW, AManifestGivesTheStepInEveryCase) {
    auto manifest = [](const std::string& cases) {
        return course::parse_manifest(R"({"format": 1, "title": "T", "exercise": "adamw", "kernel": "adamw",
                                          "starter": "WRONG", "cases": [)" + cases + "]}",
                                      "m.json");
    };
    const auto& fields = adamw().spec().fields;
    auto good = manifest(R"({"name": "first", "n": 1003, "step": 1}, {"name": "late", "n": 1003, "step": 1000})");
    ASSERT_TRUE(good) << good.error().message;
    EXPECT_TRUE(course::check_case_fields(*good, fields, "m.json"));
    EXPECT_EQ(good->cases[1].sizes.at("step"), 1000);
    auto missing = manifest(R"({"name": "first", "n": 1003})");
    ASSERT_TRUE(missing);
    const auto no_step = course::check_case_fields(*missing, fields, "m.json");
    ASSERT_FALSE(no_step);
    EXPECT_NE(no_step.error().message.find("missing size 'step'"), std::string::npos) << no_step.error().message;
    auto zero = manifest(R"({"name": "first", "n": 1003, "step": 0})");
    ASSERT_TRUE(zero);
    const auto step_zero = course::check_case_fields(*zero, fields, "m.json");
    ASSERT_FALSE(step_zero);
    EXPECT_NE(step_zero.error().message.find("cases[0].step: must be a positive integer size"), std::string::npos)
        << step_zero.error().message;
}

}  // namespace
}  // namespace kc::exercises
