#include "reference/host/norm_truth.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "util/parallel.h"

namespace kc::reference {

// ---- the error bounds ---------------------------------------------------------------------
//
// cuDNN's norm kernels compute in fp32 whatever x's type; its sums may take any order. With
// u = 2^-24, c = 5 and docs/grading.md's reduction form c u sqrt(n) (|S| + ||t||_2) (the form
// the fp32 layer-norm exercise's bound is built on, and which cuDNN's fp32 layer norm meets):
//
// Layer norm forward: exactly the layer-norm exercise's analysis (src/exercises/layer_norm/layer_norm.cpp),
// which covers two passes, Welford and shifted one-pass sums, rsqrtf or a divide:
//     dmu = c u (sqrt(n) + 1) (|mu| + D) + 2u |mu|                   (D = max |x_j - mu|)
//     dv  = c u sqrt(n) (v + ||d^2||_2 / n) + 2 dmu sqrt(v) / sqrt(n) + dmu^2 + u (v + eps)
//     y_j: |gamma_j| (dmu / s + |z_j| (dv / (2 (v + eps)) + 8u)) + u |y_j|
// and the statistics it writes: mean dmu; 1/s relative dv / (2 (v + eps)) + 4u (rsqrtf: 2 ulp).
// A bf16 y is then rounded once more: 2^-8 (|y_j| + e).
//
// Layer norm backward, from the saved mean and 1/s as given (the truth uses the same values):
// - z_j = (x_j - mu) r, by a subtraction and a product or by x_j r - mu r: 2u (|x_j| + |mu|) r;
// - g_j = dy_j gamma_j: u |g_j|;
// - dbeta_j, a sum over rows of exact values: c u sqrt(R) (|dbeta_j| + ||dy_.j||_2);
// - dgamma_j, over rows of t = dy z with errors u |t| + |dy| dz each (worst case, summed) plus
//   c u sqrt(R) (|dgamma_j| + ||t||_2);
// - a = mean g and b = mean g z over the row, each a sum with its terms' own errors (u |g|;
//   2u |g z| + |g| dz) summed in full, c u sqrt(n) (|S| + ||t||_2), and a divide: u;
// - dx_j = r (g_j - a - z_j b): r (dg_j + da + |z_j| db + |b| dz_j + dz_j db + 8u (|g_j| + |a| +
//   |z_j b|)) for the operands' errors and up to eight roundings in any arrangement, then u |dx_j|
//   for the product by r and, for bf16, 2^-8 (|dx_j| + e). Eight, not the four of the plain
//   form: with the sums not divided first, r / n ((n g_j - sum g) - z_j sum g z), takes six
//   (fl(r / n) and n g among them), and four let such a kernel reach 0.56 of the bound on
//   64 x 1000 (tests/exercises/test_layer_norm_backward.cpp). dz_j db, the product of two errors,
//   matters where z's own error is large: in one column of mean 1e4, var = 0 and r = 1/sqrt(eps)
//   ~ 316, so z = fmaf(x, r, -(mean r)) is 0 +- 0.2 (u |mean r|) where the truth's z is 0, and
//   with the kernel's b = g z, dx = -r g z^2 reaches 5 |g| where the answer is 0 (the same test).
//
// RMSNorm forward: ms = sum x^2 / n, a sum of n positive terms. Its worst case, (n - 1) u sum,
// not the sqrt(n) form: bf16 rows of nearly equal values square to a handful of 16-bit numbers
// whose running sums round the same way again and again, and a sequential fp32 sum of them
// reached 0.8 of the sqrt(n) bound at n = 1000 (tests/test_reference_norm_truth.cpp). With the
// squares' roundings (u each), the division or product by 1/n (2u) and the add of eps:
//     dms = (n + 2) u ms + u (ms + eps);
// r = 1/sqrt(ms + eps) errs by dms / (2 (ms + eps)) + 4u relative; y_j = x_j r gamma_j two
// products more: 2u; a bf16 y is rounded once more.

namespace {

constexpr double kU = 0x1p-24;
constexpr double kC = 5;  // docs/grading.md's c for fp32 reductions

// The final rounding of a value of type t with error e so far: 0 for fp32 (already counted as
// the last fp32 operation's u), u_t (|y| + e) for the narrower types.
double stored(DType t, double y, double e) {
    return t == DType::kFp32 ? e : e + unit_roundoff(t) * (std::fabs(y) + e);
}

Bounded sized(size_t n) { return {std::vector<double>(n), std::vector<double>(n)}; }

}  // namespace

LayerNormForwardTruth layer_norm_forward_truth(const NormShape& s, std::span<const float> x,
                                               std::span<const float> gamma, std::span<const float> beta, float eps) {
    const size_t rows = static_cast<size_t>(s.rows), cols = static_cast<size_t>(s.cols);
    LayerNormForwardTruth t{sized(rows * cols), sized(rows), sized(rows)};
    const double n = static_cast<double>(cols), sqrt_n = std::sqrt(n), e = eps;
    parallel_chunks(rows, std::max<size_t>(1, (size_t{1} << 15) / cols), [&](size_t begin, size_t end, size_t) {
        for (size_t r = begin; r < end; ++r) {
            const float* xr = x.data() + r * cols;
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
            const double sd = std::sqrt(var + e);
            const double dmu = kC * kU * (sqrt_n + 1) * (std::fabs(mu) + max_dev) + 2 * kU * std::fabs(mu);
            const double dv = kC * kU * sqrt_n * (var + std::sqrt(d4) / n) + 2 * dmu * std::sqrt(var) / sqrt_n +
                              dmu * dmu + kU * (var + e);
            const double rel = dv / (2 * (var + e));
            for (size_t j = 0; j < cols; ++j) {
                const double z = (xr[j] - mu) / sd, g = gamma[j];
                const double y = g * z + beta[j];
                const double err = std::fabs(g) * (dmu / sd + std::fabs(z) * (rel + 8 * kU)) + kU * std::fabs(y);
                t.y.value[r * cols + j] = y;
                t.y.bound[r * cols + j] = stored(s.type, y, err);
            }
            t.mean.value[r] = mu;
            t.mean.bound[r] = dmu;
            t.inv_std.value[r] = 1 / sd;
            t.inv_std.bound[r] = (rel + 4 * kU) / sd;
        }
    });
    return t;
}

namespace {

// dgamma and dbeta: sums over rows, each column's terms in row order (the z's and their errors
// given). A block of columns at a time, row by row, so that the reads are runs of the block's
// width: one column at a time strides the whole matrix, and took 3 of the 7.5 s of a 16384 x
// 4096 truth on 2 cores.
void column_grads(const NormShape& s, std::span<const float> dy, const std::vector<double>& z,
                  const std::vector<double>& dz, LayerNormBackwardTruth& t) {
    constexpr size_t kBlock = 64;
    const size_t rows = static_cast<size_t>(s.rows), cols = static_cast<size_t>(s.cols);
    const double sqrt_r = std::sqrt(static_cast<double>(rows));
    parallel_chunks(cols, kBlock, [&](size_t begin, size_t end, size_t) {
        std::array<double, kBlock> db{}, db2{}, dg{}, dg2{}, dg_err{};
        for (size_t r = 0; r < rows; ++r)
            for (size_t j = begin, k = 0; j < end; ++j, ++k) {
                const size_t i = r * cols + j;
                const double d = dy[i], tz = d * z[i];
                db[k] += d;
                db2[k] += d * d;
                dg[k] += tz;
                dg2[k] += tz * tz;
                dg_err[k] += kU * std::fabs(tz) + std::fabs(d) * dz[i];
            }
        for (size_t j = begin, k = 0; j < end; ++j, ++k) {
            t.dbeta.value[j] = db[k];
            t.dbeta.bound[j] = kC * kU * sqrt_r * (std::fabs(db[k]) + std::sqrt(db2[k]));
            t.dgamma.value[j] = dg[k];
            t.dgamma.bound[j] = dg_err[k] + kC * kU * sqrt_r * (std::fabs(dg[k]) + std::sqrt(dg2[k]));
        }
    });
}

}  // namespace

LayerNormBackwardTruth layer_norm_backward_truth(const NormShape& s, std::span<const float> dy,
                                                 std::span<const float> x, std::span<const float> gamma,
                                                 std::span<const float> mean, std::span<const float> inv_std) {
    const size_t rows = static_cast<size_t>(s.rows), cols = static_cast<size_t>(s.cols);
    LayerNormBackwardTruth t{sized(rows * cols), sized(cols), sized(cols)};
    std::vector<double> z(rows * cols), dz(rows * cols);
    const double n = static_cast<double>(cols), sqrt_n = std::sqrt(n);
    parallel_chunks(rows, std::max<size_t>(1, (size_t{1} << 15) / cols), [&](size_t begin, size_t end, size_t) {
        for (size_t r = begin; r < end; ++r) {
            const double mu = mean[r], rs = inv_std[r];
            double ga = 0, ga2 = 0, ga_err = 0, gb = 0, gb2 = 0, gb_err = 0;
            for (size_t j = 0; j < cols; ++j) {
                const size_t i = r * cols + j;
                z[i] = (x[i] - mu) * rs;
                dz[i] = 2 * kU * (std::fabs(x[i]) + std::fabs(mu)) * rs;
                const double g = static_cast<double>(dy[i]) * gamma[j], gz = g * z[i];
                ga += g;
                ga2 += g * g;
                ga_err += kU * std::fabs(g);
                gb += gz;
                gb2 += gz * gz;
                gb_err += 2 * kU * std::fabs(gz) + std::fabs(g) * dz[i];
            }
            const double a = ga / n, b = gb / n;
            const double da = (ga_err + kC * kU * sqrt_n * (std::fabs(ga) + std::sqrt(ga2))) / n + kU * std::fabs(a);
            const double db = (gb_err + kC * kU * sqrt_n * (std::fabs(gb) + std::sqrt(gb2))) / n + kU * std::fabs(b);
            for (size_t j = 0; j < cols; ++j) {
                const size_t i = r * cols + j;
                const double g = static_cast<double>(dy[i]) * gamma[j];
                const double dx = rs * (g - a - z[i] * b);
                const double err = rs * (kU * std::fabs(g) + da + std::fabs(z[i]) * db + std::fabs(b) * dz[i] +
                                         dz[i] * db + 8 * kU * (std::fabs(g) + std::fabs(a) + std::fabs(z[i] * b))) +
                                   kU * std::fabs(dx);
                t.dx.value[i] = dx;
                t.dx.bound[i] = stored(s.type, dx, err);
            }
        }
    });
    column_grads(s, dy, z, dz, t);
    return t;
}

RmsNormForwardTruth rms_norm_forward_truth(const NormShape& s, std::span<const float> x, std::span<const float> gamma,
                                           float eps) {
    const size_t rows = static_cast<size_t>(s.rows), cols = static_cast<size_t>(s.cols);
    RmsNormForwardTruth t{sized(rows * cols), sized(rows)};
    const double n = static_cast<double>(cols), e = eps;
    parallel_chunks(rows, std::max<size_t>(1, (size_t{1} << 15) / cols), [&](size_t begin, size_t end, size_t) {
        for (size_t r = begin; r < end; ++r) {
            const float* xr = x.data() + r * cols;
            double sq = 0;
            for (size_t j = 0; j < cols; ++j) sq += static_cast<double>(xr[j]) * xr[j];
            const double ms = sq / n;
            const double dms = (n + 2) * kU * ms + kU * (ms + e);
            const double inv = 1 / std::sqrt(ms + e), rel = dms / (2 * (ms + e)) + 4 * kU;
            for (size_t j = 0; j < cols; ++j) {
                const double y = xr[j] * inv * gamma[j];
                t.y.value[r * cols + j] = y;
                t.y.bound[r * cols + j] = stored(s.type, y, std::fabs(y) * (rel + 2 * kU));
            }
            t.inv_rms.value[r] = inv;
            t.inv_rms.bound[r] = inv * rel;
        }
    });
    return t;
}

}  // namespace kc::reference
