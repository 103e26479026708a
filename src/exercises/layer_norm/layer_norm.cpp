// layer-norm: y[r][j] = (x[r][j] - mean_r) / sqrt(var_r + eps) * gamma[j] + beta[j], with the
// biased variance of row r; row-major rows x cols; eps = 1e-5.
#include "exercises/layer_norm/layer_norm.h"

#include "exercises/registry.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "util/parallel.h"

namespace kc::exercises {

std::vector<TensorSpec> RowNormExercise::inputs(const Sizes& s) const {
    const size_t c = elements_of({s.at("cols")});
    return {{"x", elements_of({s.at("rows"), s.at("cols")})}, {"gamma", c}, {"beta", c}};
}
TensorSpec RowNormExercise::output(const Sizes& s) const { return {"y", elements_of({s.at("rows"), s.at("cols")})}; }
std::vector<long long> RowNormExercise::output_shape(const Sizes& s) const { return {s.at("rows"), s.at("cols")}; }
std::vector<Scalar> RowNormExercise::scalars(const Sizes& s) const {
    return {Scalar::of(static_cast<int>(s.at("rows")), "rows"), Scalar::of(static_cast<int>(s.at("cols")), "cols"),
            Scalar::of(kLayerNormEps, "eps")};
}
void RowNormExercise::make_float_inputs(uint64_t seed, const Sizes& s, std::vector<std::span<float>> in) const {
    make_layer_norm_inputs(seed, static_cast<size_t>(s.at("cols")), in[0], in[1], in[2]);
}


namespace {

double rows(const Sizes& s) { return static_cast<double>(s.at("rows")); }
double cols(const Sizes& s) { return static_cast<double>(s.at("cols")); }
double bytes(const Sizes& s) { return 8.0 * rows(s) * cols(s) + 8.0 * cols(s); }  // x, y, gamma, beta
double flops(const Sizes& s) { return 8.0 * rows(s) * cols(s); }

constexpr double kU = 0x1p-24;  // unit roundoff of fp32
constexpr size_t kInputChunk = 1 << 16;
constexpr uint64_t kTagX = 0x6c61796e726d00ull, kTagRegime = 0x6c61796e726d01ull, kTagConst = 0x6c61796e726d02ull,
                   kTagGamma = 0x6c61796e726d03ull, kTagBeta = 0x6c61796e726d04ull;

uint64_t regime_offset(uint64_t seed) { return stream_of(seed, kTagRegime) % 4; }

}  // namespace

// ---- the error bound ----------------------------------------------------------------------
//
// Per row of n values: mean mu, d_j = x_j - mu, biased variance v = sum d^2 / n, s = sqrt(v + eps),
// z_j = d_j / s, y_j = gamma_j z_j + beta_j. A correct fp32 kernel may use two passes, Welford
// (sequential, or per thread and combined as Chan et al.), or one pass over x - K for a shift K
// taken from the row (x_0, say); sum in any order; use rsqrtf, 1/sqrtf or sqrtf and a divide;
// FMA or not. With u = 2^-24 and c = kLayerNormC = 5 (docs/grading.md's reduction form
// c u sqrt(n) (|S| + ||t||_2), the same c as softmax's):
//
// - the mean: a sum of n terms x_j, or x_j - K with K inside the row's values, then a divide or
//   a multiply by fl(1/n) (2u |mu|). Either way the terms and the partial sums per term are at
//   most |mu| + D, D = max_j |d_j|:
//     dmu = c u (sqrt(n) + 1) (|mu| + D) + 2u |mu|.
//   Its error shifts every d_j of the row alike: an absolute error dmu / s on every z_j. It is
//   inherent: on the 1e4-mean rows a sequential fp32 sum of 4096 values is off by ~0.02 / s in
//   z, and a shift by x_0 on the ordinary rows makes the sum's terms all of one sign.
// - the variance: a sum of n positive terms, c u sqrt(n) (v + ||d^2||_2 / n); with a mean off by
//   dmu, two passes add dmu^2 (sum (d - dmu)^2 = sum d^2 + n dmu^2), and Welford's running means
//   add a term linear in their errors, sum 2 d_j e_j / n with errors of random sign, about
//   2 dmu sqrt(v) / sqrt(n); the add of eps, u (v + eps):
//     dv = c u sqrt(n) (v + ||d^2||_2 / n) + 2 dmu sqrt(v) / sqrt(n) + dmu^2 + u (v + eps),
//   a relative error dv / (2 (v + eps)) in s. (The shifted one pass loses a factor
//   (v + (mu - K)^2) / v <= 4 on these inputs to cancellation: measured within the bound.)
// - the rest, relative to z_j gamma_j: d_j's rounding (u, or exact by Sterbenz), rsqrtf (2 ulp,
//   4u), the products by 1/s and by gamma (2u): 8u in all, rounded up; then the add of beta
//   (or an FMA): u |y_j|.
// So
//     bound_j = |gamma_j| (dmu / s + |z_j| (dv / (2 (v + eps)) + 8u)) + u |y_j|.
//
// Detection: the one-pass E[x^2] - E[x]^2 in fp32 on the 1e4-mean rows: E[x^2] ~ 1e8 carries
// an error of ~10 after any fp32 summation, v ~ 1/3: the result is garbage or NaN (K = 0 is
// far outside the row's values). The unbiased variance is off by 1/(2n) relative in z: 7% with
// 7 columns. Half precision rounds the output to 11 bits (relative up to 2^-11, 8192u) against
// a bound of ~c u sqrt(n) D / s on the ordinary rows; half inputs turn 1e4 + x into multiples
// of 8. eps in the wrong place (sqrt(v) + eps, or none) is 15% or more on the small-variance
// rows, and none gives 0/0 on the constant ones.
//
// The constant rows hold a multiple of 1/8 in [-2, 2]: any fp32 sum of up to 2^19 of them is
// exact, so a correct kernel gets mu exactly (with fl(1/n), within 2u) and y = beta.

void layer_norm_truth(std::span<const float> x, std::span<const float> gamma, std::span<const float> beta,
                      size_t rows, size_t cols, std::span<double> truth, std::span<double> bound) {
    if (rows == 0 || cols == 0) return;
    const double eps = kLayerNormEps, n = static_cast<double>(cols), sqrt_n = std::sqrt(n);
    parallel_chunks(rows, std::max<size_t>(1, (size_t{1} << 15) / cols), [&](size_t begin, size_t end, size_t) {
        for (size_t r = begin; r < end; ++r) {
            const float* xr = x.data() + r * cols;
            double* t = truth.data() + r * cols;
            double* b = bound.data() + r * cols;
            double sum = 0;
            for (size_t j = 0; j < cols; ++j) sum += xr[j];
            const double mu = sum / n;
            double var = 0, d4 = 0, max_dev = 0;
            for (size_t j = 0; j < cols; ++j) {
                const double d = xr[j] - mu;
                var += d * d;
                d4 += d * d * d * d;
                max_dev = std::max(max_dev, std::fabs(d));
            }
            var /= n;
            const double s = std::sqrt(var + eps);
            const double dmu = kLayerNormC * kU * (sqrt_n + 1) * (std::fabs(mu) + max_dev) + 2 * kU * std::fabs(mu);
            const double dv = kLayerNormC * kU * sqrt_n * (var + std::sqrt(d4) / n) + 2 * dmu * std::sqrt(var) / sqrt_n +
                              dmu * dmu + kU * (var + eps);
            const double rel = dv / (2 * (var + eps)) + 8 * kU;
            for (size_t j = 0; j < cols; ++j) {
                const double z = (xr[j] - mu) / s, g = gamma[j];
                const double y = g * z + beta[j];
                t[j] = y;
                b[j] = std::fabs(g) * (dmu / s + std::fabs(z) * rel) + kU * std::fabs(y);
            }
        }
    });
}

void make_layer_norm_inputs(uint64_t seed, size_t cols, std::span<float> x, std::span<float> gamma,
                            std::span<float> beta) {
    if (cols == 0) return;
    const uint64_t xs = stream_of(seed, kTagX), cs = stream_of(seed, kTagConst), offset = regime_offset(seed);
    parallel_chunks(x.size(), kInputChunk, [&](size_t begin, size_t end, size_t) {
        for (size_t i = begin; i < end; ++i) {
            const size_t r = i / cols;
            switch (static_cast<LayerNormRow>((r + offset) % 4)) {
                case LayerNormRow::kOrdinary: x[i] = uniform_at(xs, i, -2.f, 2.f); break;
                case LayerNormRow::kLargeMean: x[i] = 1e4f + uniform_at(xs, i, -1.f, 1.f); break;
                case LayerNormRow::kConstant:
                    x[i] = static_cast<float>(static_cast<int>(bits_at(cs, r) % 33) - 16) / 8.f;
                    break;
                case LayerNormRow::kSmallVariance: x[i] = uniform_at(xs, i, -0.005f, 0.005f); break;
            }
        }
    });
    const uint64_t gs = stream_of(seed, kTagGamma), bs = stream_of(seed, kTagBeta);
    for (size_t j = 0; j < cols; ++j) {
        gamma[j] = uniform_at(gs, j, 0.5f, 1.5f);
        beta[j] = uniform_at(bs, j, -1.f, 1.f);
    }
}

namespace {

// What each LayerNormRow is, and why a kernel fails on those rows alone (explain()); y is
// `constant_answer` on a constant row.
std::array<grade::Regime, 4> regimes(const std::string& constant_answer) {
    return {{
        {"the rows of values in [-2, 2)", ""},
        {"the rows with mean 1e4",
         "the variance lost to cancellation: E[x^2] - E[x]^2 subtracts two numbers near 1e8, whose fp32 "
         "spacing (8) dwarfs the variance (1/3); compute it as E[(x - mean)^2] (two passes, or Welford)"},
        {"the constant rows",
         "their variance is 0, so without eps the normalisation is 0 / 0 = NaN (the answer there is " +
             constant_answer + "): add eps to the variance under the square root, rsqrt(var + eps)"},
        {"the rows with variance ~1e-5",
         "eps (1e-5) weighs as much as the variance there: add it to the variance under the square root, "
         "rsqrt(var + eps), not to the standard deviation, and do not leave it out"},
    }};
}

class LayerNorm final : public RowNormExercise {
public:
    const Spec& spec() const override { return layer_norm_spec(); }
    void float_truth(const Sizes& s, std::vector<std::span<const float>> in, std::span<double> truth,
               std::span<double> bound) const override {
        layer_norm_truth(in[0], in[1], in[2], static_cast<size_t>(s.at("rows")), static_cast<size_t>(s.at("cols")),
                         truth, bound);
    }
    // Rows are independent and gamma, beta are per column: reversed rows of x give the reversed
    // truth, exactly. gamma and beta have cols floats, so they are reversed only when rows == 1,
    // and reversing the one row of a 1 x cols tensor leaves it as it is.
    TimedTransform timed_transform(const Sizes& s) const override {
        return {.kind = TimedTransform::kReverseRows, .row_length = static_cast<size_t>(s.at("cols"))};
    }
    std::string explain_output(const Sizes& s, uint64_t case_seed, std::span<const uint8_t> mask) const override {
        return explain_layer_norm_rows(static_cast<size_t>(s.at("rows")), static_cast<size_t>(s.at("cols")), case_seed,
                                       mask, "beta");
    }
};

}  // namespace

LayerNormRow layer_norm_row_regime(uint64_t seed, size_t row) {
    return static_cast<LayerNormRow>((row + regime_offset(seed)) % 4);
}

std::string explain_layer_norm_rows(size_t rows, size_t cols, uint64_t seed, std::span<const uint8_t> mismatch_mask,
                                    const std::string& constant_answer) {
    return explain_rows(rows, cols, mismatch_mask, [&](size_t r) { return layer_norm_row_regime(seed, r); },
                        regimes(constant_answer));
}

const Spec& layer_norm_spec() {
    static const Spec spec{
        .name = "layer-norm",
        .fields = {"rows", "cols"},
        .vendor = "cuDNN layer norm (graph API, NORM_FORWARD)",
        .bytes = bytes,
        .flops = flops,
        .example = {{"rows", 7}, {"cols", 130}},
        .sweep_fields = {"rows"},
        .sweep_factor = 4,
        .sweep_steps = 5,
    };
    return spec;
}

const FloatExercise& layer_norm_exercise() {
    static const LayerNorm ex;
    return ex;
}

KC_REGISTER_EXERCISE(layer_norm_exercise());

}  // namespace kc::exercises
