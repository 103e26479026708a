// conv2d kernels simulated on the host: each output from any fp32 dot product over its taps, in
// channel-major or filter-position-major order, reading the taps right or wrongly (a flipped
// filter, a replicated border); and Winograd's F(2x2, 3x3) and F(4x4, 3x3) in fp32.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include "exercises/conv2d/conv2d.h"
#include "support/tensor_case.h"

namespace kc::test::sim {

using exercises::conv2d_p;
using exercises::conv2d_q;

// The sizes of a conv2d case.
exercises::Sizes conv(long long n, long long c, long long h, long long w, long long k, long long r, long long s,
                      long long pad, long long stride);

// How a simulated kernel reads the input.
enum class Taps {
    kCorrect,    // cross-correlation, zero padding
    kFlipped,    // a true convolution: filter[r - 1 - fr][s - 1 - fs]
    kReplicate,  // the border replicated instead of zeros
};

// Every output element from `dot(inputs, weights)` over its taps, channel-major (c, r, s) or
// filter-position-major (r, s, c) as an implicit GEMM might order them.
template <class Dot>
std::vector<float> conv_with(const TensorCase& t, Dot dot, bool channel_major = true, Taps taps = Taps::kCorrect) {
    const auto& z = t.sizes;
    const long long N = z.at("n"), C = z.at("c"), H = z.at("h"), W = z.at("w"), K = z.at("k"), R = z.at("r"),
                    S = z.at("s"), pad = z.at("pad"), stride = z.at("stride"), P = conv2d_p(z), Q = conv2d_q(z);
    const auto& in = t.in[0];
    const auto& f = t.in[1];
    std::vector<float> out(static_cast<size_t>(N * K * P * Q));
    std::vector<float> xs, ws;
    for (long long n = 0; n < N; ++n)
        for (long long k = 0; k < K; ++k)
            for (long long p = 0; p < P; ++p)
                for (long long q = 0; q < Q; ++q) {
                    xs.clear();
                    ws.clear();
                    auto tap = [&](long long c, long long r, long long s) {
                        long long ih = p * stride + r - pad, iw = q * stride + s - pad;
                        if (taps == Taps::kReplicate) {
                            ih = std::clamp(ih, 0LL, H - 1);
                            iw = std::clamp(iw, 0LL, W - 1);
                        } else if (ih < 0 || ih >= H || iw < 0 || iw >= W) {
                            return;
                        }
                        const long long fr = taps == Taps::kFlipped ? R - 1 - r : r;
                        const long long fs = taps == Taps::kFlipped ? S - 1 - s : s;
                        xs.push_back(in[static_cast<size_t>(((n * C + c) * H + ih) * W + iw)]);
                        ws.push_back(f[static_cast<size_t>(((k * C + c) * R + fr) * S + fs)]);
                    };
                    if (channel_major) {
                        for (long long c = 0; c < C; ++c)
                            for (long long r = 0; r < R; ++r)
                                for (long long s = 0; s < S; ++s) tap(c, r, s);
                    } else {
                        for (long long r = 0; r < R; ++r)
                            for (long long s = 0; s < S; ++s)
                                for (long long c = 0; c < C; ++c) tap(c, r, s);
                    }
                    out[static_cast<size_t>(((n * K + k) * P + p) * Q + q)] = dot(xs, ws);
                }
    return out;
}

// Winograd F(m x m, 3 x 3) in fp32 (Lavin & Gray), as cuDNN's WINOGRAD algorithms may compute a
// 3x3, stride-1 convolution: per m x m output tile, with a = m + 2,
// M = sum over channels of (G g G^T) * (B^T d B) elementwise, then Y = A^T M A. Its error is
// not a dot product's: the transforms mix the whole a x a input tile into every output.
struct Winograd {
    int m;
    std::vector<float> bt, g, at;  // a x a, a x 3, m x a; row-major
};
const Winograd& winograd_f2();
const Winograd& winograd_f4();

// The output of Winograd's algorithm `wg` on the case (3x3 filters, stride 1).
std::vector<float> conv_winograd(const TensorCase& t, const Winograd& wg);

}  // namespace kc::test::sim
