// layer-norm-backward's host side: its declarations (a plan of two kernels, a zeroed scratch the
// kernel file sizes), its row regimes and saved statistics, the timed run's halved dy, norm_truth's
// bounds against simulated fp32 kernels ("[calibration]" lines: correct ones in several orders
// and with FMA; wrong ones: a dropped term, gamma forgotten, dgamma of the wrong term, the
// variance recomputed as E[x^2] - E[x]^2), and the diagnosis of the wrong ones.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "exercises/layer_norm/layer_norm.h"
#include "exercises/layer_norm_backward/layer_norm_backward.h"
#include "grade/compare.h"
#include "support/exercise_check.h"
#include "support/explain_check.h"
#include "support/host_case.h"
#include "support/sim_float.h"
#include "support/sim_rows.h"

namespace kc::test::bounds {
namespace {

using exercises::LnBackwardRow;
using exercises::layer_norm_backward_exercise;
using exercises::layer_norm_backward_row_regime;
using sim::Order;
using sim::rc;
namespace lnb = exercises::lnb;

const exercises::Exercise& ex() { return layer_norm_backward_exercise(); }

// The cases the bounds are calibrated on: the module's small shapes with several seeds (so that
// the one row of 1 x 7 takes every regime), and 1024 x 4096 at full size.
const std::vector<std::pair<Sizes, uint64_t>>& cases() {
    static const std::vector<std::pair<Sizes, uint64_t>> c = [] {
        std::vector<std::pair<Sizes, uint64_t>> out;
        for (uint64_t seed = 1; seed <= 6; ++seed) out.push_back({rc(1, 1), seed});
        for (uint64_t seed = 1; seed <= 6; ++seed) out.push_back({rc(1, 7), seed});
        for (uint64_t seed = 1; seed <= 4; ++seed) out.push_back({rc(7, 130), seed});
        for (uint64_t seed = 1; seed <= 3; ++seed) out.push_back({rc(64, 1000), seed});
        for (uint64_t seed = 1; seed <= 2; ++seed) out.push_back({rc(1024, 4096), seed});
        return out;
    }();
    return c;
}

// A case's inputs as the kernels see them.
struct Inputs {
    size_t rows = 0, cols = 0;
    std::span<const float> dy, x, mean, rstd, gamma;
};
Inputs inputs_of(const HostCase& h, const Sizes& s) {
    auto in = [&](size_t i) { return std::span<const float>(h.seeded[i].as<const float>()); };
    return {static_cast<size_t>(s.at("rows")), static_cast<size_t>(s.at("cols")), in(lnb::kDy), in(lnb::kX),
            in(lnb::kMean), in(lnb::kRstd), in(lnb::kGamma)};
}

bool has_regime(const Sizes& s, uint64_t seed, LnBackwardRow regime) {
    for (long long i = 0; i < std::min(3LL, s.at("rows")); ++i)
        if (layer_norm_backward_row_regime(seed, static_cast<size_t>(i)) == regime) return true;
    return false;
}

// ---- simulated kernels ------------------------------------------------------------------

// How dx is formed from a = sum(g) / n and b = sum(g xhat) / n: rstd ((g - a) - xhat b);
// rstd fmaf(-xhat, b, g - a) with xhat = fmaf(x, rstd, -(mean rstd)); or rstd / n
// ((n g - sum g) - xhat sum g xhat) (the sums not divided first).
enum class DxForm { kPlain, kFma, kScaledSums };
// How the column sums of dgamma and dbeta are added: blocks of 32 rows in order, then the
// blocks in order (a two-pass design's partials); or each row's term added in a shuffled order
// of the rows, another per column (atomicAdd into a zeroed partial as blocks finish).
enum class Columns { kBlocks32, kShuffledRows };

struct Kernel {
    Order rows = Order::kSequential;  // the row reductions' order
    DxForm dx = DxForm::kPlain;
    Columns columns = Columns::kBlocks32;
    // The mistakes, one at a time:
    bool drop_mean_g = false;       // dx without the mean(dy gamma) term
    bool drop_mean_g_xhat = false;  // dx without the xhat mean(dy gamma xhat) term
    bool no_gamma = false;          // dx from dy where dy gamma belongs
    bool dgamma_of_dy = false;      // dgamma sums dy (dbeta's term)
    bool dgamma_of_x = false;       // dgamma sums dy x
    bool recompute_variance = false;  // mean and E[x^2] - E[x]^2 in fp32 (block reductions), not the saved ones
};

struct Grads {
    std::vector<float> dx, dgamma, dbeta;
};

// The statistics a kernel uses for row r: the saved ones, or recomputed in one fp32 pass.
std::pair<float, float> statistics(const Inputs& in, size_t r, const Kernel& k) {
    if (!k.recompute_variance) return {in.mean[r], in.rstd[r]};
    const float* xr = in.x.data() + r * in.cols;
    std::vector<float> v(xr, xr + in.cols), sq(in.cols);
    for (size_t j = 0; j < in.cols; ++j) sq[j] = xr[j] * xr[j];
    const float n = static_cast<float>(in.cols), mean = sim::sum(v, Order::kBlock) / n;
    return {mean, 1.f / std::sqrt(sim::sum(sq, Order::kBlock) / n - mean * mean + exercises::kLayerNormEps)};
}

// Row r of dx; the column terms of dgamma and dbeta go to tg and tb (rows x cols each).
void row_of(const Inputs& in, size_t r, const Kernel& k, Grads& out, std::vector<float>& tg, std::vector<float>& tb) {
    const size_t n = in.cols, at = r * n;
    const auto [mu, rs] = statistics(in, r, k);
    std::vector<float> xhat(n), g(n), gx(n);
    for (size_t j = 0; j < n; ++j) {
        const float x = in.x[at + j], dy = in.dy[at + j];
        xhat[j] = k.dx == DxForm::kFma ? std::fmaf(x, rs, -(mu * rs)) : (x - mu) * rs;
        g[j] = k.no_gamma ? dy : dy * in.gamma[j];
        gx[j] = g[j] * xhat[j];
        tb[at + j] = dy;
        tg[at + j] = k.dgamma_of_dy ? dy : k.dgamma_of_x ? dy * x : dy * xhat[j];
    }
    const float nf = static_cast<float>(n), sg = sim::sum(g, k.rows), sgx = sim::sum(gx, k.rows);
    const float a = k.drop_mean_g ? 0.f : sg / nf, b = k.drop_mean_g_xhat ? 0.f : sgx / nf;
    for (size_t j = 0; j < n; ++j) {
        float& d = out.dx[at + j];
        if (k.dx == DxForm::kFma) d = rs * std::fmaf(-xhat[j], b, g[j] - a);
        else if (k.dx == DxForm::kScaledSums) d = rs / nf * ((nf * g[j] - sg) - xhat[j] * sgx);
        else d = rs * ((g[j] - a) - xhat[j] * b);
    }
}

// The column sums of `t` (rows x cols) in the kernel's order.
std::vector<float> column_sums(const std::vector<float>& t, size_t rows, size_t cols, Columns order) {
    std::vector<float> out(cols, 0.f);
    std::vector<size_t> perm(rows);
    for (size_t j = 0; j < cols; ++j) {
        if (order == Columns::kShuffledRows) {
            std::iota(perm.begin(), perm.end(), size_t{0});
            exercises::Rng rng(0x5eed + j);  // Fisher-Yates: the same order on every machine
            for (size_t i = rows; i > 1; --i) std::swap(perm[i - 1], perm[rng.next() % i]);
            for (size_t i : perm) out[j] += t[i * cols + j];
            continue;
        }
        for (size_t b = 0; b < rows; b += 32) {
            float block = 0;
            for (size_t i = b; i < std::min(rows, b + 32); ++i) block += t[i * cols + j];
            out[j] += block;
        }
    }
    return out;
}

Grads run_kernel(const Inputs& in, const Kernel& k) {
    Grads out{std::vector<float>(in.rows * in.cols), {}, {}};
    std::vector<float> tg(in.rows * in.cols), tb(in.rows * in.cols);
    for (size_t r = 0; r < in.rows; ++r) row_of(in, r, k, out, tg, tb);
    out.dgamma = column_sums(tg, in.rows, in.cols, k.columns);
    out.dbeta = column_sums(tb, in.rows, in.cols, k.columns);
    return out;
}

// ---- the checks -------------------------------------------------------------------------

// Written tensor w (0 dx, 1 dgamma, 2 dbeta) of a host case, as Tally's case.
TensorCase output_case(const HostCase& h, const Sizes& s, uint64_t seed, size_t w) {
    TensorCase r;
    r.sizes = s;
    r.seed = seed;
    r.truth = h.truth[w];
    r.bound = h.bound[w];
    r.shape = ex().shape(s, w == 0 ? "dx" : w == 1 ? "dgamma" : "dbeta");
    return r;
}

struct Outputs {
    TensorCase dx, dgamma, dbeta;
};
Outputs outputs(const HostCase& h, const Sizes& s, uint64_t seed) {
    return {output_case(h, s, seed, 0), output_case(h, s, seed, 1), output_case(h, s, seed, 2)};
}

void all_correct(Tally& tally, const std::string& variant, const Outputs& o, const Grads& g) {
    tally.correct(variant + " dx", o.dx, g.dx);
    tally.correct(variant + " dgamma", o.dgamma, g.dgamma);
    tally.correct(variant + " dbeta", o.dbeta, g.dbeta);
}

TEST(ExerciseLayerNormBackward, CorrectKernelsStayWithinHalfTheBound) {
    Tally tally("ln-bwd");
    for (const auto& [s, seed] : cases()) {
        const HostCase h = host_case(ex(), s, seed);
        const Inputs in = inputs_of(h, s);
        const Outputs o = outputs(h, s, seed);
        all_correct(tally, "two-pass seq/blocks32", o, run_kernel(in, {}));
        all_correct(tally, "tree/shuffled-rows", o,
                    run_kernel(in, {.rows = Order::kTree, .columns = Columns::kShuffledRows}));
        all_correct(tally, "256-lanes/fma/shuffled", o,
                    run_kernel(in, {.rows = Order::kBlock, .dx = DxForm::kFma, .columns = Columns::kShuffledRows}));
        all_correct(tally, "seq/fma/blocks32", o, run_kernel(in, {.dx = DxForm::kFma}));
        all_correct(tally, "seq/scaled-sums/blocks32", o, run_kernel(in, {.dx = DxForm::kScaledSums}));
    }
}

TEST(ExerciseLayerNormBackward, WrongKernelsFailByAWideMargin) {
    Tally tally("ln-bwd");
    for (const auto& [s, seed] : cases()) {
        const HostCase h = host_case(ex(), s, seed);
        const Inputs in = inputs_of(h, s);
        const Outputs o = outputs(h, s, seed);
        // One column: xhat = 0 and dx = rstd (g - g) = 0 exactly, whatever b or gamma is. And
        // with mean 1e4 there, var = 0 and rstd ~316, so xhat's own rounding is +-0.75 (x rstd
        // ~3e6): dgamma = dy, or dx = rstd g, is within 2x of the bound (the docs' numbers).
        const double margin = in.cols > 1 ? 10 : 1;
        const std::string one = in.cols > 1 ? "" : " (1 col)";  // tallied apart
        if (in.cols > 1) {
            tally.wrong("no-mean(g xhat) dx", o.dx, run_kernel(in, {.drop_mean_g_xhat = true}).dx, margin);
            tally.wrong("no-gamma dx", o.dx, run_kernel(in, {.no_gamma = true}).dx, margin);
        }
        tally.wrong("no-mean(g) dx" + one, o.dx, run_kernel(in, {.drop_mean_g = true}).dx, margin);
        tally.wrong("dgamma-of-dy dgamma" + one, o.dgamma, run_kernel(in, {.dgamma_of_dy = true}).dgamma, margin);
        tally.wrong("dgamma-of-x dgamma" + one, o.dgamma, run_kernel(in, {.dgamma_of_x = true}).dgamma, margin);
        if (in.cols > 1 && has_regime(s, seed, LnBackwardRow::kLargeMean))
            tally.wrong("E[x^2]-E[x]^2 dx", o.dx, run_kernel(in, {.recompute_variance = true}).dx, margin);
    }
}

// ---- declarations, inputs and the timed run ---------------------------------------------

TEST(ExerciseLayerNormBackward, APlanOfTwoKernelsWithAZeroedScratchTheFileSizes) {
    const Sizes s = rc(7, 130);
    EXPECT_EQ(exercises::check_declarations(ex(), s), "");
    EXPECT_EQ(exercises::parameters(ex(), s, 0),
              "const float* dy, const float* x, const float* mean, const float* rstd, const float* gamma, float* dx, "
              "float* partial, int rows, int cols");
    EXPECT_EQ(exercises::parameters(ex(), s, 1), "float* partial, float* dgamma, float* dbeta, int rows, int cols");
    const auto t = ex().tensors(s);
    ASSERT_EQ(t.size(), 9u);
    EXPECT_EQ(t[lnb::kPartial].name, "partial");
    EXPECT_EQ(t[lnb::kPartial].role, exercises::Role::kScratch);
    EXPECT_EQ(t[lnb::kPartial].elements, 0u);  // partial_elements(Problem) of the kernel file
    EXPECT_TRUE(t[lnb::kPartial].zeroed);
    EXPECT_EQ(t[lnb::kDx].elements, 910u);
    EXPECT_EQ(t[lnb::kDgamma].elements, 130u);
    EXPECT_EQ(t[lnb::kMean].elements, 7u);
    EXPECT_EQ(ex().spec().vendor, "cuDNN layer norm backward (graph API)");
    EXPECT_EQ(ex().spec().bytes(s), 12.0 * 910 + 8 * 7 + 12 * 130);
}

TEST(ExerciseLayerNormBackward, EveryRegimeInThreeRowsWithTheStatisticsAForwardPassSaves) {
    for (uint64_t seed = 0; seed < 20; ++seed) {
        std::vector<bool> seen(3);
        for (size_t r = 0; r < 3; ++r) seen[static_cast<size_t>(layer_norm_backward_row_regime(seed, r))] = true;
        EXPECT_EQ(std::count(seen.begin(), seen.end(), true), 3) << seed;
    }
    std::vector<bool> one_row(3);  // the calibration's one-row cases meet every regime too
    for (uint64_t seed = 1; seed <= 6; ++seed) one_row[static_cast<size_t>(layer_norm_backward_row_regime(seed, 0))] = true;
    EXPECT_EQ(std::count(one_row.begin(), one_row.end(), true), 3);
    const Sizes s = rc(3, 1000);
    const HostCase h = host_case(ex(), s, 3);
    const Inputs in = inputs_of(h, s);
    for (size_t r = 0; r < 3; ++r) {
        const float* x = in.x.data() + r * 1000;
        long double mean = 0, var = 0;
        for (size_t j = 0; j < 1000; ++j) mean += x[j];
        mean /= 1000;
        for (size_t j = 0; j < 1000; ++j) var += (x[j] - mean) * (x[j] - mean);
        const long double rstd = 1 / std::sqrt(var / 1000 + static_cast<long double>(exercises::kLayerNormEps));
        EXPECT_LE(std::fabs(in.mean[r] - mean), sim::ulp(std::fabs(in.mean[r])) / 2 + 1e-30L) << r;
        EXPECT_LE(std::fabs(in.rstd[r] - rstd), sim::ulp(in.rstd[r]) / 2) << r;
        switch (layer_norm_backward_row_regime(3, r)) {
            case LnBackwardRow::kOrdinary: EXPECT_NEAR(in.rstd[r], 0.87, 0.05); break;
            case LnBackwardRow::kLargeMean: EXPECT_GT(in.mean[r], 9999.f); break;
            case LnBackwardRow::kSmallVariance: EXPECT_NEAR(in.rstd[r], 300, 15); break;
        }
    }
    const auto [lo, hi] = std::minmax_element(in.dy.begin(), in.dy.end(), [](float a, float b) {
        return std::fabs(a) < std::fabs(b);
    });
    EXPECT_GT(std::fabs(*hi) / std::fabs(*lo), 1024.f);  // mixed magnitudes
    for (float g : in.gamma) EXPECT_TRUE(g >= 0.5f && g < 1.5f);
}

TEST(ExerciseLayerNormBackward, TheTimedRunHalvesDyAndEveryOutputExactly) {
    const Sizes s = rc(9, 300);
    const auto t = ex().timed_transform(s);
    ASSERT_EQ(t.kind, exercises::TimedTransform::kHalveInput);
    const auto specs = ex().tensors(s);
    for (size_t i = 0; i < 5; ++i)
        EXPECT_EQ(exercises::input_transform(t, i, specs[i].elements, specs[lnb::kDx].elements),
                  i == lnb::kDy ? exercises::InputTransform::kHalve : exercises::InputTransform::kCopy);
    HostCase h = host_case(ex(), s, 5);
    const HostCase checked = h;
    for (float& v : h.seeded[lnb::kDy].as<float>()) v *= 0.5f;
    ex().truth(s, h.seeded, h.expected);
    for (size_t w = 0; w < 3; ++w)
        for (size_t i = 0; i < h.truth[w].size(); ++i) {
            ASSERT_EQ(h.truth[w][i], 0.5 * checked.truth[w][i]) << w << " " << i;
            ASSERT_EQ(h.bound[w][i], 0.5 * checked.bound[w][i]) << w << " " << i;
        }
}

// ---- the diagnosis of a wrong kernel ----------------------------------------------------

std::string diagnosis(const HostCase& h, const Sizes& s, uint64_t seed, size_t w, const std::vector<float>& got) {
    const std::string name = w == 0 ? "dx" : w == 1 ? "dgamma" : "dbeta";
    std::vector<uint8_t> mask;
    const auto shape = ex().shape(s, name);
    auto c = grade::compare(got, h.truth[w], h.bound[w], shape, &mask);
    EXPECT_TRUE(c.ok());
    if (!c.ok()) return {};
    EXPECT_FALSE(c->passed()) << name;
    return exercises::diagnose_case(ex(), s, seed, name, *c, mask, std::nullopt);
}

TEST(ExplainLayerNormBackward, RecomputedVarianceFailsOnlyTheLargeMeanRows) {
    for (const auto& [s, index] : {std::pair{rc(7, 130), size_t{2}}, std::pair{rc(64, 1000), size_t{3}}}) {
        const uint64_t seed = exercises::case_seed(explain::kRunSeed, index);
        const HostCase h = host_case(ex(), s, seed);
        const auto got = run_kernel(inputs_of(h, s), {.recompute_variance = true});
        const auto rows = static_cast<size_t>(s.at("rows"));
        EXPECT_EQ(diagnosis(h, s, seed, 0, got.dx),
                  "only the rows with mean 1e4 (" +
                      explain::rows_of(rows, LnBackwardRow::kLargeMean,
                                       [&](size_t i) { return layer_norm_backward_row_regime(seed, i); }) +
                      ") are wrong: statistics recomputed in fp32 are lost there: E[x^2] - E[x]^2 subtracts two "
                      "numbers near 1e8, whose fp32 spacing (8) dwarfs the variance (1/3); use the saved `mean` and "
                      "`rstd` as given, and form xhat = (x - mean) * rstd")
            << sizes_text(s);
    }
}

TEST(ExplainLayerNormBackward, NearlyEveryColumnWrongNamesTheSumAndItsPath) {
    const Sizes s = rc(64, 1000);
    const uint64_t seed = exercises::case_seed(explain::kRunSeed, 3);
    const HostCase h = host_case(ex(), s, seed);
    const Inputs in = inputs_of(h, s);
    // 4 of the 1000 columns land within their bound by chance: nearly every one is enough.
    EXPECT_EQ(diagnosis(h, s, seed, 1, run_kernel(in, {.dgamma_of_dy = true}).dgamma),
              "996 of 1000 columns of `dgamma` are wrong: dgamma[j] sums dy[r][j] * xhat[r][j] over every row r, with "
              "xhat = (x - mean) * rstd from the saved statistics (not dy alone, nor dy * x); check that each row's "
              "share reaches `partial` exactly once, and that the second kernel sums all of it");
    auto twice = run_kernel(in, {}).dbeta;  // each row's share added twice (a partial not zeroed)
    for (float& v : twice) v *= 2;
    EXPECT_EQ(diagnosis(h, s, seed, 2, twice),
              "1000 of 1000 columns of `dbeta` are wrong: dbeta[j] sums dy[r][j] over every row r; check that each "
              "row's share reaches `partial` exactly once, and that the second kernel sums all of it");
    // Nothing written: the pattern says it better.
    EXPECT_EQ(diagnosis(h, s, seed, 2, std::vector<float>(1000, grade::sentinel())),
              "nothing was written: is the store missing, or the grid empty?");
    // Half the columns wrong: no sum of the exercise's to blame.
    auto half = run_kernel(in, {}).dgamma;
    for (size_t j = 0; j < 500; ++j) half[j] = 0;
    EXPECT_EQ(diagnosis(h, s, seed, 1, half).find("columns of `dgamma`"), std::string::npos);
}

}  // namespace
}  // namespace kc::test::bounds
