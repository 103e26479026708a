// reference/host/attention_truth.h: the float64 truth of SDPA forward on known cases (one key,
// uniform scores, the causal mask), and its bounds against a simulated flash-attention kernel
// (tiles of keys, online softmax in fp32, p rounded to the input type, fp32 accumulation):
// within them in bf16 and fp16, causal or not; a missing scale, a missing mask or another
// head's keys fail. The worst ratios are printed ("[calibration]").
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "reference/host/attention_truth.h"
#include "support/reference_check.h"

namespace kc::reference {
namespace {

using test::random_values;
using test::worst_of;

struct Tensors {
    std::vector<float> q, k, v;
};

Tensors make(const SdpaShape& s, uint64_t seed, float q_range) {
    const size_t bh = static_cast<size_t>(s.batch * s.heads);
    return {random_values(seed, bh * s.seq_q * s.dim, -q_range, q_range, s.type),
            random_values(seed + 1, bh * s.seq_kv * s.dim, -1, 1, s.type),
            random_values(seed + 2, bh * s.seq_kv * s.dim, -1, 1, s.type)};
}

// What can go wrong in a kernel, for the controls.
struct Flaws {
    bool no_scale = false;
    bool no_mask = false;
    bool head_zero_keys = false;  // every head reads head 0's keys and values
};

// A flash-attention forward in fp32: tiles of 16 keys, a running max, p rounded to the input
// type for the second product, O rounded to it at the end; stats = m + log l.
std::vector<float> flash(const SdpaShape& s, const Tensors& t, std::vector<float>& stats, Flaws f = {}) {
    const size_t bh = static_cast<size_t>(s.batch * s.heads), sq = s.seq_q, skv = s.seq_kv, d = s.dim;
    std::vector<float> o(bh * sq * d);
    stats.assign(bh * sq, 0);
    const float scale = f.no_scale ? 1.0f : s.scale;
    std::vector<float> acc(d);
    for (size_t h = 0; h < bh; ++h)
        for (size_t i = 0; i < sq; ++i) {
            const float* q = t.q.data() + (h * sq + i) * d;
            const size_t kh = f.head_zero_keys ? 0 : h;
            const size_t n = s.causal && !f.no_mask ? std::min(i + 1, skv) : skv;
            float m = -INFINITY, l = 0;
            std::fill(acc.begin(), acc.end(), 0.0f);
            for (size_t j0 = 0; j0 < n; j0 += 16) {
                const size_t j1 = std::min(n, j0 + 16);
                float sc[16], m_new = m;
                for (size_t j = j0; j < j1; ++j) {
                    const float* k = t.k.data() + (kh * skv + j) * d;
                    float dot = 0;
                    for (size_t c = 0; c < d; ++c) dot = std::fma(q[c], k[c], dot);
                    sc[j - j0] = dot * scale;
                    m_new = std::max(m_new, sc[j - j0]);
                }
                const float alpha = std::exp(m - m_new);
                l *= alpha;
                for (auto& a : acc) a *= alpha;
                for (size_t j = j0; j < j1; ++j) {
                    const float p = std::exp(sc[j - j0] - m_new);
                    l += p;
                    const float pr = round_to(s.type, p);
                    const float* v = t.v.data() + (kh * skv + j) * d;
                    for (size_t c = 0; c < d; ++c) acc[c] = std::fma(pr, v[c], acc[c]);
                }
                m = m_new;
            }
            for (size_t c = 0; c < d; ++c) o[(h * sq + i) * d + c] = round_to(s.type, acc[c] / l);
            stats[h * sq + i] = m + std::log(l);
        }
    return o;
}

std::pair<double, double> ratios(const SdpaShape& s, const Tensors& t, const char* what, Flaws f = {}) {
    std::vector<float> stats;
    const auto o = flash(s, t, stats, f);
    const auto truth = sdpa_truth(s, t.q, t.k, t.v);
    const auto wo = worst_of(truth.o, o), ws = worst_of(truth.stats, stats);
    std::printf("[calibration] sdpa %s %s b%lld h%lld %lldx%lld d%lld%s: O %s; stats %s\n", what, dtype_name(s.type),
                static_cast<long long>(s.batch), static_cast<long long>(s.heads), static_cast<long long>(s.seq_q),
                static_cast<long long>(s.seq_kv), static_cast<long long>(s.dim), s.causal ? " causal" : "",
                wo.text().c_str(), ws.text().c_str());
    return {wo.ratio, ws.ratio};
}

TEST(ReferenceAttentionTruth, OneKeyGivesItsValue) {
    const SdpaShape s{1, 2, 3, 1, 8, DType::kBf16, false, default_attention_scale(8)};
    const Tensors t = make(s, 1, 1);
    const auto truth = sdpa_truth(s, t.q, t.k, t.v);
    for (size_t h = 0; h < 2; ++h)
        for (size_t i = 0; i < 3; ++i) {
            double dot = 0;
            for (size_t c = 0; c < 8; ++c) {
                EXPECT_DOUBLE_EQ(truth.o.value[(h * 3 + i) * 8 + c], t.v[h * 8 + c]);
                dot += static_cast<double>(t.q[(h * 3 + i) * 8 + c]) * t.k[h * 8 + c];
            }
            EXPECT_NEAR(truth.stats.value[h * 3 + i], s.scale * dot, 1e-12);
        }
}

TEST(ReferenceAttentionTruth, UniformScoresAverageTheVisibleValues) {
    for (bool causal : {false, true}) {
        const SdpaShape s{1, 1, 5, 5, 8, DType::kFp16, causal, 0.5f};
        Tensors t = make(s, 2, 1);
        std::fill(t.q.begin(), t.q.end(), 0.0f);
        const auto truth = sdpa_truth(s, t.q, t.k, t.v);
        for (size_t i = 0; i < 5; ++i) {
            const size_t n = causal ? i + 1 : 5;
            EXPECT_NEAR(truth.stats.value[i], std::log(static_cast<double>(n)), 1e-12);
            for (size_t c = 0; c < 8; ++c) {
                double mean = 0;
                for (size_t j = 0; j < n; ++j) mean += t.v[j * 8 + c];
                EXPECT_NEAR(truth.o.value[i * 8 + c], mean / static_cast<double>(n), 1e-12);
            }
        }
    }
}

TEST(ReferenceAttentionTruth, FlashAttentionStaysWithinTheBound) {
    for (DType type : {DType::kBf16, DType::kFp16})
        for (bool causal : {false, true})
            for (float q_range : {1.0f, 4.0f}) {
                const SdpaShape s{2, 3, 77, 77, 64, type, causal, default_attention_scale(64)};
                const auto [o, st] = ratios(s, make(s, 0x73647061 + static_cast<uint64_t>(q_range), q_range), "flash");
                EXPECT_LE(o, 1.0);
                EXPECT_LE(st, 1.0);
            }
    const SdpaShape wide{1, 2, 50, 300, 128, DType::kBf16, false, default_attention_scale(128)};
    const auto [o, st] = ratios(wide, make(wide, 0x77696465, 2), "flash");
    EXPECT_LE(o, 1.0);
    EXPECT_LE(st, 1.0);
}

TEST(ReferenceAttentionTruth, WrongKernelsFail) {
    const SdpaShape s{2, 3, 77, 77, 64, DType::kBf16, true, default_attention_scale(64)};
    const Tensors t = make(s, 0x6261640a, 2);
    EXPECT_GT(ratios(s, t, "no scale", {.no_scale = true}).first, 10.0);
    EXPECT_GT(ratios(s, t, "no mask", {.no_mask = true}).first, 10.0);
    EXPECT_GT(ratios(s, t, "head 0's keys", {.head_zero_keys = true}).first, 10.0);
    EXPECT_GT(ratios(s, t, "no scale", {.no_scale = true}).second, 10.0);
}

TEST(ReferenceAttentionTruth, SubnormalSpacing) {
    EXPECT_EQ(subnormal_half_spacing(DType::kFp16), std::ldexp(1.0, -25));
    EXPECT_EQ(subnormal_half_spacing(DType::kBf16), std::ldexp(1.0, -134));
}

}  // namespace
}  // namespace kc::reference
