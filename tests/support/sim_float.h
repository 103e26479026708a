// fp32 and half-precision arithmetic as a kernel may do it, on the host: rounding to binary16,
// results off by some ulps, sums in the orders a GPU reduction takes, dot products with and
// without FMA, and the outputs of kernels that skip a row or copy an input. The building
// blocks of the simulated kernels (support/sim_*.h) that the exercises' bounds are tested with.
#pragma once

#include <cstddef>
#include <vector>

namespace kc::test::sim {

// x rounded to IEEE binary16 (11 significant bits, subnormals below 2^-14, overflow to inf),
// to nearest even, as a kernel storing or computing in __half would.
float to_half(float x);

// One ulp of a positive normal float.
float ulp(float x);

// x moved by `steps` ulps (of x) away from zero (negative: towards), as a floating-point result
// with that error would be.
float nudge(float x, int steps);

enum class Order { kSequential, kTree, kBlock };  // kBlock: 256 strided lanes, then a tree

// The fp32 sum of v in a pairwise tree, as a block reduction combines its lanes.
float tree_sum(std::vector<float> v);

// The fp32 sum of `terms` in the given order.
float sum(const std::vector<float>& terms, Order order);

// The sequential dot product of x and y, without and with FMA, and its terms.
float dot_sequential(const std::vector<float>& x, const std::vector<float>& y);
float dot_fma(const std::vector<float>& x, const std::vector<float>& y);
std::vector<float> products(const std::vector<float>& x, const std::vector<float>& y);

// `got` with its last `row_length` elements never written (the sentinel), as a kernel whose
// grid misses the last row leaves it.
std::vector<float> sentinel_last_row(std::vector<float> got, size_t row_length);

// A copy of `src`'s first n floats (zeros past its end), as a kernel writing its input would.
std::vector<float> copy_of(const std::vector<float>& src, size_t n);

}  // namespace kc::test::sim
