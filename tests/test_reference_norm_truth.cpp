// reference/host/norm_truth.h: layer norm forward and backward and RMSNorm forward in float64,
// on known values and against finite differences (the backward), and their bounds against
// simulated fp32 kernels: within them in fp32 and bf16; the unbiased variance, a missing term
// of the backward, half precision, or RMSNorm over centred values fail. The worst ratios are
// printed ("[calibration]").
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "exercises/spec.h"
#include "reference/host/norm_truth.h"
#include "support/reference_check.h"

namespace kc::reference {
namespace {

using test::random_values;
using test::worst_of;

constexpr float kEps = 1e-5f;

// Rows of several regimes: an offset in [-3, 3] and a spread in [0.01, 2] per row.
std::vector<float> rows_of(const NormShape& s, uint64_t seed) {
    exercises::Rng rng(seed);
    std::vector<float> x(static_cast<size_t>(s.rows * s.cols));
    for (int64_t r = 0; r < s.rows; ++r) {
        const float offset = rng.uniform(-3, 3), spread = std::exp(rng.uniform(std::log(0.01f), std::log(2.0f)));
        for (int64_t j = 0; j < s.cols; ++j)
            x[static_cast<size_t>(r * s.cols + j)] = round_to(s.type, offset + spread * rng.uniform(-1, 1));
    }
    return x;
}

// Correct fp32 kernels stay within half their bound; a bf16 output spends up to all of it on
// its own rounding (2^-8 relative, the bound's last term, reached just above a power of two).
double max_ratio(DType type) { return type == DType::kFp32 ? 0.5 : 1.0; }

void print(const char* what, const NormShape& s, const char* part, const test::Worst& w) {
    std::printf("[calibration] %s %s %lldx%lld %s: %s\n", what, dtype_name(s.type), static_cast<long long>(s.rows),
                static_cast<long long>(s.cols), part, w.text().c_str());
}

struct Forward {
    std::vector<float> y, mean, inv_std;
};

// Two passes in fp32 (or `unbiased`, dividing by n - 1; or all in `arith`'s precision).
Forward layer_norm_fp32(const NormShape& s, const std::vector<float>& x, const std::vector<float>& g,
                        const std::vector<float>& b, bool unbiased = false, DType arith = DType::kFp32) {
    const size_t rows = s.rows, cols = s.cols;
    Forward f{std::vector<float>(rows * cols), std::vector<float>(rows), std::vector<float>(rows)};
    auto r_ = [&](float v) { return round_to(arith, v); };
    for (size_t r = 0; r < rows; ++r) {
        float sum = 0;
        for (size_t j = 0; j < cols; ++j) sum = r_(sum + x[r * cols + j]);
        const float mean = r_(sum / static_cast<float>(cols));
        float var = 0;
        for (size_t j = 0; j < cols; ++j) {
            const float d = r_(x[r * cols + j] - mean);
            var = r_(var + r_(d * d));
        }
        var = r_(var / static_cast<float>(unbiased ? cols - 1 : cols));
        const float rs = r_(1.0f / std::sqrt(var + kEps));
        for (size_t j = 0; j < cols; ++j)
            f.y[r * cols + j] = round_to(s.type, r_(r_(r_(x[r * cols + j] - mean) * rs) * g[j] + b[j]));
        f.mean[r] = mean;
        f.inv_std[r] = rs;
    }
    return f;
}

TEST(ReferenceNormTruth, LayerNormKnownRow) {
    const NormShape s{1, 4, DType::kFp32};
    const std::vector<float> x = {1, 2, 3, 4}, g = {1, 1, 2, 1}, b = {0, 0, 0, 1};
    const auto t = layer_norm_forward_truth(s, x, g, b, 0);
    const double sd = std::sqrt(1.25);
    EXPECT_DOUBLE_EQ(t.mean.value[0], 2.5);
    EXPECT_DOUBLE_EQ(t.inv_std.value[0], 1 / sd);
    EXPECT_DOUBLE_EQ(t.y.value[0], -1.5 / sd);
    EXPECT_DOUBLE_EQ(t.y.value[2], 2 * 0.5 / sd);
    EXPECT_DOUBLE_EQ(t.y.value[3], 1.5 / sd + 1);
}

TEST(ReferenceNormTruth, LayerNormForwardBoundsAnFp32Kernel) {
    for (DType type : {DType::kFp32, DType::kBf16}) {
        const NormShape s{64, 1000, type};
        const auto x = rows_of(s, 0x6c6e + static_cast<uint64_t>(type));
        const auto g = random_values(7, s.cols, 0.5f, 1.5f, DType::kFp32), b = random_values(8, s.cols, -1, 1, DType::kFp32);
        const auto t = layer_norm_forward_truth(s, x, g, b, kEps);
        const Forward f = layer_norm_fp32(s, x, g, b);
        const auto wy = worst_of(t.y, f.y), wm = worst_of(t.mean, f.mean), wr = worst_of(t.inv_std, f.inv_std);
        print("layer norm forward two-pass", s, "y", wy);
        print("layer norm forward two-pass", s, "mean", wm);
        print("layer norm forward two-pass", s, "inv_std", wr);
        EXPECT_LE(wy.ratio, max_ratio(type));
        EXPECT_LE(wm.ratio, 0.5);
        EXPECT_LE(wr.ratio, 0.5);
        const auto unbiased = worst_of(t.y, layer_norm_fp32(s, x, g, b, true).y);
        print("layer norm forward unbiased variance", s, "y", unbiased);
        EXPECT_GT(unbiased.ratio, 10.0);
        const DType half = type == DType::kFp32 ? DType::kFp16 : DType::kBf16;
        const auto narrow = worst_of(t.y, layer_norm_fp32(s, x, g, b, false, half).y);
        print("layer norm forward in half precision", s, "y", narrow);
        EXPECT_GT(narrow.ratio, 3.0);
    }
}

// Forward in double with exact statistics, for finite differences.
std::vector<double> layer_norm_double(size_t cols, const std::vector<double>& x, const std::vector<float>& g,
                                      const std::vector<float>& b) {
    double mu = 0, var = 0;
    for (double v : x) mu += v;
    mu /= static_cast<double>(cols);
    for (double v : x) var += (v - mu) * (v - mu);
    var /= static_cast<double>(cols);
    std::vector<double> y(cols);
    for (size_t j = 0; j < cols; ++j) y[j] = (x[j] - mu) / std::sqrt(var + kEps) * g[j] + b[j];
    return y;
}

TEST(ReferenceNormTruth, LayerNormBackwardMatchesFiniteDifferences) {
    const NormShape s{3, 9, DType::kFp32};
    const auto x = rows_of(s, 11);
    const auto g = random_values(12, s.cols, 0.5f, 1.5f, DType::kFp32), b = random_values(13, s.cols, -1, 1, DType::kFp32);
    const auto dy = random_values(14, s.rows * s.cols, -1, 1, DType::kFp32);
    const auto fwd = layer_norm_forward_truth(s, x, g, b, kEps);
    std::vector<float> mean(fwd.mean.value.begin(), fwd.mean.value.end()),
        inv_std(fwd.inv_std.value.begin(), fwd.inv_std.value.end());
    const auto t = layer_norm_backward_truth(s, dy, x, g, mean, inv_std);
    const size_t cols = s.cols;
    std::vector<double> dgamma(cols), dbeta(cols);
    for (size_t r = 0; r < static_cast<size_t>(s.rows); ++r) {
        std::vector<double> xr(x.begin() + r * cols, x.begin() + (r + 1) * cols);
        auto loss = [&](const std::vector<double>& xs) {
            const auto y = layer_norm_double(cols, xs, g, b);
            double l = 0;
            for (size_t j = 0; j < cols; ++j) l += dy[r * cols + j] * y[j];
            return l;
        };
        for (size_t j = 0; j < cols; ++j) {
            const double h = 1e-4 * std::max(1.0, std::fabs(xr[j]));
            auto up = xr, down = xr;
            up[j] += h;
            down[j] -= h;
            const double numeric = (loss(up) - loss(down)) / (2 * h);
            EXPECT_NEAR(t.dx.value[r * cols + j], numeric, 1e-5 * (1 + std::fabs(numeric))) << r << "," << j;
        }
        const auto y0 = layer_norm_double(cols, xr, std::vector<float>(cols, 1.0f), std::vector<float>(cols, 0.0f));
        for (size_t j = 0; j < cols; ++j) {
            dgamma[j] += dy[r * cols + j] * y0[j];
            dbeta[j] += dy[r * cols + j];
        }
    }
    for (size_t j = 0; j < cols; ++j) {
        EXPECT_NEAR(t.dgamma.value[j], dgamma[j], 1e-5 * (1 + std::fabs(dgamma[j])));
        EXPECT_NEAR(t.dbeta.value[j], dbeta[j], 1e-12);
    }
}

struct Backward {
    std::vector<float> dx, dgamma, dbeta;
};

Backward layer_norm_backward_fp32(const NormShape& s, const std::vector<float>& dy, const std::vector<float>& x,
                                  const std::vector<float>& g, const Forward& f, bool drop_projection = false) {
    const size_t rows = s.rows, cols = s.cols;
    Backward out{std::vector<float>(rows * cols), std::vector<float>(cols, 0), std::vector<float>(cols, 0)};
    std::vector<float> z(cols);
    for (size_t r = 0; r < rows; ++r) {
        float a = 0, bsum = 0;
        for (size_t j = 0; j < cols; ++j) {
            z[j] = (x[r * cols + j] - f.mean[r]) * f.inv_std[r];
            const float gj = dy[r * cols + j] * g[j];
            a += gj;
            bsum += gj * z[j];
            out.dgamma[j] += dy[r * cols + j] * z[j];
            out.dbeta[j] += dy[r * cols + j];
        }
        a /= static_cast<float>(cols);
        bsum /= static_cast<float>(cols);
        for (size_t j = 0; j < cols; ++j) {
            const float gj = dy[r * cols + j] * g[j];
            const float dx = f.inv_std[r] * (gj - a - (drop_projection ? 0.0f : z[j] * bsum));
            out.dx[r * cols + j] = round_to(s.type, dx);
        }
    }
    return out;
}

TEST(ReferenceNormTruth, LayerNormBackwardBoundsAnFp32Kernel) {
    for (DType type : {DType::kFp32, DType::kBf16}) {
        const NormShape s{300, 768, type};
        const auto x = rows_of(s, 0x646c6e + static_cast<uint64_t>(type));
        const auto g = random_values(21, s.cols, 0.5f, 1.5f, DType::kFp32), b = random_values(22, s.cols, -1, 1, DType::kFp32);
        const auto dy = random_values(23, s.rows * s.cols, -1, 1, type);
        const Forward f = layer_norm_fp32(NormShape{s.rows, s.cols, DType::kFp32}, x, g, b);
        const auto t = layer_norm_backward_truth(s, dy, x, g, f.mean, f.inv_std);
        const Backward k = layer_norm_backward_fp32(s, dy, x, g, f);
        const auto wdx = worst_of(t.dx, k.dx), wg = worst_of(t.dgamma, k.dgamma), wb = worst_of(t.dbeta, k.dbeta);
        print("layer norm backward fp32", s, "dx", wdx);
        print("layer norm backward fp32", s, "dgamma", wg);
        print("layer norm backward fp32", s, "dbeta", wb);
        EXPECT_LE(wdx.ratio, max_ratio(type));
        EXPECT_LE(wg.ratio, 0.5);
        EXPECT_LE(wb.ratio, 0.5);
        const auto wrong = worst_of(t.dx, layer_norm_backward_fp32(s, dy, x, g, f, true).dx);
        print("layer norm backward without the projection term", s, "dx", wrong);
        EXPECT_GT(wrong.ratio, 10.0);
    }
}

std::vector<float> rms_norm_fp32(const NormShape& s, const std::vector<float>& x, const std::vector<float>& g,
                                 std::vector<float>& inv, bool centred = false) {
    const size_t rows = s.rows, cols = s.cols;
    std::vector<float> y(rows * cols);
    inv.assign(rows, 0);
    for (size_t r = 0; r < rows; ++r) {
        float mean = 0;
        if (centred) {
            for (size_t j = 0; j < cols; ++j) mean += x[r * cols + j];
            mean /= static_cast<float>(cols);
        }
        float sq = 0;
        for (size_t j = 0; j < cols; ++j) sq += (x[r * cols + j] - mean) * (x[r * cols + j] - mean);
        const float rs = 1.0f / std::sqrt(sq / static_cast<float>(cols) + kEps);
        for (size_t j = 0; j < cols; ++j) y[r * cols + j] = round_to(s.type, x[r * cols + j] * rs * g[j]);
        inv[r] = rs;
    }
    return y;
}

TEST(ReferenceNormTruth, RmsNormKnownRowAndBounds) {
    const auto known = rms_norm_forward_truth(NormShape{1, 2, DType::kFp32}, std::vector<float>{3, 4},
                                              std::vector<float>{1, 2}, 0);
    EXPECT_DOUBLE_EQ(known.inv_rms.value[0], 1 / std::sqrt(12.5));
    EXPECT_DOUBLE_EQ(known.y.value[1], 8 / std::sqrt(12.5));
    for (DType type : {DType::kFp32, DType::kBf16}) {
        const NormShape s{64, 1000, type};
        const auto x = rows_of(s, 0x726d73 + static_cast<uint64_t>(type));
        const auto g = random_values(31, s.cols, 0.5f, 1.5f, DType::kFp32);
        const auto t = rms_norm_forward_truth(s, x, g, kEps);
        std::vector<float> inv;
        const auto y = rms_norm_fp32(s, x, g, inv);
        const auto wy = worst_of(t.y, y), wi = worst_of(t.inv_rms, inv);
        print("rms norm fp32", s, "y", wy);
        print("rms norm fp32", s, "inv_rms", wi);
        EXPECT_LE(wy.ratio, max_ratio(type));
        EXPECT_LE(wi.ratio, 0.5);
        std::vector<float> inv_centred;
        const auto wrong = worst_of(t.y, rms_norm_fp32(s, x, g, inv_centred, true));
        print("rms norm over centred values", s, "y", wrong);
        EXPECT_GT(wrong.ratio, 10.0);
        if (type == DType::kFp32) {  // the worst-case sum still leaves no room for a half output
            std::vector<float> half(y);
            for (auto& v : half) v = round_to(DType::kFp16, v);
            const auto narrow = worst_of(t.y, half);
            print("rms norm with a half output", s, "y", narrow);
            EXPECT_GT(narrow.ratio, 3.0);
        }
    }
}

}  // namespace
}  // namespace kc::reference
