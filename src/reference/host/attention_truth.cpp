#include "reference/host/attention_truth.h"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "util/parallel.h"

namespace kc::reference {

// ---- the error bound ----------------------------------------------------------------------
//
// For one query row with n visible keys (all of them, or keys 0..i under the causal mask):
// scores s_j = scale q.k_j, m = max s_j, p_j = exp(s_j - m) / l with l = sum exp(s_j - m),
// O = sum p_j v_j, stats = m + log l. A flash-attention kernel computes the scores with fp32
// accumulation on tensor cores, the softmax in fp32 online (a running max, the accumulator and
// l rescaled when it rises), rounds the unnormalised p to the input type for the second matrix
// product, accumulates that in fp32 and divides by l at the end. With u = 2^-24, u_io the unit
// roundoff of the input type (2^-8 bf16, 2^-11 fp16):
//
// - a score: the dot product of d bf16 / fp16 pairs (products exact) with tensor-core
//   accumulation, as host/gemm_truth.cpp derives: 4u (d + 1) scale sum_c |q_c k_c|; the scale
//   (and a log2(e) factor where exp2 is used) and the subtraction of the max round once each,
//   4u (|s_j| + |m|) covers them:
//       ds_j = 4u (d + 1) scale sum_c |q_c k_jc| + 4u (|s_j| + |m|),   D = max_j ds_j.
// - the exponentials: ex2.approx.f32 errs by at most 2 ulp: E = 2^-21 relative.
// - the softmax moves O by sum_j p_j eps_j (v_j - O) for relative changes eps_j of the
//   exponentials, so the score and exp errors give at most (D + E) sum_j p_j |v_jc - O_c|.
// - p rounded to the input type: u_io relative each, u_io sum_j p_j (|v_jc| + |O_c|) whether l
//   sums the rounded p or not; fp16 has no exponent range to spare, so a p below 2^-14 is
//   subnormal and errs by up to 2^-25 absolutely: subnormal_half_spacing sum_j |v_jc|.
// - the second product, accumulated in fp32 on tensor cores: 4u (n + 1) sum_j p_j |v_jc|; the
//   rescaling at most once per key (the running max can rise at each), by an exp with error E
//   and a product, for the accumulator and l alike: n (E + 3u) (sum_j p_j |v_jc| + |O_c|); the
//   final division by l: 2u |O_c|.
// - the store in the input type: u_io (|O_c| + the rest).
// The statistics: log sum exp is 1-Lipschitz in the scores (the max cancels), so the scores
// give at most D; the exps E, the sum of n positive terms n u, the rescalings n (E + 3u), the
// log (lg2.approx.f32, absolute error about 2^-22, and the ln 2 factor) 2^-21 + 2u |log l|,
// the final add of m 2u |stats|.
//
// Worst cases, as in host/gemm_truth.cpp; a wrong scale, a wrong mask, keys or values of
// another head or a transposed layout all move O by a sizeable fraction of |v|, far outside.

double subnormal_half_spacing(DType t) {
    switch (t) {
        case DType::kFp16: return 0x1p-25;
        case DType::kBf16: return 0x1p-134;
        default: return 0x1p-150;
    }
}

namespace {

constexpr double kU = 0x1p-24;
constexpr double kExp = 0x1p-21;

struct Row {
    const float* q;  // dim values
    const float* k;  // seq_kv x dim
    const float* v;  // seq_kv x dim
    double* o;       // dim values
    double* o_bound;
};

// One query row over its n visible keys; returns {stats, stats bound}.
std::pair<double, double> attend(const SdpaShape& s, const Row& r, int64_t n, std::vector<double>& score,
                                 std::vector<double>& ds) {
    const size_t dim = static_cast<size_t>(s.dim);
    const double scale = s.scale;
    double m = -INFINITY;
    for (int64_t j = 0; j < n; ++j) {
        double dot = 0, abs = 0;
        const float* kj = r.k + static_cast<size_t>(j) * dim;
        for (size_t c = 0; c < dim; ++c) {
            dot += static_cast<double>(r.q[c]) * kj[c];
            abs += std::fabs(static_cast<double>(r.q[c]) * kj[c]);
        }
        score[j] = scale * dot;
        ds[j] = 4 * kU * (static_cast<double>(dim) + 1) * scale * abs;
        m = std::max(m, score[j]);
    }
    double l = 0, big_d = 0;
    for (int64_t j = 0; j < n; ++j) {
        ds[j] += 4 * kU * (std::fabs(score[j]) + std::fabs(m));
        big_d = std::max(big_d, ds[j]);
        score[j] = std::exp(score[j] - m);  // now the unnormalised p
        l += score[j];
    }
    const double u_io = unit_roundoff(s.type), sub = subnormal_half_spacing(s.type);
    const double nn = static_cast<double>(n);
    for (size_t c = 0; c < dim; ++c) {
        double o = 0;
        for (int64_t j = 0; j < n; ++j) o += score[j] * r.v[static_cast<size_t>(j) * dim + c];
        o /= l;
        double pv = 0, pdev = 0, vabs = 0;
        for (int64_t j = 0; j < n; ++j) {
            const double vj = r.v[static_cast<size_t>(j) * dim + c], p = score[j] / l;
            pv += p * std::fabs(vj);
            pdev += p * std::fabs(vj - o);
            vabs += std::fabs(vj);
        }
        const double e = (big_d + kExp) * pdev + u_io * (pv + std::fabs(o)) + sub * vabs +
                         4 * kU * (nn + 1) * pv + nn * (kExp + 3 * kU) * (pv + std::fabs(o)) + 2 * kU * std::fabs(o);
        r.o[c] = o;
        r.o_bound[c] = e + u_io * (std::fabs(o) + e);
    }
    const double lse = m + std::log(l);
    const double lse_bound = big_d + kExp + nn * kU + nn * (kExp + 3 * kU) + 0x1p-21 + 2 * kU * std::log(l) +
                             2 * kU * std::fabs(lse);
    return {lse, lse_bound};
}

}  // namespace

AttentionTruth sdpa_truth(const SdpaShape& s, std::span<const float> q, std::span<const float> k,
                          std::span<const float> v) {
    const size_t heads = static_cast<size_t>(s.batch * s.heads), sq = static_cast<size_t>(s.seq_q),
                 skv = static_cast<size_t>(s.seq_kv), dim = static_cast<size_t>(s.dim);
    AttentionTruth t{{std::vector<double>(heads * sq * dim), std::vector<double>(heads * sq * dim)},
                     {std::vector<double>(heads * sq), std::vector<double>(heads * sq)}};
    parallel_chunks(heads * sq, 16, [&](size_t begin, size_t end, size_t) {
        std::vector<double> score(skv), ds(skv);
        for (size_t row = begin; row < end; ++row) {
            const size_t h = row / sq, i = row % sq;
            const Row r{q.data() + row * dim, k.data() + h * skv * dim, v.data() + h * skv * dim,
                        t.o.value.data() + row * dim, t.o.bound.data() + row * dim};
            // Top-left causal: query i sees keys 0..i (all of them when i >= seq_kv).
            const int64_t n = s.causal ? static_cast<int64_t>(std::min(i + 1, skv)) : static_cast<int64_t>(skv);
            std::tie(t.stats.value[row], t.stats.bound[row]) = attend(s, r, n, score, ds);
        }
    });
    return t;
}

}  // namespace kc::reference
