// Output comparison: a kernel's fp32 output against float64 truth, element by element, with a
// per-element error bound; and the pure helpers that explain a wrong answer (where the errors
// are, and a one-line diagnosis when the pattern is recognisable). No GPU, no printing.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "util/result.h"

namespace kc::grade {

// ---- the sentinel -------------------------------------------------------------------------

// The bit pattern every output buffer is filled with before a kernel runs, so an element the
// kernel never stores is caught. It is a quiet NaN with a payload ("dead") that arithmetic
// never produces: CUDA turns any operation on a NaN into its canonical NaN 0x7fffffff, the
// x86 host makes 0xffc00000 (0.f/0.f) and std::numeric_limits<float>::quiet_NaN() is
// 0x7fc00000. So a kernel that reads the output before writing it (`out[i] += x`) shows up as
// a NaN, not as never-written; only an element still holding these exact bits is never-written.
inline constexpr uint32_t kSentinelBits = 0x7fc0dead;
static_assert((kSentinelBits & 0x7f800000u) == 0x7f800000u && (kSentinelBits & 0x007fffffu) != 0,
              "the sentinel must be a NaN");
static_assert((kSentinelBits & 0x00400000u) != 0, "the sentinel must be a quiet NaN");

constexpr float sentinel() { return std::bit_cast<float>(kSentinelBits); }
constexpr bool is_sentinel(float x) { return std::bit_cast<uint32_t>(x) == kSentinelBits; }

// ---- comparison ---------------------------------------------------------------------------

// Why one element failed. Stored as bytes in the mismatch mask; 0 (kOk) means it passed, so
// any nonzero byte is a mismatch.
enum class Fault : uint8_t {
    kOk = 0,
    kOutOfBound = 1,    // both finite, |got - truth| > bound
    kNeverWritten = 2,  // still holds the sentinel
    kNaN = 3,           // got NaN where the answer is not NaN
    kInf = 4,           // an infinity on either side that the other side does not match
    kNaNMissing = 5,    // the answer is NaN, got is a number or an infinity
};

struct Mismatch {
    size_t index = 0;                // flat, row-major
    std::vector<long long> coords;   // the same element in the output's shape
    double got = 0;                  // the kernel's value (NaN for never-written)
    double expected = 0;             // the float64 truth
    double error = 0;                // |got - expected|; +inf when either side is NaN or Inf
    double bound = 0;                // the bound that applied
    bool never_written = false;
};

struct Comparison {
    size_t count = 0;          // elements compared
    size_t mismatches = 0;     // out of bound, never-written, NaN and Inf mismatches: all of them
    size_t never_written = 0;  // elements still holding the sentinel
    size_t nan_got = 0;        // NaN (not the sentinel) where the answer is not NaN
    size_t inf_mismatch = 0;   // an Inf that does not match: on either side, or of the wrong sign
    size_t nan_missing = 0;    // the answer is NaN, the kernel gave a number or an Inf
    std::optional<Mismatch> first;  // the mismatch with the lowest index
    std::optional<Mismatch> worst;  // the largest error/bound (then error); a never-written
                                    // element only when every mismatch is never-written
    double max_error = 0;      // max |got - truth| over elements where both are finite
    double headroom = 0;       // max error/bound (0/0 counts 0): 0 exact, 1 at the limit, >1
                               // out of bound, +inf for a NaN/Inf/never-written mismatch

    bool passed() const { return mismatches == 0; }
};

// A bound of `abs + rel * |truth|` for every element, for operations whose error analysis
// is the same everywhere (one rounding: rel = 2^-24), without building a vector of bounds.
struct Tolerance {
    double abs = 0;
    double rel = 0;
};

// Compares `got` (the kernel's fp32 output) with `truth` (float64), element by element:
//  - both finite: passes iff |got - truth| <= bound (equality passes; bound 0 demands exactness);
//  - the sentinel: never-written, a mismatch whatever the truth;
//  - NaN and Inf must match exactly: truth NaN needs a NaN; an Inf passes only where the truth,
//    rounded to fp32, is the same Inf (so a truth beyond FLT_MAX is matched by the Inf a
//    correct fp32 kernel gives); a NaN or Inf anywhere else is a mismatch.
// `bound` holds one absolute bound per element; it is read only where got and truth are both
// finite, and must be >= 0 there (+inf means "anything finite"). `shape` gives the output's
// dimensions, row-major (`{rows, cols}`, `{n}` for a vector, `{}` for a scalar); its product
// must be the element count. Sizes that disagree or a negative / NaN bound are errors of the
// caller, returned as such.
// When `mask` is given it is resized to the element count and holds each element's Fault,
// for heatmap() and diagnose(). One byte per element; nothing is allocated per element.
Result<Comparison> compare(std::span<const float> got, std::span<const double> truth,
                           std::span<const double> bound, std::span<const long long> shape,
                           std::vector<uint8_t>* mask = nullptr);
Result<Comparison> compare(std::span<const float> got, std::span<const double> truth,
                           Tolerance tolerance, std::span<const long long> shape,
                           std::vector<uint8_t>* mask = nullptr);

// The flat index `index` as coordinates in `shape` (row-major).
std::vector<long long> unravel(size_t index, std::span<const long long> shape);

// ---- explaining a wrong answer ------------------------------------------------------------

// The 2D view of an output used by heatmap() and diagnose(): the last dimension is the
// columns, all the others together are the rows; a vector of n is 1 x n, a scalar 1 x 1.
struct View2D {
    long long rows = 0;
    long long cols = 0;
};
View2D view_2d(std::span<const long long> shape);

// A coarse map of where the mismatches are, on the rows x cols view, downsampled to at most
// max_h x max_w cells (fewer where the output is smaller). Cell (r, c) is
// fraction[r * cols + c]: the fraction of its elements whose mask byte is nonzero. Cells split
// the rows and columns as evenly as integers allow. Empty (0 x 0) when the mask's size is not
// rows * cols or there is nothing to draw.
struct Heatmap {
    int rows = 0;
    int cols = 0;
    std::vector<double> fraction;
};
Heatmap heatmap(std::span<const uint8_t> mismatch_mask, long long rows, long long cols,
                int max_h = 8, int max_w = 64);
Heatmap heatmap(std::span<const uint8_t> mismatch_mask, std::span<const long long> shape,
                int max_h = 8, int max_w = 64);

// The launch that wrote an output, as diagnose() needs it: whether its threads could cover
// every element, one each, and how many blocks there were (one block per row is common).
struct LaunchShape {
    uint64_t blocks = 0;             // grid x * y * z
    uint64_t threads_per_block = 0;  // block x * y * z
    uint64_t threads() const { return blocks * threads_per_block; }
};

// One line that names the likely cause when the mismatches form a recognisable pattern, or ""
// (also for a passing comparison). Recognised, first match wins:
//   nothing written; the last elements / rows never written; only the last
//   elements / rows wrong (the last, partial block); all mismatches inside the last partial
//   block; the last columns wrong or never written; all mismatches on the last, partial tiles
//   at the bottom / right edges; a repeating pattern (every k-th element, the same columns in
//   every row); only NaN; only Inf; every element wrong.
// `mismatch_mask` is the mask compare() filled (nonzero = mismatch); it may be empty, and
// then only the patterns visible from the counts are recognised. A mask or shape that does
// not match the comparison gives "".
// Elements never written at the end (of the output, or of every row) are told against
// `launch`: "the grid is too small" only when its threads cannot cover the elements one each;
// with enough threads, threads that should write them returned early or skipped them. Without
// a launch the line names both places to look and blames neither.
std::string diagnose(const Comparison& comparison, std::span<const uint8_t> mismatch_mask,
                     std::span<const long long> shape,
                     std::optional<LaunchShape> launch = std::nullopt);

}  // namespace kc::grade
