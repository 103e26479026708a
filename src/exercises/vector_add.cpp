#include "exercises/vector_add.h"

#include <cmath>

namespace kc::exercises {

namespace {

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
    Rng r(seed);
    for (size_t i = 0; i < a.size(); ++i) {
        a[i] = std::ldexp(r.uniform(-1.f, 1.f), static_cast<int>(r.next() % 17) - 8);
        b[i] = std::ldexp(r.uniform(-1.f, 1.f), static_cast<int>(r.next() % 17) - 8);
    }
}

void vector_add_truth(std::span<const float> a, std::span<const float> b, std::span<double> truth,
                      std::span<double> bound) {
    constexpr double u = 1.0 / 16777216.0;  // unit roundoff of fp32, 2^-24
    for (size_t i = 0; i < a.size(); ++i) {
        double x = a[i], y = b[i];
        truth[i] = x + y;
        bound[i] = 2.0 * u * (std::fabs(x) + std::fabs(y));
    }
}

}  // namespace kc::exercises
