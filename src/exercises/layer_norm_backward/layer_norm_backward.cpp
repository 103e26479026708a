// layer-norm-backward: the gradients of y = (x - mean) rstd gamma + beta, row by row, from the
// statistics the forward pass saved (mean and rstd = 1 / sqrt(var + eps) per row, fp32, used as
// given). With xhat = (x - mean) rstd and g = dy gamma, per row of n = cols values:
//     dx[r][j]  = rstd (g_j - mean_k g_k - xhat_j mean_k g_k xhat_k)
//     dgamma[j] = sum over rows of dy[r][j] xhat[r][j]
//     dbeta[j]  = sum over rows of dy[r][j]
// in two kernels:
//     step 1 (dy, x, mean, rstd, gamma, dx, partial, rows, cols): dx, and the column sums of
//            dgamma and dbeta into `partial`, a scratch tensor the kernel file sizes
//            (constexpr long long partial_elements(Problem)), zeroed before every run of the plan;
//     step 2 (partial, dgamma, dbeta, rows, cols): dgamma and dbeta from it.
// So a two-pass design (per-block partial column sums, reduced by step 2) and an atomics design
// (atomicAdd into the zeroed partial, copied out by step 2) both fit. The truth and its bounds
// are reference/host/norm_truth.cpp's (the cuDNN frontend reference's own), valid for any
// summation order; tests/exercises/test_layer_norm_backward.cpp calibrates them.
#include "exercises/layer_norm_backward/layer_norm_backward.h"

#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/format.h>

#include "exercises/layer_norm/layer_norm.h"
#include "exercises/registry.h"
#include "reference/host/norm_truth.h"
#include "util/parallel.h"

namespace kc::exercises {

namespace {

double rows(const Sizes& s) { return static_cast<double>(s.at("rows")); }
double cols(const Sizes& s) { return static_cast<double>(s.at("cols")); }
// dy and x read, dx written; mean and rstd per row; gamma read, dgamma and dbeta written per
// column. `partial` is the kernel's own traffic, not the problem's minimum.
double bytes(const Sizes& s) { return 12.0 * rows(s) * cols(s) + 8.0 * rows(s) + 12.0 * cols(s); }
// About 10 per element: xhat 2, g and g xhat 2, the two row sums 2, dx 4 (the column sums'
// product and two adds make it 13). Far below the GPU's balance either way: memory-bound.
double flops(const Sizes& s) { return 10.0 * rows(s) * cols(s); }

constexpr size_t kInputChunk = 1 << 16;
constexpr uint64_t kTagX = 0x6c6e62776400ull, kTagRegime = 0x6c6e62776401ull, kTagDy = 0x6c6e62776402ull,
                   kTagDyScale = 0x6c6e62776403ull, kTagGamma = 0x6c6e62776404ull;

uint64_t regime_offset(uint64_t seed) { return stream_of(seed, kTagRegime) % 3; }

// x by its rows' regimes (layer_norm_backward.h).
void fill_x(uint64_t seed, size_t cols, std::span<float> x) {
    const uint64_t xs = stream_of(seed, kTagX), offset = regime_offset(seed);
    parallel_chunks(x.size(), kInputChunk, [&](size_t begin, size_t end, size_t) {
        for (size_t i = begin; i < end; ++i) {
            switch (static_cast<LnBackwardRow>((i / cols + offset) % 3)) {
                case LnBackwardRow::kOrdinary: x[i] = uniform_at(xs, i, -2.f, 2.f); break;
                case LnBackwardRow::kLargeMean: x[i] = 1e4f + uniform_at(xs, i, -1.f, 1.f); break;
                case LnBackwardRow::kSmallVariance: x[i] = uniform_at(xs, i, -0.002f, 0.002f); break;
            }
        }
    });
}

// dy: uniform in [-1, 1) times 2^k, k in [-6, 6] per element. Gradients of mixed magnitude, so
// the column sums mix large and small terms and a row's sums are led by a few; every value, and
// its half (the timed run's), is exact in fp32, far from the subnormals.
void fill_dy(uint64_t seed, std::span<float> dy) {
    const uint64_t ds = stream_of(seed, kTagDy), ks = stream_of(seed, kTagDyScale);
    parallel_chunks(dy.size(), kInputChunk, [&](size_t begin, size_t end, size_t) {
        for (size_t i = begin; i < end; ++i)
            dy[i] = std::ldexp(uniform_at(ds, i, -1.f, 1.f), static_cast<int>(bits_at(ks, i) % 13) - 6);
    });
}

// The statistics a forward pass saves: each row's mean and 1 / sqrt(var + eps) (biased
// variance, eps = layer-norm's kLayerNormEps), in float64 from the row, rounded once to fp32.
void saved_statistics(std::span<const float> x, size_t cols, std::span<float> mean, std::span<float> rstd) {
    const double n = static_cast<double>(cols);
    parallel_chunks(mean.size(), std::max<size_t>(1, kInputChunk / cols), [&](size_t begin, size_t end, size_t) {
        for (size_t r = begin; r < end; ++r) {
            const float* xr = x.data() + r * cols;
            double sum = 0, var = 0;
            for (size_t j = 0; j < cols; ++j) sum += xr[j];
            const double mu = sum / n;
            for (size_t j = 0; j < cols; ++j) var += (xr[j] - mu) * (xr[j] - mu);
            mean[r] = static_cast<float>(mu);
            rstd[r] = static_cast<float>(1 / std::sqrt(var / n + static_cast<double>(kLayerNormEps)));
        }
    });
}

void copy_bounded(const reference::Bounded& from, const Expected& to) {
    parallel_chunks(from.value.size(), kInputChunk, [&](size_t begin, size_t end, size_t) {
        std::copy(from.value.data() + begin, from.value.data() + end, to.truth.data() + begin);
        std::copy(from.bound.data() + begin, from.bound.data() + end, to.bound.data() + begin);
    });
}

// What each LnBackwardRow is, and why a kernel fails dx on those rows alone (explain()).
const std::array<grade::Regime, 3>& regimes() {
    static const std::array<grade::Regime, 3> r = {{
        {"the rows of values in [-2, 2)", ""},
        {"the rows with mean 1e4",
         "statistics recomputed in fp32 are lost there: E[x^2] - E[x]^2 subtracts two numbers near 1e8, whose "
         "fp32 spacing (8) dwarfs the variance (1/3); use the saved `mean` and `rstd` as given, and form "
         "xhat = (x - mean) * rstd"},
        {"the rows with rstd ~300",
         "eps (1e-5) outweighs the variance (~1e-6) there: use the saved `rstd`, which includes it, as given; an "
         "rstd recomputed without eps, or with eps added to the standard deviation, is about 3 times too large"},
    }};
    return r;
}

// dgamma's or dbeta's line when (nearly) every column is wrong: the term summed, or the way the
// rows' shares reach the second kernel. Nearly: a wrong sum lands within a column's bound by
// chance now and then (dgamma summing dy leaves 4 of a 64 x 1000 case's columns right). Not
// when every mismatch is never written, which the pattern says better.
std::string most_columns(const std::string& tensor, std::span<const uint8_t> mask) {
    const auto wrong = static_cast<size_t>(std::count_if(mask.begin(), mask.end(), [](uint8_t b) { return b != 0; }));
    const bool values = std::any_of(mask.begin(), mask.end(), [](uint8_t b) {
        return b != 0 && b != static_cast<uint8_t>(grade::Fault::kNeverWritten);
    });
    if (mask.empty() || 10 * wrong < 9 * mask.size() || !values) return {};
    const std::string term = tensor == "dgamma"
                                 ? "dy[r][j] * xhat[r][j] over every row r, with xhat = (x - mean) * rstd from the "
                                   "saved statistics (not dy alone, nor dy * x)"
                                 : "dy[r][j] over every row r";
    return fmt::format("{} of {} columns of `{}` are wrong: {}[j] sums {}; check that each row's share reaches "
                       "`partial` exactly once, and that the second kernel sums all of it",
                       wrong, mask.size(), tensor, tensor, term);
}

class LayerNormBackward final : public Exercise {
public:
    const Spec& spec() const override {
        static const Spec s{.name = "layer-norm-backward",
                            .fields = {"rows", "cols"},
                            .vendor = "cuDNN layer norm backward (graph API)",
                            .bytes = bytes,
                            .flops = flops,
                            .example = {{"rows", 7}, {"cols", 130}},
                            .sweep_fields = {"rows"},
                            .sweep_factor = 4,
                            .sweep_steps = 5};
        return s;
    }
    std::vector<TensorSpec> tensors(const Sizes& s) const override {
        const size_t m = elements_of({s.at("rows"), s.at("cols")}), r = elements_of({s.at("rows")}),
                     c = elements_of({s.at("cols")});
        return {{"dy", m},
                {"x", m},
                {"mean", r},
                {"rstd", r},
                {"gamma", c},
                {"dx", m, Role::kOut},
                {"dgamma", c, Role::kOut},
                {"dbeta", c, Role::kOut},
                {.name = "partial", .elements = 0, .role = Role::kScratch, .zeroed = true}};
    }
    std::vector<Scalar> scalars(const Sizes& s) const override {
        return {Scalar::of(static_cast<int>(s.at("rows")), "rows"), Scalar::of(static_cast<int>(s.at("cols")), "cols")};
    }
    std::vector<Step> plan(const Sizes&) const override {
        return {{{"dy", "x", "mean", "rstd", "gamma", "dx", "partial", "rows", "cols"}},
                {{"partial", "dgamma", "dbeta", "rows", "cols"}}};
    }
    std::vector<long long> shape(const Sizes& s, const std::string& tensor) const override {
        if (tensor == "dgamma" || tensor == "dbeta" || tensor == "gamma") return {s.at("cols")};
        return {s.at("rows"), s.at("cols")};
    }
    void make_inputs(uint64_t seed, const Sizes& s, std::span<const HostTensor> t) const override {
        const auto cols = static_cast<size_t>(s.at("cols"));
        fill_dy(seed, t[lnb::kDy].as<float>());
        fill_x(seed, cols, t[lnb::kX].as<float>());
        saved_statistics(t[lnb::kX].as<float>(), cols, t[lnb::kMean].as<float>(), t[lnb::kRstd].as<float>());
        fill_uniform(t[lnb::kGamma].as<float>(), stream_of(seed, kTagGamma), 0.5f, 1.5f);
    }
    void truth(const Sizes& s, std::span<const HostTensor> t, std::span<const Expected> out) const override {
        const reference::NormShape shape{s.at("rows"), s.at("cols"), reference::DType::kFp32};
        auto in = [&](size_t i) { return std::span<const float>(t[i].as<float>()); };
        const auto b = reference::layer_norm_backward_truth(shape, in(lnb::kDy), in(lnb::kX), in(lnb::kGamma),
                                                            in(lnb::kMean), in(lnb::kRstd));
        copy_bounded(b.dx, out[0]);
        copy_bounded(b.dgamma, out[1]);
        copy_bounded(b.dbeta, out[2]);
    }
    // Every output, its truth and its bound are linear in dy (norm_truth.cpp's bounds are sums
    // of terms each proportional to |dy| or to sums of it): halving dy (exact) halves them all,
    // exactly, while x, mean and rstd stay. Reversing rows would not do: mean and rstd (rows
    // floats each) are not laid out like dx, so they would keep their order while x's rows move.
    // (`input` counts the seeded tensors: dy is the first.)
    TimedTransform timed_transform(const Sizes&) const override {
        return {.kind = TimedTransform::kHalveInput, .input = lnb::kDy};
    }
    std::string explain(const Sizes& s, uint64_t case_seed, const std::string& tensor,
                        std::span<const uint8_t> mask) const override {
        if (tensor != "dx") return most_columns(tensor, mask);
        return explain_rows(static_cast<size_t>(s.at("rows")), static_cast<size_t>(s.at("cols")), mask,
                            [&](size_t r) { return layer_norm_backward_row_regime(case_seed, r); }, regimes());
    }
};

}  // namespace

LnBackwardRow layer_norm_backward_row_regime(uint64_t seed, size_t row) {
    return static_cast<LnBackwardRow>((row + regime_offset(seed)) % 3);
}

const Exercise& layer_norm_backward_exercise() { return instance<LayerNormBackward>(); }

KC_REGISTER_EXERCISE(layer_norm_backward_exercise());

}  // namespace kc::exercises
