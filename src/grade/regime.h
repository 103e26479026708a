// Which kinds of input hold the mismatches, for an exercise that knows its hard inputs: every
// unit of the output (a row, or one element) carries a label (its row's regime: "mean 1e4",
// "constant"; or "touches the padding"), and every label says what its units are and why a
// kernel fails on them alone. Pure; no GPU, no printing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace kc::grade {

struct Regime {
    std::string what;   // its units, in the plural: "the rows with mean 1e4"
    std::string cause;  // why a kernel fails on these alone, and the fix; empty for the plain
                        // inputs, whose failure says nothing about a regime
};

// How the units are named in the line: rows by their indices ("rows 1, 5, 9 and 5 more"),
// elements by a count ("36 of 40").
enum class Units { kRows, kElements };

// "only the rows with mean 1e4 (rows 1, 5, 9 and 5 more) are wrong: <cause>", naming every
// label whose units hold mismatches, or "" when the labels do not explain them. They explain
// them when some mismatch is a value (not only never-written elements), every label with a
// mismatch has a cause and has at least half of its units wrong, and a label that is present
// has none wrong: a plain input, or another hard one, is right.
// `mask` is compare()'s (nonzero = mismatch); unit u is its elements [u * unit, (u + 1) * unit);
// labels[u] indexes `regimes`. Sizes that disagree give "".
std::string explain_regimes(std::span<const uint8_t> mask, size_t unit, std::span<const uint8_t> labels,
                            std::span<const Regime> regimes, Units units);

}  // namespace kc::grade
