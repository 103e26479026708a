// stencil2d: a 5-point blur of an h x w fp32 image (row-major) with clamped edges:
//
//     out[y][x] = c0 * in[y][x] + c1 * (in[y][x-1] + in[y][x+1] + in[y-1][x] + in[y+1][x])
//
// where a neighbour's row index is clamped into [0, h - 1] and its column index into
// [0, w - 1] (the edge value repeated), with c0 = 0.5 and c1 = 0.125 passed to the kernel as
// scalars. Debugging/01's exercise: its starter is a complete kernel with planted bugs.
//
// Inputs: +-[1, 2) with a random sign and 23 random fraction bits, so every input is exact, no
// two neighbours are equal but by chance (1 in 2^24), and the image is nowhere symmetric: a
// neighbour read from the wrong place, a transposed read or a wrong coefficient changes an
// element by about c1 = 0.125 or more, five orders of magnitude past the bound.
//
// Truth: exact in float64 (five terms, multiples of 2^-26 below 4 in magnitude: 28 bits).
// Bound: c0 and c1 are powers of two and the inputs far from the denormals, so every product
// is exact in fp32 and a kernel's only errors are the roundings of its four additions, in any
// order, with or without FMA: each at most u = 2^-24 times a partial sum, itself at most
// S = c0 |x| + c1 (|l| + |r| + |u| + |d|). So every correct fp32 kernel is within 4 u S, half
// of the bound 8 u S (also the Laplacian form x + c1 ((l + r + u + d) - 4 x), within 7 u S).
// No vendor library computes this stencil with clamped edges, so the module's reference
// solution stands in for one; the speed of light is the copy's, 8 bytes per element.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "exercises/float_exercise.h"
#include "exercises/registry.h"
#include "util/parallel.h"

namespace kc::exercises {

namespace {

constexpr float kC0 = 0.5f, kC1 = 0.125f;
constexpr double kUnitRoundoff = 0x1p-24;
constexpr size_t kChunk = 1 << 16;
constexpr uint64_t kTagIn = 0x7374656e63696c01ull;

double bytes(const Sizes& s) { return 8.0 * static_cast<double>(s.at("h")) * static_cast<double>(s.at("w")); }
// 4 additions and 2 multiplications per element (c0 x + c1 (l + r + u + d)).
double flops(const Sizes& s) { return 6.0 * static_cast<double>(s.at("h")) * static_cast<double>(s.at("w")); }

// Where an element's neighbours are clamped: nowhere (the interior), at the first row or column,
// or at the last row or column. The two corners where a first edge meets a last one, (0, w - 1)
// and (h - 1, 0), are clamped on both sides: `far` counts them with the last row and column
// (where a wrong clamp at the far edges shows), otherwise with the first ones.
enum Edge : uint8_t { kInterior, kLowEdge, kHighEdge };

Edge edge_of(size_t y, size_t x, size_t h, size_t w, bool far) {
    const bool low = y == 0 || x == 0, high = y + 1 == h || x + 1 == w;
    if (low && high) return far || (y + 1 == h && x + 1 == w) ? kHighEdge : kLowEdge;
    return high ? kHighEdge : low ? kLowEdge : kInterior;
}

const std::vector<grade::Regime>& edge_regimes() {
    static const std::vector<grade::Regime> r = {
        {"the interior elements", ""},
        {"the elements of the first row and the first column",
         "their neighbours before the first row or column must be clamped to row 0 or column 0 (the edge value "
         "repeated), never read from the row before or before the start of `in`: check how an index of -1 is "
         "clamped"},
        {"the elements of the last row and the last column",
         "their neighbours past the last row or column must be clamped to row h - 1 or column w - 1 (the edge "
         "value repeated), never read from the next row or past the end of `in`: check how an index of h or w "
         "is clamped"},
    };
    return r;
}

// One output element in float64 (exact) and its bound, 8 u times the sum of the terms' sizes.
void element(std::span<const float> in, size_t h, size_t w, size_t y, size_t x, double& truth, double& bound) {
    const size_t up = y == 0 ? 0 : y - 1, down = std::min(y + 1, h - 1);
    const size_t left = x == 0 ? 0 : x - 1, right = std::min(x + 1, w - 1);
    const double c = in[y * w + x], l = in[y * w + left], r = in[y * w + right], u = in[up * w + x],
                 d = in[down * w + x];
    truth = kC0 * c + kC1 * (l + r + u + d);
    const double size = kC0 * std::fabs(c) + kC1 * (std::fabs(l) + std::fabs(r) + std::fabs(u) + std::fabs(d));
    bound = 8 * kUnitRoundoff * size;
}

class Stencil2d final : public FloatExercise {
public:
    const Spec& spec() const override {
        static const Spec s{.name = "stencil2d",
                            .fields = {"h", "w"},
                            .vendor = "",
                            .bytes = bytes,
                            .flops = flops,
                            .example = {{"h", 37}, {"w", 70}},
                            .sweep_fields = {"h", "w"},
                            .sweep_factor = 2,
                            .sweep_steps = 6};
        return s;
    }
    std::vector<TensorSpec> inputs(const Sizes& s) const override { return {{"in", elements_of({s.at("h"), s.at("w")})}}; }
    TensorSpec output(const Sizes& s) const override { return {"out", elements_of({s.at("h"), s.at("w")})}; }
    std::vector<long long> output_shape(const Sizes& s) const override { return {s.at("h"), s.at("w")}; }
    std::vector<Scalar> scalars(const Sizes& s) const override {
        return {Scalar::of(static_cast<int>(s.at("h")), "h"), Scalar::of(static_cast<int>(s.at("w")), "w"),
                Scalar::of(kC0, "c0"), Scalar::of(kC1, "c1")};
    }
    void make_float_inputs(uint64_t seed, const Sizes&, std::vector<std::span<float>> in) const override {
        const uint64_t stream = stream_of(seed, kTagIn);
        auto x = in[0];
        parallel_chunks(x.size(), kChunk, [&](size_t begin, size_t end, size_t) {
            for (size_t i = begin; i < end; ++i) {
                const uint64_t b = bits_at(stream, i);
                const float magnitude = 1.f + static_cast<float>(b >> 41) * 0x1p-23f;  // exact: 23 bits
                x[i] = b & 1 ? -magnitude : magnitude;
            }
        });
    }
    void float_truth(const Sizes& s, std::vector<std::span<const float>> in, std::span<double> truth,
                     std::span<double> bound) const override {
        const auto h = static_cast<size_t>(s.at("h")), w = static_cast<size_t>(s.at("w"));
        parallel_chunks(h, std::max<size_t>(1, kChunk / w), [&](size_t y0, size_t y1, size_t) {
            for (size_t y = y0; y < y1; ++y)
                for (size_t x = 0; x < w; ++x) element(in[0], h, w, y, x, truth[y * w + x], bound[y * w + x]);
        });
    }
    // The stencil is linear and halving is exact here: the output and its bound halve.
    TimedTransform timed_transform(const Sizes&) const override {
        return {.kind = TimedTransform::kHalveAllInputs, .output_scale = 0.5};
    }
    // Mismatches on the last row and column alone (or the first ones alone) are the edge clamp's.
    // An image of one or two rows or columns is all edge: there the pattern says nothing.
    std::string explain_output(const Sizes& s, uint64_t, std::span<const uint8_t> mask) const override {
        const auto h = static_cast<size_t>(s.at("h")), w = static_cast<size_t>(s.at("w"));
        if (mask.size() != h * w || h < 3 || w < 3) return {};
        std::vector<uint8_t> labels(h * w);
        std::string line;
        for (bool far : {true, false}) {
            for (size_t y = 0; y < h; ++y)
                for (size_t x = 0; x < w; ++x) labels[y * w + x] = edge_of(y, x, h, w, far);
            line = grade::explain_regimes(mask, 1, labels, edge_regimes(), grade::Units::kElements);
            if (!line.empty()) break;
        }
        return line;
    }
};

}  // namespace

KC_REGISTER_EXERCISE(instance<Stencil2d>());

}  // namespace kc::exercises
