// layer-norm-gelu (mastery/02, fused operations): y = gelu_tanh(layer_norm(x)) in one pass, with
//     z[r][j] = (x[r][j] - mean_r) / sqrt(var_r + eps) * gamma[j] + beta[j]   (layer-norm's)
//     y[r][j] = 0.5 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3)))              (GELU, tanh form)
// fp32, row-major rows x cols, eps = 1e-5. The inputs, their row regimes, z's truth and z's
// bound are layer-norm's (layer_norm.h), so its hard rows (mean 1e4, constant, variance ~eps)
// are this exercise's too; the vendor is the unfused pair it replaces (vendor.cpp).
#include <algorithm>
#include <string>

#include <fmt/format.h>

#include "exercises/layer_norm/layer_norm.h"
#include "exercises/registry.h"
#include "reference/host/gemm_truth.h"
#include "util/parallel.h"

namespace kc::exercises {

namespace {

double rows(const Sizes& s) { return static_cast<double>(s.at("rows")); }
double cols(const Sizes& s) { return static_cast<double>(s.at("cols")); }
// x read and y written once, gamma and beta once: z never leaves the kernel.
double bytes(const Sizes& s) { return 8.0 * rows(s) * cols(s) + 8.0 * cols(s); }
double flops(const Sizes& s) { return 16.0 * rows(s) * cols(s); }  // layer norm's 8, the GELU's 8 (tanh as one)

constexpr double kU = 0x1p-24;  // unit roundoff of fp32

// ---- the error bound ----------------------------------------------------------------------
//
// A kernel computes z in fp32 (any of layer-norm's correct ways), within layer_norm_truth's
// bound dz of the truth, then the GELU of its z. So with u = 2^-24:
//
// - z's error through the GELU: |gelu(z + dz) - gelu(z)| <= kGeluMaxSlope |dz| (1.13, the
//   steepest slope, near z = 2.4; reference/host/gemm_truth.h).
// - the GELU's own fp32 evaluation, from the kernel's z. Absolute, in units of |z|, not relative
//   to y: for z < 0, 1 + tanh cancels (z = -3: y = -0.004) and tanh's absolute error becomes y's.
//   * the tanh form, 0.5 z (1 + tanhf(a)) with a = k (z + c z^3): z^3 (two roundings), times
//     fl(c) (two), plus z (one: both terms have z's sign), times fl(k) (two): a within 7u |a|;
//     other groupings (k z (1 + c z^2), k c precomputed, FMAs) round as often or less: 8u |a|.
//     tanh's slope turns that into sech^2(a) 8u |a| <= 0.448 x 8u = 3.6u (max of a sech^2 a);
//     tanhf is within 2 ulp (CUDA C++ Programming Guide, mathematical functions), 4u; 1 + t
//     rounds once, 2u; the product once more, u |y| (the half is exact):
//         0.5 |z| (3.6u + 4u + 2u) + u |y| <= 5.8u |z|   (|y| <= |z|).
//   * the sigmoid form, z / (1 + exp(-2a)), with expf (2 ulp) or __expf (2 + 1.173 |2a| ulp)
//     and a true divide or __fdividef (2 ulp): e = exp(-2a) is off by 16u |a| (2a's error) plus
//     its ulps, 4u + 20.7u |a| relative in all; sigma = 1 / (1 + e) moves by sigma (1 - sigma)
//     times that, at most u + 0.112 x 20.7u = 3.3u (sigma (1 - sigma) <= 1/4, and
//     |a| sigma (1 - sigma) <= 0.112, the same maximum); 1 + e and the divide add 5u, the
//     product u |y|:  |z| (3.3u + 5u) + u |y| <= 9.3u |z|. tanh built from exp is as close.
//   So 10u |z'| covers every form, with |z'| <= |z| + dz the kernel's z; twice that is the
//   bound's term, so a correct kernel stays within half of it:
//         bound = kGeluMaxSlope dz + 20u (|z| + dz).
//
// Not admitted: tanh.approx.f32 (__tanhf on sm_75 and newer, and what tanhf becomes under
// -use_fast_math; kernelcoach does not pass that flag). Its relative error is up to 2^-10.987
// (PTX ISA), 0.5 |z| 2^-10.987 = 2.4e-4 |z| in y: a bound that let it pass would let pass the
// erf GELU (within 1.8e-4 |z| of the tanh form, 4.7e-4 at z = -2.7) and y stored in half
// precision (2^-11 |y|), the precision shortcuts it is meant to catch. Against this bound
// both fail by a wide margin wherever dz is tight (docs/grading.md, "The fused layer norm of
// Track 4"). They pass where it is loose, and so does every wrong GELU: on the rows of mean 1e4
// dz is the mean's error over s = 0.58, 0.02 to 0.3 from 7 to 4096 columns, and with one column
// s = sqrt(eps). A case of such rows alone (1 x 1, or 1 x 7 of mean 1e4) cannot tell; every other
// case does, and a module's cases must all pass.
constexpr double kGeluEvalU = 10;  // the GELU's own evaluation error, in u |z|

void layer_norm_gelu_truth(std::span<const float> x, std::span<const float> gamma, std::span<const float> beta,
                           size_t rows, size_t cols, std::span<double> truth, std::span<double> bound) {
    layer_norm_truth(x, gamma, beta, rows, cols, truth, bound);  // z and dz
    parallel_chunks(truth.size(), 1 << 16, [&](size_t begin, size_t end, size_t) {
        for (size_t i = begin; i < end; ++i) {
            const double z = truth[i], dz = bound[i];
            truth[i] = reference::gelu_tanh(z);
            bound[i] = reference::kGeluMaxSlope * dz + 2 * kGeluEvalU * kU * (std::fabs(z) + dz);
        }
    });
}

// ---- explain(): the GELU's own mistakes --------------------------------------------------
//
// Layer norm's mistakes (its statistics, eps) move every z of a row: they make whole rows of a
// regime wrong, which explain_layer_norm_rows names. A GELU evaluated a little off (__tanhf, the
// erf form) is wrong wherever z's bound is tight and right where it is loose, so it shows first
// on the constant and small-variance rows, in a few of their elements, and naming those rows'
// regime would send the learner after eps. Two patterns tell it apart from the mask alone:
//   - one column: every row holds z = beta (x - mean is exactly 0 there, whatever the row), so
//     layer norm's mistakes make every row wrong (no eps: 0/0) or none; some rows right and some
//     wrong means the function of beta is off where the check is tight;
//   - wider rows: no wrong row has more than half its elements wrong.
constexpr const char* kGeluOff =
    "so the GELU is off where the check is tight: compute it in fp32 as 0.5 z (1 + tanhf(0.7978845608 (z + 0.044715 "
    "z^3))), with tanhf, not __tanhf (tanh.approx.f32, 2^-11 relative) and not the erf form";

std::string explain_gelu_pattern(size_t rows, size_t cols, std::span<const uint8_t> mask) {
    if (rows == 0 || cols == 0 || mask.size() != rows * cols) return {};
    size_t wrong_rows = 0, wrong = 0, worst = 0;
    for (size_t r = 0; r < rows; ++r) {
        size_t in_row = 0;
        for (size_t j = 0; j < cols; ++j) in_row += mask[r * cols + j] != 0;
        wrong_rows += in_row > 0;
        wrong += in_row;
        worst = std::max(worst, in_row);
    }
    if (wrong_rows == 0) return {};
    if (cols == 1) {
        if (wrong_rows == rows) return {};
        return fmt::format("{} of the {} rows are wrong, and with one column every row holds z = beta (x - mean is 0 "
                           "whatever the row): layer norm's statistics cannot make some of them wrong and not the "
                           "others, {}",
                           wrong_rows, rows, kGeluOff);
    }
    if (2 * worst > cols) return {};
    return fmt::format("the wrong elements are scattered in their rows ({} of the {} elements of the {} rows that have "
                       "any, at most {} in a row), never whole rows: a mistake in layer norm's mean, variance or eps "
                       "would move every z of a row, {}",
                       wrong, wrong_rows * cols, wrong_rows, worst, kGeluOff);
}

class LayerNormGelu final : public RowNormExercise {
public:
    const Spec& spec() const override {
        static const Spec s{
            .name = "layer-norm-gelu",
            .fields = {"rows", "cols"},
            .vendor = "cuDNN layer norm + a GELU pass (unfused)",
            .bytes = bytes,
            .flops = flops,
            .example = {{"rows", 7}, {"cols", 130}},
            .sweep_fields = {"rows"},
            .sweep_factor = 4,
            .sweep_steps = 5,
        };
        return s;
    }
    void float_truth(const Sizes& s, std::vector<std::span<const float>> in, std::span<double> truth,
                     std::span<double> bound) const override {
        layer_norm_gelu_truth(in[0], in[1], in[2], static_cast<size_t>(s.at("rows")),
                              static_cast<size_t>(s.at("cols")), truth, bound);
    }
    // As layer-norm's: rows are independent and gamma, beta are per column, and the GELU is
    // elementwise, so reversed rows of x give the reversed truth exactly (when rows == 1 the
    // harness "reverses" gamma and beta too: one row, the identity).
    TimedTransform timed_transform(const Sizes& s) const override {
        return {.kind = TimedTransform::kReverseRows, .row_length = static_cast<size_t>(s.at("cols"))};
    }
    // A GELU that is off shows as scattered elements (explain_gelu_pattern); layer norm's
    // mistakes as whole rows of a regime.
    std::string explain_output(const Sizes& s, uint64_t case_seed, std::span<const uint8_t> mask) const override {
        const size_t rows = static_cast<size_t>(s.at("rows")), cols = static_cast<size_t>(s.at("cols"));
        if (std::string gelu = explain_gelu_pattern(rows, cols, mask); !gelu.empty()) return gelu;
        return explain_layer_norm_rows(rows, cols, case_seed, mask, "gelu(beta)");
    }
};

}  // namespace

KC_REGISTER_EXERCISE(instance<LayerNormGelu>());

}  // namespace kc::exercises
