#include "support/sim_conv2d.h"

namespace kc::test::sim {
namespace {

// out (rows x cols) = l (rows x inner) * r (inner x cols), fp32, skipping zero coefficients as
// an implementation's unrolled transform does.
void small_product(const float* l, const float* r, float* out, int rows, int inner, int cols) {
    for (int i = 0; i < rows; ++i)
        for (int j = 0; j < cols; ++j) {
            float acc = 0;
            for (int k = 0; k < inner; ++k)
                if (l[i * inner + k] != 0 && r[k * cols + j] != 0) acc += l[i * inner + k] * r[k * cols + j];
            out[i * cols + j] = acc;
        }
}
std::vector<float> transpose(const std::vector<float>& x, int rows, int cols) {
    std::vector<float> t(x.size());
    for (int i = 0; i < rows; ++i)
        for (int j = 0; j < cols; ++j) t[j * rows + i] = x[i * cols + j];
    return t;
}

}  // namespace

exercises::Sizes conv(long long n, long long c, long long h, long long w, long long k, long long r, long long s,
                      long long pad, long long stride) {
    return {{"n", n}, {"c", c}, {"h", h}, {"w", w}, {"k", k}, {"r", r}, {"s", s}, {"pad", pad}, {"stride", stride}};
}

const Winograd& winograd_f2() {
    static const Winograd w{2,
                            {1, 0, -1, 0, 0, 1, 1, 0, 0, -1, 1, 0, 0, 1, 0, -1},
                            {1, 0, 0, .5f, .5f, .5f, .5f, -.5f, .5f, 0, 0, 1},
                            {1, 1, 1, 0, 0, 1, -1, -1}};
    return w;
}
const Winograd& winograd_f4() {
    static const Winograd w{4,
                            {4, 0, -5, 0, 1, 0, 0, -4, -4, 1, 1, 0, 0, 4, -4, -1, 1, 0,
                             0, -2, -1, 2, 1, 0, 0, 2, -1, -2, 1, 0, 0, 4, 0, -5, 0, 1},
                            {1.f / 4, 0, 0, -1.f / 6, -1.f / 6, -1.f / 6, -1.f / 6, 1.f / 6, -1.f / 6,
                             1.f / 24, 1.f / 12, 1.f / 6, 1.f / 24, -1.f / 12, 1.f / 6, 0, 0, 1},
                            {1, 1, 1, 1, 1, 0, 0, 1, -1, 2, -2, 0, 0, 1, 1, 4, 4, 0, 0, 1, -1, 8, -8, 1}};
    return w;
}

std::vector<float> conv_winograd(const TensorCase& t, const Winograd& wg) {
    const auto& z = t.sizes;
    const long long N = z.at("n"), C = z.at("c"), H = z.at("h"), W = z.at("w"), K = z.at("k"), pad = z.at("pad"),
                    P = conv2d_p(z), Q = conv2d_q(z);
    const int m = wg.m, a = m + 2;
    const auto b = transpose(wg.bt, a, a), gt = transpose(wg.g, a, 3), am = transpose(wg.at, m, a);
    const auto& in = t.in[0];
    const auto& f = t.in[1];
    std::vector<float> u(static_cast<size_t>(K * C * a * a)), tmp(static_cast<size_t>(a * a));
    for (long long kc = 0; kc < K * C; ++kc) {  // U = G g G^T
        small_product(wg.g.data(), f.data() + kc * 9, tmp.data(), a, 3, 3);
        small_product(tmp.data(), gt.data(), u.data() + kc * a * a, a, 3, a);
    }
    std::vector<float> y(static_cast<size_t>(N * K * P * Q)), d(static_cast<size_t>(a * a)),
        v(static_cast<size_t>(a * a)), mm(static_cast<size_t>(a * a)), ym(static_cast<size_t>(m * m)),
        tmp2(static_cast<size_t>(m * a));
    for (long long n = 0; n < N; ++n)
        for (long long k = 0; k < K; ++k)
            for (long long p0 = 0; p0 < P; p0 += m)
                for (long long q0 = 0; q0 < Q; q0 += m) {
                    std::fill(mm.begin(), mm.end(), 0.f);
                    for (long long c = 0; c < C; ++c) {
                        for (int i = 0; i < a; ++i)
                            for (int j = 0; j < a; ++j) {
                                const long long ih = p0 + i - pad, iw = q0 + j - pad;
                                d[static_cast<size_t>(i * a + j)] =
                                    ih < 0 || ih >= H || iw < 0 || iw >= W
                                        ? 0.f
                                        : in[static_cast<size_t>(((n * C + c) * H + ih) * W + iw)];
                            }
                        small_product(wg.bt.data(), d.data(), tmp.data(), a, a, a);  // V = B^T d B
                        small_product(tmp.data(), b.data(), v.data(), a, a, a);
                        const float* uu = u.data() + (k * C + c) * a * a;
                        for (int e = 0; e < a * a; ++e) mm[static_cast<size_t>(e)] = std::fmaf(uu[e], v[static_cast<size_t>(e)], mm[static_cast<size_t>(e)]);
                    }
                    small_product(wg.at.data(), mm.data(), tmp2.data(), m, a, a);  // Y = A^T M A
                    small_product(tmp2.data(), am.data(), ym.data(), m, a, m);
                    for (int i = 0; i < m; ++i)
                        for (int j = 0; j < m; ++j)
                            if (p0 + i < P && q0 + j < Q)
                                y[static_cast<size_t>(((n * K + k) * P + p0 + i) * Q + q0 + j)] = ym[static_cast<size_t>(i * m + j)];
                }
    return y;
}

}  // namespace kc::test::sim
