// Row-wise kernels (softmax, layer-norm) simulated on the host: each row of a rows x cols case
// computed by a callback, as one thread or block per row would. The bounds tests' callbacks
// see the row's index; the explain tests' do not (their kernels are the modules' controls).
#pragma once

#include <cstddef>
#include <vector>

#include "exercises/spec.h"
#include "support/tensor_case.h"

namespace kc::test::sim {

inline exercises::Sizes rc(long long rows, long long cols) { return {{"rows", rows}, {"cols", cols}}; }

// The output of a row-wise kernel: `row(x_row, cols, y_row, row_index)` for every row.
template <class Row>
std::vector<float> by_rows(const TensorCase& r, Row row) {
    const auto rows = static_cast<size_t>(r.sizes.at("rows")), cols = static_cast<size_t>(r.sizes.at("cols"));
    std::vector<float> out(rows * cols);
    for (size_t i = 0; i < rows; ++i) row(r.in[0].data() + i * cols, cols, out.data() + i * cols, i);
    return out;
}

}  // namespace kc::test::sim

namespace kc::test::explain {

// The output of a row-wise kernel: row(x_row, cols, y_row) for every row.
template <class Row>
std::vector<float> by_rows(const TensorCase& r, Row row) {
    const auto rows = static_cast<size_t>(r.sizes.at("rows")), cols = static_cast<size_t>(r.sizes.at("cols"));
    std::vector<float> out(rows * cols);
    for (size_t i = 0; i < rows; ++i) row(r.in[0].data() + i * cols, cols, out.data() + i * cols);
    return out;
}

}  // namespace kc::test::explain
