// adamw: one AdamW step over n parameters, updated in place (PyTorch's torch.optim.AdamW: bias
// corrected, the weight decay decoupled from the gradient). p, m and v are read and written; g,
// the gradient, is read only and comes in bf16, as mixed-precision training leaves it.
//     p = p (1 - lr wd)                                  the decay scales the weights, first
//     m = b1 m + (1 - b1) g,   v = b2 v + (1 - b2) g^2   the moments take the gradient as given
//     p = p - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
// The step t is a size of the case (`step`), so a module's cases can vary it: the bias
// corrections matter most in the first steps. No library has it: the module's reference solution
// is what the kernel is timed against.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "exercises/optimizer.h"
#include "exercises/registry.h"
#include "util/parallel.h"

namespace kc::exercises {

namespace {

constexpr float kLr = 1e-3f, kBeta1 = 0.9f, kBeta2 = 0.999f, kEps = 1e-8f, kWeightDecay = 0.01f;
constexpr double kU = 0x1p-24;  // unit roundoff of fp32
constexpr uint64_t kTagP = 0x6164616d77000001ull, kTagM = 0x6164616d77000002ull, kTagV = 0x6164616d77000003ull,
                   kTagG = 0x6164616d77000004ull;

double n_of(const Sizes& s) { return static_cast<double>(s.at("n")); }
// Read p, m, v (fp32) and g (bf16); write p, m, v. The step changes nothing of it.
double bytes(const Sizes& s) { return 26.0 * n_of(s); }
double flops(const Sizes& s) { return 18.0 * n_of(s); }

// ---- the error bound ------------------------------------------------------------------------
// u = 2^-24. The truth takes the scalars as passed (beta1 = 0.9f, ...) and g as the bf16 value
// given, widened exactly. 1 - beta1 and 1 - beta2 are exact in fp32 (Sterbenz).
// m' = b1 m + (1 - b1) g, with M = |b1 m| + |(1 - b1) g|: two products and a sum err by at most
//   2u M, an FMA less, PyTorch's lerp m + (1 - b1)(g - m) by 3u M (the difference and its
//   product, u |(1 - b1)(g - m)| each, and the sum, u |m'|; 1 - (1 - b1) is b1 exactly).
// v' = b2 v + (1 - b2) g^2, with V = |b2 v| + |(1 - b2) g^2| (both terms >= 0): g^2, its product,
//   b2 v and the sum, at most 3u V. The bounds of m and v are twice that: 6u M and 6u V.
// The update lr mhat / (sqrt(vhat) + eps), mhat = m' / bc1, vhat = v' / bc2, bc = 1 - b^t, is
//   measured on its scale U = lr (M / bc1) / (sqrt(vhat) + eps): the update itself when m's two
//   terms do not cancel, and more when they do, so that m's absolute error 3u M is 3u U there.
//   Relative to U, in any correct order (mhat and vhat divided, or PyTorch's step size lr / bc1
//   and denominator sqrt(v') / sqrt(bc2) + eps):
//  - m's error: 3u; v's, halved by the square root: 1.5u;
//  - the bias corrections: powf is within 2 ulp (4u) of b^t, and 1 - b^t magnifies that by
//    S(b, t) = b^t / (1 - b^t), then rounds: 4u S1 + u on bc1, and on bc2 the same, halved by the
//    square root. S depends on the step: S2 = 999 at step 1, 99.5 at 10, 0.58 at 1000; S1 = 9,
//    0.54, 0. (__powf, fast math, is within 2 + 1.173 |t log2 b| ulp: at most 5u more, since
//    |t log2 b| S <= 1 / ln 2);
//  - the divisions, the square root, eps's add and lr's product: 6u with IEEE divisions and
//    sqrtf, 17u with __fdividef (2 ulp each) and sqrt(x) as x rsqrtf(x) (2 ulp and a product).
//   rel(t) = 3u + 1.5u + (4u S1 + u) + (2u S2 + u/2) + 17u + 5u = 28u + 4u S1 + 2u S2.
// p_d = p (1 - lr wd): 1 - lr wd rounded (lr wd's own rounding moves it by 1e-5 u) and the
//   product, 2u |p_d|; p - (lr wd) p or an FMA, u |p_d| (and 2e-5 u |p|).
// p' = p_d - update: u (|p_d| + U). Folding the decay into the update, p - lr (wd p + mhat /
//   denom), or into an FMA, p (1 - lr wd) - update, errs less. Decaying after the update,
//   (p - update)(1 - lr wd), differs from AdamW by lr wd |update| <= lr wd U: second order, and
//   seen only where |p| is near 0, where it would fail by about 3 times at step 1000 uncounted.
// In all |p' - truth| <= 3u |p_d| + (rel(t) + u + lr wd) U; the bound is twice that. Forgetting
// the decay (lr wd |p| = 1e-5 |p|) fails by 28 times the 6u |p_d| and skipping the bias
// corrections by far more; moments stored in bf16 (2^-9 relative) by about 10^4 times theirs.
double bias_sensitivity(double beta, long long step) {
    const double bt = std::pow(beta, static_cast<double>(step));
    return bt / (1 - bt);
}

double update_rel(long long step) {
    return 28 * kU + 4 * kU * bias_sensitivity(kBeta1, step) + 2 * kU * bias_sensitivity(kBeta2, step);
}

using Truth = OptimizerTruth;

Truth adamw(double p, double m, double v, double g, long long step, double rel) {
    const double b1 = kBeta1, b2 = kBeta2, lr = kLr, eps = kEps;
    const double bc1 = 1 - std::pow(b1, static_cast<double>(step)), bc2 = 1 - std::pow(b2, static_cast<double>(step));
    Truth t;
    const double decayed = p * (1 - lr * static_cast<double>(kWeightDecay));
    t.m = b1 * m + (1 - b1) * g;
    t.v = b2 * v + (1 - b2) * g * g;
    const double denom = std::sqrt(t.v / bc2) + eps;
    const double update = lr * (t.m / bc1) / denom;
    t.p = decayed - update;
    const double big_m = std::fabs(b1 * m) + std::fabs((1 - b1) * g);
    t.m_bound = 6 * kU * big_m;
    t.v_bound = 6 * kU * (std::fabs(b2 * v) + std::fabs((1 - b2) * g * g));
    const double scale = lr * (big_m / bc1) / denom;  // U: |update| or more
    t.p_bound = 6 * kU * std::fabs(decayed) + 2 * (rel + kU + lr * static_cast<double>(kWeightDecay)) * scale;
    return t;
}

// `tensor` is among `names`.
bool among(const std::vector<std::string>& names, const char* tensor) {
    return std::find(names.begin(), names.end(), tensor) != names.end();
}

class AdamW final : public Exercise {
public:
    const Spec& spec() const override {
        static const Spec s{.name = "adamw",
                            .fields = {"n", "step"},
                            .vendor = "",
                            .bytes = bytes,
                            .flops = flops,
                            .example = {{"n", 1003}, {"step", 10}},
                            .sweep_fields = {"n"},  // the step stays the timed case's
                            .sweep_factor = 4,
                            .sweep_steps = 6};
        return s;
    }
    std::vector<TensorSpec> tensors(const Sizes& s) const override {
        const auto n = static_cast<size_t>(s.at("n"));
        return {{"p", n, Role::kInOut},
                {"m", n, Role::kInOut},
                {"v", n, Role::kInOut},
                {"g", n, Role::kIn, DType::BF16}};
    }
    std::vector<Scalar> scalars(const Sizes& s) const override {
        return {Scalar::of(static_cast<int>(s.at("n")), "n"),        Scalar::of(kLr, "lr"),
                Scalar::of(kBeta1, "beta1"),                         Scalar::of(kBeta2, "beta2"),
                Scalar::of(kEps, "eps"),                             Scalar::of(kWeightDecay, "weight_decay"),
                Scalar::of(static_cast<int>(s.at("step")), "step")};
    }
    std::vector<long long> shape(const Sizes& s, const std::string&) const override { return {s.at("n")}; }
    // Parameters of every scale in [-2, 2), moments of the sizes a few hundred steps leave,
    // gradients whose magnitude varies by 2^12, rounded to bf16.
    void make_inputs(uint64_t seed, const Sizes&, std::span<const HostTensor> t) const override {
        auto p = t[0].as<float>(), m = t[1].as<float>(), v = t[2].as<float>();
        auto g = t[3].as<uint16_t>();
        const uint64_t sp = stream_of(seed, kTagP), sm = stream_of(seed, kTagM), sv = stream_of(seed, kTagV),
                       sg = stream_of(seed, kTagG);
        parallel_chunks(p.size(), 1 << 16, [&](size_t begin, size_t end, size_t) {
            for (size_t i = begin; i < end; ++i) {
                const float scale = std::ldexp(1.0f, static_cast<int>(bits_at(sg, i) % 13) - 6);
                g[i] = to_bf16(uniform_at(sg ^ 1, i, -1.f, 1.f) * scale);
                p[i] = uniform_at(sp, i, -2.f, 2.f);
                m[i] = uniform_at(sm, i, -0.1f, 0.1f) * scale;
                v[i] = uniform_at(sv, i, 0.f, 0.01f) * scale * scale;
            }
        });
    }
    void truth(const Sizes& s, std::span<const HostTensor> t, std::span<const Expected> out) const override {
        auto p = t[0].as<float>(), m = t[1].as<float>(), v = t[2].as<float>();
        auto g = t[3].as<const uint16_t>();
        const long long step = s.at("step");
        const double rel = update_rel(step);
        parallel_chunks(p.size(), 1 << 16, [&](size_t begin, size_t end, size_t) {
            for (size_t i = begin; i < end; ++i) {
                store_optimizer_truth(out, i, adamw(p[i], m[i], v[i], from_bf16(g[i]), step, rel));
            }
        });
    }
    // In-place tensors cannot be derived exactly on the GPU: the timed run draws fresh ones.
    TimedTransform timed_transform(const Sizes&) const override { return {.kind = TimedTransform::kFreshInputs}; }
    // p is computed from this step's m and v: right moments and a wrong p point at the update,
    // wrong moments at the gradient they took, a right p and wrong moments at their store.
    std::string explain_written(const Sizes& s, const std::vector<std::string>& wrong,
                                const std::vector<std::string>&) const override {
        const bool p = among(wrong, "p"), m = among(wrong, "m"), v = among(wrong, "v");
        if (p && !m && !v) {
            const long long t = s.at("step");
            const double bc1 = 1 - std::pow(double{kBeta1}, static_cast<double>(t)),
                         bc2 = 1 - std::pow(double{kBeta2}, static_cast<double>(t));
            return fmt::format("`m` and `v` are right and `p` is not, so the update is wrong: divide m by 1 - "
                               "beta1^step and v by 1 - beta2^step ({:.3g} and {:.3g} at step {}), use this step's "
                               "m and v (update them first), and decay the weights: p *= 1 - lr * weight_decay",
                               bc1, bc2, t);
        }
        if (m && v && p)
            return "`m`, `v` and `p` are wrong: the moments take the gradient as given, in fp32: m = beta1 m + (1 - "
                   "beta1) g and v = beta2 v + (1 - beta2) g^2; AdamW's weight decay scales the weights (p *= 1 - lr * "
                   "weight_decay): added to the gradient (g + weight_decay * p) it is Adam with L2 regularisation";
        if (!p)
            return fmt::format("`p` is right and {} not: the update used the right moments, so store them as "
                               "computed, in fp32 (bf16 or fp16 storage rounds them)",
                               m && v ? "`m` and `v` are" : m ? "`m` is" : "`v` is");
        if (m)
            return "`m` is wrong and `v` right: m = beta1 m + (1 - beta1) g (beta1, not beta2; the gradient, not its "
                   "square)";
        return "`v` is wrong and `m` right: v = beta2 v + (1 - beta2) g^2 (beta2, not beta1; the square of the "
               "gradient)";
    }
};

}  // namespace

KC_REGISTER_EXERCISE(instance<AdamW>());

}  // namespace kc::exercises
