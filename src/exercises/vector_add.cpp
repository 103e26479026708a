#include "exercises/vector_add.h"

#include <array>
#include <cmath>

#include "util/parallel.h"

namespace kc::exercises {

namespace {

constexpr size_t kInputChunk = 1 << 16;

double bytes(const Sizes& s) { return 12.0 * static_cast<double>(s.at("n")); }
double flops(const Sizes& s) { return static_cast<double>(s.at("n")); }

}  // namespace

const Spec& vector_add_spec() {
    static const Spec spec{
        .name = "vector-add",
        .fields = {"n"},
        .params = "const float* a, const float* b, float* out, int n",
        .vendor = "cuBLAS cublasSgeam",
        .bytes = bytes,
        .flops = flops,
    };
    return spec;
}

void vector_add_inputs(uint64_t seed, std::span<float> a, std::span<float> b) {
    static const auto scale = [] {
        std::array<float, 17> s{};
        for (int k = 0; k < 17; ++k) s[k] = std::ldexp(1.0f, k - 8);
        return s;
    }();
    // Each chunk has its own stream, so the inputs do not depend on the thread count.
    parallel_chunks(a.size(), kInputChunk, [&](size_t begin, size_t end, size_t chunk) {
        Rng r(seed ^ (0x9e3779b97f4a7c15ull * (chunk + 1)));
        for (size_t i = begin; i < end; ++i) {
            a[i] = r.uniform(-1.f, 1.f) * scale[r.next() % 17];
            b[i] = r.uniform(-1.f, 1.f) * scale[r.next() % 17];
        }
    });
}

void vector_add_truth(std::span<const float> a, std::span<const float> b, std::span<double> truth,
                      std::span<double> bound) {
    constexpr double u = 1.0 / 16777216.0;  // unit roundoff of fp32, 2^-24
    parallel_chunks(a.size(), kInputChunk, [&](size_t begin, size_t end, size_t) {
        for (size_t i = begin; i < end; ++i) {
            double x = a[i], y = b[i];
            truth[i] = x + y;
            bound[i] = 2.0 * u * (std::fabs(x) + std::fabs(y));
        }
    });
}

}  // namespace kc::exercises
