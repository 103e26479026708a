// layer-norm-linear: D = LN(X) W with X (m x k, tokens x hidden) and W (k x n) in bf16, gamma and
// beta (k) in fp32, D (m x n) in bf16, all row-major. Per row of X, layer-norm's
// z = (x - mean) rstd gamma + beta, rstd = 1 / sqrt(var + eps) (biased variance, eps = 1e-5),
// computed in fp32; z rounded to bf16 (the tensor cores' operand, and what a bf16 layer norm
// stores); then the GEMM with fp32 accumulation, D rounded to bf16. The exercise of mastery/02's
// part (b): the normalisation is done as the GEMM loads its A operand, so z never goes to memory.
// A plan of two kernels:
//     step 1 ln_stats  (x, stats, m, k, eps): each row's mean and rstd into `stats`, a scratch
//                      tensor of 2 m floats (its layout is the kernel file's: mean[r] and
//                      rstd[r] at r and m + r, or interleaved), never checked;
//     step 2 ln_linear (x, stats, gamma, beta, w, d, m, n, k): D, normalising each tile of X as it
//                      loads it.
// The vendor is the unfused pair it replaces: cuDNN's layer norm (bf16 in and out) into a
// temporary z, then cuBLASLt's bf16 GEMM (vendor.cpp).
//
// Inputs: x by its rows' regimes (layer_norm_linear.h: layer-norm's four, in values bf16 can
// hold), gamma uniform in [0.5, 1.5) and beta in [-1, 1) as layer-norm's, W uniform in [-1, 1)
// rounded to bf16 as gemm-bf16's operands, each from its own stream of the case's seed.
#include "exercises/layer_norm_linear/layer_norm_linear.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "exercises/dtype.h"
#include "exercises/gemm_bf16/gemm_bf16.h"
#include "exercises/layer_norm/layer_norm.h"
#include "exercises/matrix_mul/matrix_mul.h"
#include "exercises/registry.h"
#include "reference/host/gemm_truth.h"
#include "util/parallel.h"

namespace kc::exercises {

// ---- the truth and the error bound ---------------------------------------------------------
//
// Per row of x (k values; x is bf16, exact in fp32 and float64), layer-norm's z_j in float64.
// A correct kernel computes it in fp32 as z'_j in any of the ways layer-norm admits (two passes,
// Welford, a shifted one-pass sum; any summation order; rsqrtf or a divide; the affine as an FMA,
// or folded into x a_j + b_j), so |z'_j - z_j| <= dz_j, layer-norm's own bound (layer_norm_truth;
// src/exercises/layer_norm/layer_norm.cpp derives it). It rounds z' to bf16 and sums the
// products bf16(z'_j) W_jc in fp32, then rounds D to bf16.
//
// The truth is that computation without its errors: D_rc = sum_j bf16(z_j) W_jc, z rounded to
// bf16 once, exactly, as the contract says. Three errors separate a correct kernel's D from it:
// - flips: bf16(z'_j) differs from bf16(z_j) only where a rounding boundary (the midpoint of two
//   bf16 values) lies within dz_j of z_j. Rounding is monotone, so bf16(z'_j) lies between
//   bf16(z_j - dz_j) and bf16(z_j + dz_j): it is off by at most f_j = bf16_flip(z_j, dz_j), one
//   bf16 step where the window holds a boundary and 0 where it holds none. At k = 1024 dz is ~2e-5
//   on the ordinary rows, where a step is ~4e-3: 3 values in 100 may flip; on the large-mean rows
//   the mean alone may be off by ~2e-3 in z, and 3 in 4 may. In D: sum_j f_j |W_jc|.
// - the fp32 accumulation of the k products, gemm-bf16's bound (reference/host/gemm_truth.cpp:
//   the tensor cores' truncating sums, or FMAs in any order): 4u (k + 1) sum_j |bf16(z'_j) W_jc|,
//   u = 2^-24, with |bf16(z'_j)| <= |bf16(z_j)| + f_j.
// - D's rounding to bf16: 2^-8 (|D| + e), bf16's unit roundoff (8 significant bits: half a step is
//   at most 2^-8 of the value, so 2^-9 would not do).
// So with e_rc = sum_j (4u (k + 1) (|bf16(z_j)| + f_j) + f_j) |W_jc|,
//     bound_rc = e_rc + 2^-8 (|D_rc| + e_rc),
// which is gemm_element_truth's bound (the GEMM's, as cuBLASLt's reference and gemm-bf16 use it)
// of a sum whose terms' magnitudes are m_j |W_jc|, m_j = |bf16(z_j)| + f_j (1 + 1 / (4u (k + 1))):
// one float64 product of m with |W| and one of bf16(z) with W (matrix-mul's blocked product) give
// the bound and the truth.
//
// Why not the truth of the exact z, with z's rounding in the bound (2^-8 sum_j |z_j W_jc|)? That
// term is the worst case of k independent roundings, about sqrt(k) times their typical sum, and
// at k = 1024 ten times the rest of the bound: a D accumulated in bf16 fails it by only 2 to 3, on
// 1% of the elements, where it fails this one by 17 to 200 on 40% of them
// (tests/exercises/test_layer_norm_linear.cpp measures both). Rounding z is part of the operation,
// like rounding D; a kernel's rounding of z is the truth's except where its fp32 error crosses a
// boundary, and the flips bound exactly that. The price: z must be rounded to bf16 (to nearest);
// a kernel that multiplies the unrounded fp32 z fails by 25 to 36 at small k.
//
// What the bound cannot catch: the one-pass variance E[x^2] - E[x]^2 in fp32 summed as a tree
// (a block reduction), at k = 1000 and more. On the large-mean rows its rstd is 12 to 43 times
// outside the bound layer-norm gives a correct kernel's, but a correct Welford kernel may be off in
// the mean by ~165u mean / sd in every z of the row, and in D that allowance is summed over k as a
// worst case (its flips could all point one way), which the one-pass kernel's coherent error (a
// scale of the row's normalised part, ~sqrt(k) in size) stays under: 0.5 to 0.6 of the bound.
// Summed in order over rows of 1000 values it fails by 12 or more; at k = 70 either order fails
// by 1.2 to 1.3 on a few elements. `stats` is scratch, so the statistics are not checked.

namespace {

constexpr uint64_t kTagX = 0x6c6e6c696e00ull, kTagRegime = 0x6c6e6c696e01ull, kTagMean = 0x6c6e6c696e02ull,
                   kTagConst = 0x6c6e6c696e03ull, kTagGamma = 0x6c6e6c696e04ull, kTagBeta = 0x6c6e6c696e05ull,
                   kTagW = 0x6c6e6c696e06ull;
constexpr size_t kChunk = 1 << 16;
constexpr size_t kTruthRows = 1024;  // rows of D per block of the truth: its float64 temporaries stay small

double d(const Sizes& s, const char* f) { return static_cast<double>(s.at(f)); }
size_t at(const Sizes& s, const char* f) { return static_cast<size_t>(s.at(f)); }

// X, W and D once each in bf16, gamma and beta in fp32. `stats` and X's second read (a kernel
// whose tile of rows does not hold whole rows reads them twice) are the kernels' own traffic.
double bytes(const Sizes& s) {
    return 2.0 * (d(s, "m") * d(s, "k") + d(s, "k") * d(s, "n") + d(s, "m") * d(s, "n")) + 8.0 * d(s, "k");
}
// The GEMM's 2 m n k and layer norm's 8 per element of X (layer-norm's count).
double flops(const Sizes& s) { return 2.0 * d(s, "m") * d(s, "n") * d(s, "k") + 8.0 * d(s, "m") * d(s, "k"); }

uint64_t regime_offset(uint64_t seed) { return stream_of(seed, kTagRegime) % 4; }

// x by its rows' regimes (layer_norm_linear.h), rounded to bf16.
void fill_x(uint64_t seed, size_t k, std::span<uint16_t> x) {
    const uint64_t xs = stream_of(seed, kTagX), ms = stream_of(seed, kTagMean), cs = stream_of(seed, kTagConst),
                   offset = regime_offset(seed);
    parallel_chunks(x.size(), kChunk, [&](size_t begin, size_t end, size_t) {
        for (size_t i = begin; i < end; ++i) {
            const size_t r = i / k;
            float v = 0;
            switch (static_cast<LnLinearRow>((r + offset) % 4)) {
                case LnLinearRow::kOrdinary: v = uniform_at(xs, i, -2.f, 2.f); break;
                case LnLinearRow::kLargeMean:
                    v = static_cast<float>(8 + bits_at(ms, r) % 57) + uniform_at(xs, i, -0.25f, 0.25f);
                    break;
                case LnLinearRow::kConstant:
                    v = static_cast<float>(static_cast<int>(bits_at(cs, r) % 33) - 16) / 8.f;
                    break;
                case LnLinearRow::kSmallVariance: v = uniform_at(xs, i, -0.005f, 0.005f); break;
            }
            x[i] = to_bf16(v);
        }
    });
}

// v as a float no smaller than v (a magnitude of the bound, rounded up).
float rounded_up(double v) {
    const float f = static_cast<float>(v);
    return static_cast<double>(f) < v ? std::nextafter(f, std::numeric_limits<float>::infinity()) : f;
}

// The A operand of the truth's two products for `rows` rows of x: bf16(z) and the magnitudes m
// (the comment above), from layer norm's truth z and bound dz of those rows.
void normalised_rows(std::span<const uint16_t> x, std::span<const float> gamma, std::span<const float> beta,
                     size_t rows, size_t k, std::vector<float>& zb, std::vector<float>& magnitude) {
    std::vector<double> z(rows * k), dz(rows * k);
    layer_norm_truth(widened_bf16(x), gamma, beta, rows, k, z, dz);
    const double per_flip = 1 + 1 / reference::bf16_accumulation_bound(static_cast<double>(k), 1);
    zb.resize(rows * k);
    magnitude.resize(rows * k);
    parallel_chunks(rows * k, kChunk, [&](size_t begin, size_t end, size_t) {
        for (size_t i = begin; i < end; ++i) {
            zb[i] = static_cast<float>(bf16_nearest(z[i]));  // exact: a bf16 value
            magnitude[i] = rounded_up(std::fabs(static_cast<double>(zb[i])) + bf16_flip(z[i], dz[i]) * per_flip);
        }
    });
}

// `rows` rows of D, from those rows of x: their truth and bound (rows x n each).
void truth_rows(const Sizes& s, std::span<const uint16_t> x, std::span<const float> gamma,
                std::span<const float> beta, std::span<const float> w, std::span<const float> w_abs, size_t rows,
                std::span<double> value, std::span<double> bound) {
    const size_t n = at(s, "n"), k = at(s, "k");
    std::vector<float> zb, magnitude;
    normalised_rows(x, gamma, beta, rows, k, zb, magnitude);
    std::vector<double> unused(rows * n);  // matrix-mul's own fp32 bound, not this one
    matrix_mul_truth(zb, w, rows, n, k, value, unused);
    matrix_mul_truth(magnitude, w_abs, rows, n, k, bound, unused);  // e / (4u (k + 1))
    const reference::GemmShape shape{s.at("m"), s.at("n"), s.at("k"), reference::DType::kBf16,
                                     reference::DType::kBf16, reference::Epilogue::kNone};
    parallel_chunks(rows * n, kChunk, [&](size_t begin, size_t end, size_t) {
        for (size_t e = begin; e < end; ++e) {
            const auto t = reference::gemm_element_truth(shape, value[e], bound[e], 0, nullptr);
            value[e] = t.value;
            bound[e] = t.bound;
        }
    });
}

// What each LnLinearRow is, and why a kernel fails on D's rows of that regime alone (explain()).
const std::array<grade::Regime, 4>& regimes() {
    static const std::array<grade::Regime, 4> r = {{
        {"the rows of x with values in [-2, 2)", ""},
        {"the rows of x with mean 8 to 64",
         "the variance lost to cancellation: E[x^2] - E[x]^2 subtracts two numbers up to 4096 whose fp32 "
         "roundings rival the variance there (~0.02); compute it as E[(x - mean)^2] in ln_stats (two passes over "
         "the row, or Welford)"},
        {"the constant rows of x",
         "their variance is 0, so without eps the normalisation is 0 / 0 = NaN (their z is beta): add eps to the "
         "variance under the square root, rsqrt(var + eps)"},
        {"the rows of x with variance ~1e-5",
         "eps (1e-5) weighs as much as the variance there: add it to the variance under the square root, "
         "rsqrt(var + eps), not to the standard deviation, and do not leave it out"},
    }};
    return r;
}

class LayerNormLinear final : public Exercise {
public:
    const Spec& spec() const override {
        static const Spec s{.name = "layer-norm-linear",
                            .fields = {"m", "n", "k"},
                            .vendor = "cuDNN layer norm (bf16 in and out) into a temporary, then cuBLASLt bf16 GEMM",
                            .bytes = bytes,
                            .flops = flops,
                            .example = {{"m", 67}, {"n", 129}, {"k", 80}},
                            .sweep_fields = {"m", "n", "k"},
                            .sweep_factor = 2,
                            .sweep_steps = 4,
                            .math = Math::kBf16};
        return s;
    }
    std::vector<TensorSpec> tensors(const Sizes& s) const override {
        const long long m = s.at("m"), n = s.at("n"), k = s.at("k");
        return {{"x", elements_of({m, k}), Role::kIn, DType::BF16},
                {"gamma", elements_of({k}), Role::kIn, DType::F32},
                {"beta", elements_of({k}), Role::kIn, DType::F32},
                {"w", elements_of({k, n}), Role::kIn, DType::BF16},
                {"d", elements_of({m, n}), Role::kOut, DType::BF16},
                {"stats", elements_of({2, m}), Role::kScratch, DType::F32}};
    }
    std::vector<Scalar> scalars(const Sizes& s) const override {
        return {Scalar::of(static_cast<int>(s.at("m")), "m"), Scalar::of(static_cast<int>(s.at("n")), "n"),
                Scalar::of(static_cast<int>(s.at("k")), "k"), Scalar::of(kLayerNormEps, "eps")};
    }
    std::vector<Step> plan(const Sizes&) const override {
        return {{{"x", "stats", "m", "k", "eps"}}, {{"x", "stats", "gamma", "beta", "w", "d", "m", "n", "k"}}};
    }
    std::vector<long long> shape(const Sizes& s, const std::string& tensor) const override {
        if (tensor == "gamma" || tensor == "beta") return {s.at("k")};
        if (tensor == "w") return {s.at("k"), s.at("n")};
        if (tensor == "x") return {s.at("m"), s.at("k")};
        if (tensor == "stats") return {2, s.at("m")};
        return {s.at("m"), s.at("n")};
    }
    void make_inputs(uint64_t seed, const Sizes& s, std::span<const HostTensor> t) const override {
        fill_x(seed, at(s, "k"), t[lnl::kX].as<uint16_t>());
        fill_uniform(t[lnl::kGamma].as<float>(), stream_of(seed, kTagGamma), 0.5f, 1.5f);
        fill_uniform(t[lnl::kBeta].as<float>(), stream_of(seed, kTagBeta), -1.f, 1.f);
        fill_bf16_uniform(t[lnl::kW].as<uint16_t>(), stream_of(seed, kTagW));
    }
    void truth(const Sizes& s, std::span<const HostTensor> t, std::span<const Expected> out) const override {
        const size_t m = at(s, "m"), n = at(s, "n"), k = at(s, "k");
        const auto x = t[lnl::kX].as<const uint16_t>(), w = t[lnl::kW].as<const uint16_t>();
        const auto gamma = t[lnl::kGamma].as<const float>(), beta = t[lnl::kBeta].as<const float>();
        const auto wf = widened_bf16(w), w_abs = widened_bf16(w, true);
        for (size_t r0 = 0; r0 < m; r0 += kTruthRows) {
            const size_t rows = std::min(kTruthRows, m - r0);
            truth_rows(s, x.subspan(r0 * k, rows * k), gamma, beta, wf, w_abs, rows,
                       out[0].truth.subspan(r0 * n, rows * n), out[0].bound.subspan(r0 * n, rows * n));
        }
    }
    // Drawn afresh: bf16 tensors are not halved or reversed on the GPU (the utility kernels move
    // fp32), and layer norm undoes a halving of x anyway.
    TimedTransform timed_transform(const Sizes&) const override { return {.kind = TimedTransform::kFreshInputs}; }
    // D's rows are x's: a mistake of the statistics shows on the rows of one regime.
    std::string explain(const Sizes& s, uint64_t case_seed, const std::string& tensor,
                        std::span<const uint8_t> mask) const override {
        if (tensor != "d") return {};
        return explain_rows(at(s, "m"), at(s, "n"), mask,
                            [&](size_t r) { return layer_norm_linear_row_regime(case_seed, r); }, regimes());
    }
};

}  // namespace

LnLinearRow layer_norm_linear_row_regime(uint64_t seed, size_t row) {
    return static_cast<LnLinearRow>((row + regime_offset(seed)) % 4);
}

double bf16_nearest(double z) {
    if (z == 0 || !std::isfinite(z)) return z;
    int e = 0;
    (void)std::frexp(z, &e);  // |z| in [2^(e-1), 2^e): bf16's step there is 2^(e-8)
    e = std::max(e, -125);    // below 2^-126 (subnormal) the step stays 2^-133
    return std::ldexp(std::nearbyint(std::ldexp(z, 8 - e)), e - 8);
}

double bf16_flip(double z, double dz) {
    const double r = bf16_nearest(z);
    return std::max(bf16_nearest(z + dz) - r, r - bf16_nearest(z - dz));
}

KC_REGISTER_EXERCISE(instance<LayerNormLinear>());

}  // namespace kc::exercises
