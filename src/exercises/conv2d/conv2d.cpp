// conv2d: a direct 2D convolution (cross-correlation, as in every deep-learning library),
// input NCHW, filter KCRS, output NKPQ with P = (H + 2 pad - R) / stride + 1 and likewise Q.
#include "exercises/conv2d/conv2d.h"

#include "exercises/registry.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "util/parallel.h"

namespace kc::exercises {

namespace {

double f(const Sizes& s, const char* name) { return static_cast<double>(s.at(name)); }
double bytes(const Sizes& s) {
    return 4.0 * (f(s, "n") * f(s, "c") * f(s, "h") * f(s, "w") + f(s, "k") * f(s, "c") * f(s, "r") * f(s, "s") +
                  f(s, "n") * f(s, "k") * static_cast<double>(conv2d_p(s)) * static_cast<double>(conv2d_q(s)));
}
double flops(const Sizes& s) {
    return 2.0 * f(s, "n") * f(s, "k") * static_cast<double>(conv2d_p(s)) * static_cast<double>(conv2d_q(s)) *
           f(s, "c") * f(s, "r") * f(s, "s");
}

// Output positions along one axis: (x + 2 pad - filter) / stride + 1, or 0 when none.
long long out_size(long long x, long long pad, long long filter, long long stride) {
    if (stride < 1 || x + 2 * pad < filter) return 0;
    return (x + 2 * pad - filter) / stride + 1;
}

constexpr double kU = 0x1p-24;  // unit roundoff of fp32
constexpr size_t kInputChunk = 1 << 16;

// ---- the error bound ----------------------------------------------------------------------
//
// An output element is a sum of T = c * (filter rows inside the input) * (filter columns
// inside the input) products t = input * filter; padding contributes exact zeros, which no
// summation order rounds, so T counts only the in-bounds terms. Whatever the order (direct
// loops, implicit GEMM with any tiling of c*r*s, split over channels; FMA or not), the
// rounding errors of the additions have random signs with random inputs and add up to about
// u * sqrt(T) * (|S| + ||t||_2) (docs/grading.md), ||t||_2 computed exactly in the same loop as S:
//     bound = kConvC u sqrt(T) (|S| + ||t||_2) + F,   kConvC = 5 (as matrix-mul's),
//     F = 0.5 kConvC u sqrt(c r s) rms over the (image, output channel) plane of (|S| + ||t||_2),
// a floor of half a typical element's bound. F is for Winograd F(2x2, 3x3), which cuDNN's
// WINOGRAD algorithm and some hand-written kernels use: its transforms mix the whole 4x4 input
// tile into every output, so an output with few in-bounds taps (a corner with pad 2 and one
// channel) gets the error of its neighbours' terms, up to 3.8 times the per-element term alone;
// with F it stays within a quarter of the bound. Larger Winograd tiles (F(4x4, 3x3): 3.7 times
// the bound with 64 channels, and not exactly 0 where every tap is padding) and FFT convolution
// are not covered: they would need a bound that half precision also meets.
//
// Halving the input halves every t, S, ||t||_2 and the plane's rms exactly, hence the bound
// (kHalveInput).

struct Geometry {
    long long n, c, h, w, k, r, s, pad, stride, p, q;
};

Geometry geometry(const Sizes& s) {
    return {s.at("n"), s.at("c"), s.at("h"), s.at("w"), s.at("k"), s.at("r"), s.at("s"), s.at("pad"),
            s.at("stride"), conv2d_p(s), conv2d_q(s)};
}

// The output positions [lo, hi] along one axis whose tap `tap` lands inside [0, size).
struct Range {
    long long lo, hi;  // empty when lo > hi
};
Range valid(long long out, long long size, long long tap, long long pad, long long stride) {
    // position o reads o * stride + tap - pad: in [0, size) iff o in [ceil((pad - tap) / stride),
    // floor((size - 1 + pad - tap) / stride)].
    const long long lo = pad - tap > 0 ? (pad - tap + stride - 1) / stride : 0;
    const long long top = size - 1 + pad - tap;
    const long long hi = top < 0 ? -1 : std::min(out - 1, top / stride);
    return {lo, hi};
}

// Truth and bound of the P x Q plane of image `in` and filter `k`: S and sum t^2 accumulated in
// float64 over (channel, r, s) in that order, a row of q at a time.
void plane(const Geometry& g, long long img, long long k, const float* input, const float* filter, double* out,
           double* bound, std::vector<double>& sq, std::vector<long long>& rows_in, std::vector<long long>& cols_in) {
    const long long P = g.p, Q = g.q;
    std::fill(out, out + P * Q, 0.0);
    sq.assign(static_cast<size_t>(P * Q), 0.0);
    rows_in.assign(static_cast<size_t>(P), 0);
    cols_in.assign(static_cast<size_t>(Q), 0);
    for (long long r = 0; r < g.r; ++r) {
        const Range pr = valid(P, g.h, r, g.pad, g.stride);
        for (long long p = pr.lo; p <= pr.hi; ++p) ++rows_in[p];
    }
    for (long long s = 0; s < g.s; ++s) {
        const Range qr = valid(Q, g.w, s, g.pad, g.stride);
        for (long long q = qr.lo; q <= qr.hi; ++q) ++cols_in[q];
    }
    for (long long c = 0; c < g.c; ++c) {
        const float* in_c = input + (img * g.c + c) * g.h * g.w;
        for (long long r = 0; r < g.r; ++r) {
            const Range pr = valid(P, g.h, r, g.pad, g.stride);
            for (long long s = 0; s < g.s; ++s) {
                const Range qr = valid(Q, g.w, s, g.pad, g.stride);
                const double wt = filter[((k * g.c + c) * g.r + r) * g.s + s];
                for (long long p = pr.lo; p <= pr.hi; ++p) {
                    const float* row = in_c + (p * g.stride + r - g.pad) * g.w + (s - g.pad);
                    double* o = out + p * Q;
                    double* o2 = sq.data() + p * Q;
                    if (g.stride == 1) {
                        for (long long q = qr.lo; q <= qr.hi; ++q) {
                            const double t = row[q] * wt;
                            o[q] += t;
                            o2[q] += t * t;
                        }
                    } else {
                        for (long long q = qr.lo; q <= qr.hi; ++q) {
                            const double t = row[q * g.stride] * wt;
                            o[q] += t;
                            o2[q] += t * t;
                        }
                    }
                }
            }
        }
    }
    double plane_sq = 0;
    for (long long i = 0; i < P * Q; ++i) {
        const double scale = std::fabs(out[i]) + std::sqrt(sq[i]);
        plane_sq += scale * scale;
    }
    const double plane_floor = 0.5 * kConvC * kU * std::sqrt(static_cast<double>(g.c * g.r * g.s)) *
                         std::sqrt(plane_sq / static_cast<double>(P * Q));
    for (long long p = 0; p < P; ++p)
        for (long long q = 0; q < Q; ++q) {
            const double terms = static_cast<double>(g.c * rows_in[p] * cols_in[q]);
            bound[p * Q + q] = kConvC * kU * std::sqrt(terms) * (std::fabs(out[p * Q + q]) + std::sqrt(sq[p * Q + q])) +
                               plane_floor;
        }
}

// explain()'s two kinds of output: those whose window lies inside the input, and those whose
// window reaches into the zero padding (the border of every output plane).
enum class Window : uint8_t { kInside, kPadding };

const std::array<grade::Regime, 2>& regimes() {
    static const std::array<grade::Regime, 2> r = {{
        {"the outputs whose window lies inside the input", ""},
        {"the outputs whose window reaches into the zero padding",
         "the border of every output plane: taps that fall outside the input must count as zero; test each "
         "tap's input row and column, p * stride + r - pad and q * stride + s - pad, against h and w before "
         "reading it"},
    }};
    return r;
}

// Whether output position o's window, filter taps [0, filter) along one axis, leaves [0, size).
bool reaches_padding(long long o, long long size, long long filter, long long pad, long long stride) {
    const long long first = o * stride - pad;
    return first < 0 || first + filter > size;
}

// The Window of every output element, NKPQ.
std::vector<uint8_t> windows(const Geometry& g) {
    std::vector<uint8_t> plane(static_cast<size_t>(g.p * g.q));
    for (long long p = 0; p < g.p; ++p)
        for (long long q = 0; q < g.q; ++q) {
            const bool pad =
                reaches_padding(p, g.h, g.r, g.pad, g.stride) || reaches_padding(q, g.w, g.s, g.pad, g.stride);
            plane[static_cast<size_t>(p * g.q + q)] = static_cast<uint8_t>(pad ? Window::kPadding : Window::kInside);
        }
    std::vector<uint8_t> all;
    all.reserve(plane.size() * static_cast<size_t>(g.n * g.k));
    for (long long i = 0; i < g.n * g.k; ++i) all.insert(all.end(), plane.begin(), plane.end());
    return all;
}

class Conv2d final : public FloatExercise {
public:
    const Spec& spec() const override { return conv2d_spec(); }
    std::vector<TensorSpec> inputs(const Sizes& s) const override {
        return {{"input", elements_of({s.at("n"), s.at("c"), s.at("h"), s.at("w")})},
                {"filter", elements_of({s.at("k"), s.at("c"), s.at("r"), s.at("s")})}};
    }
    TensorSpec output(const Sizes& s) const override {
        return {"output", elements_of({s.at("n"), s.at("k"), conv2d_p(s), conv2d_q(s)})};
    }
    std::vector<long long> output_shape(const Sizes& s) const override {
        return {s.at("n"), s.at("k"), conv2d_p(s), conv2d_q(s)};
    }
    std::vector<Scalar> scalars(const Sizes& s) const override {
        std::vector<Scalar> out;
        for (const char* name : {"n", "c", "h", "w", "k", "r", "s", "pad", "stride"})
            out.push_back(Scalar::of(static_cast<int>(s.at(name)), name));
        return out;
    }
    // Input and filter uniform in [-1, 1): signed terms, as matrix-mul's.
    void make_float_inputs(uint64_t seed, const Sizes&, std::vector<std::span<float>> in) const override {
        for (size_t t = 0; t < 2; ++t) {
            const uint64_t stream = stream_of(seed, 0x636f6e76326400ull + t);
            std::span<float> x = in[t];
            parallel_chunks(x.size(), kInputChunk, [&](size_t begin, size_t end, size_t) {
                for (size_t i = begin; i < end; ++i) x[i] = uniform_at(stream, i, -1.f, 1.f);
            });
        }
    }
    void float_truth(const Sizes& s, std::vector<std::span<const float>> in, std::span<double> truth,
               std::span<double> bound) const override {
        const Geometry g = geometry(s);
        const size_t planes = static_cast<size_t>(g.n * g.k), plane_size = static_cast<size_t>(g.p * g.q);
        if (plane_size == 0) return;
        // One task per (image, output channel) plane: 2048 of them in the largest case.
        parallel_chunks(planes, 1, [&](size_t t, size_t, size_t) {
            std::vector<double> sq;
            std::vector<long long> rows_in, cols_in;
            const auto img = static_cast<long long>(t) / g.k, k = static_cast<long long>(t) % g.k;
            plane(g, img, k, in[0].data(), in[1].data(), truth.data() + t * plane_size, bound.data() + t * plane_size,
                  sq, rows_in, cols_in);
        });
    }
    TimedTransform timed_transform(const Sizes&) const override {
        return {.kind = TimedTransform::kHalveInput, .input = 0};
    }
    std::string explain_output(const Sizes& s, uint64_t, std::span<const uint8_t> mask) const override {
        const Geometry g = geometry(s);
        if (g.pad == 0) return {};  // no window reaches into padding
        return grade::explain_regimes(mask, 1, windows(g), regimes(), grade::Units::kElements);
    }
};

}  // namespace

long long conv2d_p(const Sizes& s) { return out_size(s.at("h"), s.at("pad"), s.at("r"), s.at("stride")); }
long long conv2d_q(const Sizes& s) { return out_size(s.at("w"), s.at("pad"), s.at("s"), s.at("stride")); }

const Spec& conv2d_spec() {
    static const Spec spec{
        .name = "conv2d",
        .fields = {"n", "c", "h", "w", "k", "r", "s", "pad", "stride"},
        .zero_ok = {"pad"},
        .vendor = "cuDNN convolution forward (FMA math, TF32 off)",
        .bytes = bytes,
        .flops = flops,
        .example = {{"n", 2}, {"c", 3}, {"h", 9}, {"w", 11}, {"k", 4}, {"r", 3}, {"s", 3}, {"pad", 1}, {"stride", 2}},
        .sweep_fields = {"n"},
        .sweep_factor = 2,
        .sweep_steps = 5,
    };
    return spec;
}

const FloatExercise& conv2d_exercise() {
    static const Conv2d ex;
    return ex;
}

KC_REGISTER_EXERCISE(conv2d_exercise());

}  // namespace kc::exercises
