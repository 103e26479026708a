// matrix-mul kernels simulated on the host: c[i][j] from any fp32 dot product of a's row and
// b's column (support/sim_float.h has the sequential and FMA ones).
#pragma once

#include <cstddef>
#include <vector>

#include "exercises/spec.h"
#include "support/tensor_case.h"

namespace kc::test::sim {

inline exercises::Sizes mm(long long m, long long n, long long k) { return {{"m", m}, {"n", n}, {"k", k}}; }

// c[i][j] from a per-element fp32 dot product `dot(terms a_il, b_lj)`.
template <class Dot>
std::vector<float> matmul_with(const TensorCase& r, Dot dot) {
    const auto m = static_cast<size_t>(r.sizes.at("m")), n = static_cast<size_t>(r.sizes.at("n")),
               k = static_cast<size_t>(r.sizes.at("k"));
    const auto &a = r.in[0], &b = r.in[1];
    std::vector<float> out(m * n), x(k), y(k);
    for (size_t i = 0; i < m; ++i)
        for (size_t j = 0; j < n; ++j) {
            for (size_t l = 0; l < k; ++l) {
                x[l] = a[i * k + l];
                y[l] = b[l * n + j];
            }
            out[i * n + j] = dot(x, y);
        }
    return out;
}

}  // namespace kc::test::sim
