// softmax: y[r][j] = exp(x[r][j] - max_r) / sum_j exp(x[r][j] - max_r), row-major rows x cols.
#include "exercises/softmax/softmax.h"

#include "exercises/registry.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "util/parallel.h"

namespace kc::exercises {

namespace {

double elems(const Sizes& s) { return static_cast<double>(s.at("rows")) * static_cast<double>(s.at("cols")); }
double bytes(const Sizes& s) { return 8.0 * elems(s); }   // read x, write y
double flops(const Sizes& s) { return 5.0 * elems(s); }   // max, subtract, exp, add, divide

constexpr double kU = 0x1p-24;           // unit roundoff of fp32
constexpr double kFlushFloor = 0x1p-124;  // 4 x the smallest normal fp32
constexpr size_t kInputChunk = 1 << 16;
constexpr uint64_t kTagX = 0x736f66746d617800ull, kTagRegime = 0x736f66746d617801ull,
                   kTagTop = 0x736f66746d617802ull;

uint64_t regime_offset(uint64_t seed) { return stream_of(seed, kTagRegime) % kSoftmaxRegimes; }

// ---- the error bound ----------------------------------------------------------------------
//
// A correct fp32 kernel computes, in some order, M = max x (exact), d_j = x_j - M, e_j = exp(d_j),
// S = sum e_j, y_j = e_j / S. Writing u = 2^-24 (an ulp is at most 2u of its value), the
// relative errors are, to first order:
//  - d_j: one rounding, u |d_j| absolute, which exp turns into u |d_j| relative (0 where
//    Sterbenz makes it exact, as on the offset rows);
//  - exp: expf is within 2 ulp; __expf (-use_fast_math) within 2 + floor(1.173 |d|) ulp (CUDA
//    Math API); exp2f(d * log2e) within 2 ulp plus the roundings of log2e and of the product,
//    2u |d|. With d's own rounding, every one is within E(d) = u (4 + 3.35 |d|);
//  - the sum: the exps' errors, at most sum_j e_j E(d_j) / S = u (4 + 3.35 W), W = sum e_j |d_j| / S,
//    plus the additions': c u sqrt(n) (S + ||e||_2) / S, docs/grading.md's reduction form with
//    c = kSoftmaxC = 5 (a strictly sequential sum of 30 000 positive terms, where stagnation
//    makes the error grow faster than sqrt(n), needs c ~ 5: docs/grading.md);
//  - an online softmax (a running max; the sum rescaled by exp(m_old - m_new) when it grows,
//    per thread and again when threads combine) adds the rescalings' exp errors, each on the
//    part it rescales, which weighs e^(m_old - m_new) times the terms before it: a large
//    rescaling touches a negligible part. Measured with the documented worst __expf error on
//    every exp, all upwards, it stays below a third of the bound (docs/grading.md), so it
//    needs no term of its own;
//  - the divide: 2 ulp (__fdividef), or e * (1 / S): at most 4u.
// So rel_j = E(d_j) + sum's + 4u, and
//     bound_j = 2 * rel_j * y_j + 2^-124
// with a factor two of margin (as vector-add's bound has) for the second-order terms and the
// maxima adding up. 2^-124 is four times the flush to zero of -use_fast_math, __expf and
// __fdividef: an e_j or y_j below the smallest normal fp32, 2^-126, may come out as 0 (the wide
// rows have y down to e^-120), and a subnormal result has no relative accuracy anyway. It is far
// below every output that matters: the largest of a row is >= 1/n.
//
// Detection: half precision rounds y to 11 bits (relative 2^-12..2^-11, 4096..8192 u), flushes
// y below 2^-24 to 0, and rounds x to 11 bits (an absolute error of 2^-10 in d on [-4, 4),
// 2^-2 on the offset rows); with 4096 columns the bound is about 2 * 5 * 64 u = 640 u relative.
// Without the max shift the offset rows give inf / inf = NaN; the unnormalised e, a copy or
// zeros are off by far more.

// The bound's part shared by every element of a row, relative: the sum's and the divide's.
double row_relative(double n, double sum, double l2, double weighted_d) {
    const double adds = kSoftmaxC * kU * std::sqrt(n) * (1.0 + l2 / sum);
    const double exps = kU * (4.0 + 3.35 * weighted_d / sum);
    return adds + exps + 4.0 * kU;
}

void softmax_truth(std::span<const float> x, size_t rows, size_t cols, std::span<double> truth,
                   std::span<double> bound) {
    if (rows == 0 || cols == 0) return;
    parallel_chunks(rows, std::max<size_t>(1, (size_t{1} << 15) / cols), [&](size_t begin, size_t end, size_t) {
        for (size_t r = begin; r < end; ++r) {
            const float* xr = x.data() + r * cols;
            double* t = truth.data() + r * cols;
            double* b = bound.data() + r * cols;
            const double m = *std::max_element(xr, xr + cols);
            double sum = 0, sq = 0, wd = 0;
            for (size_t j = 0; j < cols; ++j) {
                const double d = xr[j] - m;  // exact: both are floats
                const double e = std::exp(d);
                t[j] = e;
                sum += e;
                sq += e * e;
                wd += e * -d;
            }
            const double shared = row_relative(static_cast<double>(cols), sum, std::sqrt(sq), wd);
            for (size_t j = 0; j < cols; ++j) {
                const double y = t[j] / sum;
                const double own = kU * (4.0 + 3.35 * (m - xr[j]));
                t[j] = y;
                b[j] = 2.0 * (own + shared) * y + kFlushFloor;
            }
        }
    });
}

// What each SoftmaxRow is, and why a kernel fails on those rows alone (explain()).
const std::array<grade::Regime, kSoftmaxRegimes>& regimes() {
    static const std::array<grade::Regime, kSoftmaxRegimes> r = {{
        {"the rows of values in [-4, 4)", ""},
        {"the rows offset by 1000",
         "exp(x) overflows to inf above 88.7, so without the max shift they are inf / inf = NaN: subtract the "
         "row's max before exp (their max also stands in the first and last columns: a max or a sum that "
         "misses an end column shows here too)"},
        {"the rows of values in [-60, 60)",
         "their outputs run from 1 down to e^-120: an error that grows with |x - max| (exp in half precision, "
         "a rounded x - max) or a flush of outputs above 2^-126 to 0 shows there first; compute exp(x - max) "
         "in fp32 from the exact difference"},
        {"the rows of values near -1000",
         "exp(x) underflows to 0 below -103, so without the max shift (or with a max that starts at 0, not "
         "-inf) their sum is 0 and 0 / 0 = NaN: subtract the row's max, starting it at -inf"},
        {"the rows with one spike of 100",
         "exp(100) overflows to inf, so the max must include the spike: subtract the row's max before exp, "
         "and check that the max reduction combines every lane and warp"},
    }};
    return r;
}

class Softmax final : public FloatExercise {
public:
    const Spec& spec() const override { return softmax_spec(); }
    std::vector<TensorSpec> inputs(const Sizes& s) const override {
        return {{"x", elements_of({s.at("rows"), s.at("cols")})}};
    }
    TensorSpec output(const Sizes& s) const override { return {"y", elements_of({s.at("rows"), s.at("cols")})}; }
    std::vector<long long> output_shape(const Sizes& s) const override { return {s.at("rows"), s.at("cols")}; }
    std::vector<Scalar> scalars(const Sizes& s) const override {
        return {Scalar::of(static_cast<int>(s.at("rows")), "rows"), Scalar::of(static_cast<int>(s.at("cols")), "cols")};
    }
    void make_float_inputs(uint64_t seed, const Sizes& s, std::vector<std::span<float>> in) const override {
        const auto cols = static_cast<size_t>(s.at("cols"));
        const uint64_t xs = stream_of(seed, kTagX), top = stream_of(seed, kTagTop), offset = regime_offset(seed);
        std::span<float> x = in[0];
        if (cols == 0) return;
        parallel_chunks(x.size(), kInputChunk, [&](size_t begin, size_t end, size_t) {
            for (size_t i = begin; i < end; ++i) {
                const size_t r = i / cols, j = i % cols;
                switch (static_cast<SoftmaxRow>((r + offset) % kSoftmaxRegimes)) {
                    case SoftmaxRow::kOrdinary: x[i] = uniform_at(xs, i, -4.f, 4.f); break;
                    case SoftmaxRow::kOffset:
                        x[i] = j == 0 || j == cols - 1 || j % 61 == 17
                                   ? 1004.f + static_cast<float>(bits_at(top, r) >> 56) / 256.f  // exact
                                   : 1000.f + uniform_at(xs, i, -4.f, 4.f);
                        break;
                    case SoftmaxRow::kWide: x[i] = uniform_at(xs, i, -60.f, 60.f); break;
                    case SoftmaxRow::kNegative: x[i] = -1000.f + uniform_at(xs, i, -4.f, 4.f); break;
                    case SoftmaxRow::kSpike:
                        x[i] = j == bits_at(top, r) % cols ? 100.f : uniform_at(xs, i, -4.f, 4.f);
                        break;
                }
            }
        });
    }
    void float_truth(const Sizes& s, std::vector<std::span<const float>> in, std::span<double> truth,
               std::span<double> bound) const override {
        softmax_truth(in[0], static_cast<size_t>(s.at("rows")), static_cast<size_t>(s.at("cols")), truth, bound);
    }
    // Rows are independent: reversed rows give the reversed truth, exactly.
    TimedTransform timed_transform(const Sizes& s) const override {
        return {.kind = TimedTransform::kReverseRows, .row_length = static_cast<size_t>(s.at("cols"))};
    }
    std::string explain_output(const Sizes& s, uint64_t case_seed, std::span<const uint8_t> mask) const override {
        return explain_rows(static_cast<size_t>(s.at("rows")), static_cast<size_t>(s.at("cols")), mask,
                            [&](size_t r) { return softmax_row_regime(case_seed, r); }, regimes());
    }
};

}  // namespace

SoftmaxRow softmax_row_regime(uint64_t seed, size_t row) {
    return static_cast<SoftmaxRow>((row + regime_offset(seed)) % kSoftmaxRegimes);
}

const Spec& softmax_spec() {
    static const Spec spec{
        .name = "softmax",
        .fields = {"rows", "cols"},
        .vendor = "cuDNN cudnnSoftmaxForward (accurate, instance mode)",
        .bytes = bytes,
        .flops = flops,
        .example = {{"rows", 7}, {"cols", 130}},
        .sweep_fields = {"rows"},
        .sweep_factor = 4,
        .sweep_steps = 5,
    };
    return spec;
}

const FloatExercise& softmax_exercise() {
    static const Softmax ex;
    return ex;
}

KC_REGISTER_EXERCISE(softmax_exercise());

}  // namespace kc::exercises
