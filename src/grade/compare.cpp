#include "grade/compare.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace kc::grade {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr size_t kNone = std::numeric_limits<size_t>::max();
// The smallest double that rounds to infinity in fp32 (round to nearest even): FLT_MAX plus
// half an ulp. A truth at or beyond it is an Inf in the output's precision.
constexpr double kFloatOverflow = 0x1.ffffffp+127;

std::string number(double x) {
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);
    return ec == std::errc{} ? std::string(buf, end) : std::string("?");
}

std::string shape_text(std::span<const long long> shape) {
    std::string s = "{";
    for (size_t k = 0; k < shape.size(); ++k) s += (k ? ", " : "") + std::to_string(shape[k]);
    return s + "}";
}

// The number of elements `shape` describes, or nullopt for a negative or overflowing one.
std::optional<size_t> element_count(std::span<const long long> shape) {
    size_t total = 1;
    for (long long d : shape) {
        if (d < 0) return std::nullopt;
        if (__builtin_mul_overflow(total, static_cast<size_t>(d), &total)) return std::nullopt;
    }
    return total;
}

Status check_shape(std::span<const long long> shape, size_t n) {
    auto total = element_count(shape);
    if (!total || *total != n)
        return make_error("the output shape " + shape_text(shape) + " does not describe its " +
                          std::to_string(n) + " elements");
    return Ok{};
}

Error bad_bound(size_t index, double bound) {
    return make_error("the error bound at element " + std::to_string(index) + " is " +
                      number(bound) + "; a bound must be >= 0");
}

// The truth as the output's precision sees it where that matters: an Inf beyond FLT_MAX.
double as_fp32_range(double t) {
    return std::fabs(t) >= kFloatOverflow ? std::copysign(kInf, t) : t;
}

// The core loop, once per way of getting an element's bound (`bound_at(i, truth_i)`), so no
// indirect call is made per element. Mismatches are rare on the fast path; everything about
// them is recorded by index, and the Mismatch records are built after the loop.
template <class BoundAt>
Result<Comparison> compare_with(std::span<const float> got, std::span<const double> truth,
                                BoundAt bound_at, std::span<const long long> shape,
                                std::vector<uint8_t>* mask) {
    const size_t n = got.size();
    if (truth.size() != n)
        return make_error("the output has " + std::to_string(n) + " elements but the truth has " +
                          std::to_string(truth.size()));
    if (auto s = check_shape(shape, n); !s) return s.error();

    uint8_t* m = nullptr;
    if (mask) {
        mask->assign(n, 0);
        m = mask->data();
    }
    const float* g = got.data();
    const double* t = truth.data();

    Comparison c;
    c.count = n;
    size_t first = kNone, worst = kNone, first_never_written = kNone;
    double worst_ratio = -1, worst_error = -1;
    double max_error = 0, headroom = 0;

    for (size_t i = 0; i < n; ++i) {
        const float gi = g[i];
        const double ti = t[i];
        Fault fault;
        double error = kInf, ratio = kInf;
        if (std::isfinite(gi) && std::isfinite(ti)) [[likely]] {
            const double b = bound_at(i, ti);
            error = std::fabs(static_cast<double>(gi) - ti);
            if (error > max_error) max_error = error;
            if (error <= b) {
                // Only divide when this element may raise the headroom (0/0 and x/inf stay 0).
                if (error > headroom * b) headroom = error / b;
                continue;
            }
            if (!(b >= 0)) return bad_bound(i, b);
            fault = Fault::kOutOfBound;
            ratio = b > 0 ? error / b : kInf;
        } else if (is_sentinel(gi)) {
            fault = Fault::kNeverWritten;
        } else if (std::isnan(ti)) {
            if (std::isnan(gi)) continue;
            fault = Fault::kNaNMissing;
        } else if (std::isnan(gi)) {
            fault = Fault::kNaN;
        } else if (static_cast<double>(gi) == as_fp32_range(ti)) {
            continue;  // the same infinity
        } else {
            fault = Fault::kInf;
        }

        ++c.mismatches;
        switch (fault) {
            case Fault::kNeverWritten: ++c.never_written; break;
            case Fault::kNaN: ++c.nan_got; break;
            case Fault::kInf: ++c.inf_mismatch; break;
            case Fault::kNaNMissing: ++c.nan_missing; break;
            default: break;
        }
        if (m) m[i] = static_cast<uint8_t>(fault);
        if (first == kNone) first = i;
        if (fault == Fault::kNeverWritten) {
            if (first_never_written == kNone) first_never_written = i;
        } else if (ratio > worst_ratio || (ratio == worst_ratio && error > worst_error)) {
            worst = i;
            worst_ratio = ratio;
            worst_error = error;
        }
        if (ratio > headroom) headroom = ratio;
    }

    c.max_error = max_error;
    c.headroom = headroom;
    auto record = [&](size_t i) {
        Mismatch r;
        r.index = i;
        r.coords = unravel(i, shape);
        r.got = static_cast<double>(g[i]);
        r.expected = t[i];
        const bool finite = std::isfinite(g[i]) && std::isfinite(t[i]);
        r.error = finite ? std::fabs(r.got - r.expected) : kInf;
        r.bound = bound_at(i, t[i]);
        r.never_written = is_sentinel(g[i]);
        return r;
    };
    if (worst == kNone) worst = first_never_written;
    if (first != kNone) c.first = record(first);
    if (worst != kNone) c.worst = record(worst);
    return c;
}

}  // namespace

Result<Comparison> compare(std::span<const float> got, std::span<const double> truth,
                           std::span<const double> bound, std::span<const long long> shape,
                           std::vector<uint8_t>* mask) {
    if (bound.size() != got.size())
        return make_error("the output has " + std::to_string(got.size()) +
                          " elements but the bound has " + std::to_string(bound.size()));
    const double* b = bound.data();
    return compare_with(
        got, truth, [b](size_t i, double) { return b[i]; }, shape, mask);
}

Result<Comparison> compare(std::span<const float> got, std::span<const double> truth,
                           Tolerance tolerance, std::span<const long long> shape,
                           std::vector<uint8_t>* mask) {
    if (!(tolerance.abs >= 0) || !(tolerance.rel >= 0))
        return make_error("the tolerance (abs " + number(tolerance.abs) + ", rel " +
                          number(tolerance.rel) + ") must not be negative");
    const double abs = tolerance.abs, rel = tolerance.rel;
    return compare_with(
        got, truth, [abs, rel](size_t, double t) { return abs + rel * std::fabs(t); }, shape, mask);
}

std::vector<long long> unravel(size_t index, std::span<const long long> shape) {
    std::vector<long long> coords(shape.size());
    for (size_t k = shape.size(); k-- > 0;) {
        const auto d = static_cast<size_t>(std::max(shape[k], 1LL));
        coords[k] = static_cast<long long>(index % d);
        index /= d;
    }
    return coords;
}

View2D view_2d(std::span<const long long> shape) {
    if (shape.empty()) return {1, 1};
    long long rows = 1;
    for (size_t k = 0; k + 1 < shape.size(); ++k) rows *= shape[k];
    return {rows, shape.back()};
}

// ---- heatmap ------------------------------------------------------------------------------

Heatmap heatmap(std::span<const uint8_t> mismatch_mask, long long rows, long long cols, int max_h,
                int max_w) {
    if (rows <= 0 || cols <= 0 || max_h <= 0 || max_w <= 0) return {};
    const size_t n = mismatch_mask.size();
    if (n % static_cast<size_t>(cols) != 0 ||
        n / static_cast<size_t>(cols) != static_cast<size_t>(rows))
        return {};

    const int h = static_cast<int>(std::min<long long>(rows, max_h));
    const int w = static_cast<int>(std::min<long long>(cols, max_w));
    // Cell edges: band b holds rows [row_edge[b], row_edge[b+1]); never empty since h <= rows.
    std::vector<long long> row_edge(h + 1), col_edge(w + 1);
    for (int b = 0; b <= h; ++b) row_edge[b] = rows * b / h;
    for (int k = 0; k <= w; ++k) col_edge[k] = cols * k / w;

    std::vector<size_t> wrong(static_cast<size_t>(h) * w, 0);
    const uint8_t* mask = mismatch_mask.data();
    for (int b = 0; b < h; ++b) {
        for (long long r = row_edge[b]; r < row_edge[b + 1]; ++r) {
            const uint8_t* row = mask + r * cols;
            for (int k = 0; k < w; ++k) {
                size_t count = 0;
                for (long long j = col_edge[k]; j < col_edge[k + 1]; ++j) count += row[j] != 0;
                wrong[static_cast<size_t>(b) * w + k] += count;
            }
        }
    }

    Heatmap map{h, w, std::vector<double>(wrong.size())};
    for (int b = 0; b < h; ++b)
        for (int k = 0; k < w; ++k) {
            const double cell = static_cast<double>((row_edge[b + 1] - row_edge[b]) *
                                                    (col_edge[k + 1] - col_edge[k]));
            const size_t at = static_cast<size_t>(b) * w + k;
            map.fraction[at] = static_cast<double>(wrong[at]) / cell;
        }
    return map;
}

Heatmap heatmap(std::span<const uint8_t> mismatch_mask, std::span<const long long> shape, int max_h,
                int max_w) {
    const View2D v = view_2d(shape);
    return heatmap(mismatch_mask, v.rows, v.cols, max_h, max_w);
}

// ---- diagnose -----------------------------------------------------------------------------

namespace {

std::string ordinal(size_t k) {
    const size_t tens = k % 100, units = k % 10;
    const char* suffix = (tens >= 11 && tens <= 13) ? "th"
                         : units == 1               ? "st"
                         : units == 2               ? "nd"
                         : units == 3               ? "rd"
                                                    : "th";
    return std::to_string(k) + suffix;
}

// Where the mismatches are, with what the diagnosis needs to know about them.
struct Pattern {
    std::span<const uint8_t> mask;  // may be empty
    size_t n = 0;
    size_t first = 0;  // index of the first mismatch
    size_t mismatches = 0;
    bool never_written = false;    // every mismatch is never-written
    long long rows = 1, cols = 1;  // the 2D view
    std::optional<LaunchShape> launch;
    bool grid() const { return rows > 1 && cols > 1; }
    // "the wrong elements are" / "the elements never written are"
    std::string subject() const {
        return never_written ? "the elements never written are" : "the wrong elements are";
    }
};

bool any_set(const uint8_t* begin, const uint8_t* end) {
    return std::find_if(begin, end, [](uint8_t b) { return b != 0; }) != end;
}

// The start of the smallest last, partial block (a power of two from 32 to 4096 elements)
// that holds every mismatch, or kNone.
size_t last_partial_block(size_t n, size_t first) {
    for (size_t block = 32; block <= 4096; block *= 2) {
        if (n % block == 0) continue;
        const size_t start = n - n % block;
        if (start > 0 && first >= start) return start;
    }
    return kNone;
}

// "the last 5 rows" / "the last row"
std::string last(size_t count, const char* one, const char* many) {
    return count == 1 ? std::string("the last ") + one
                      : "the last " + std::to_string(count) + " " + many;
}

const char* plural(uint64_t count) { return count == 1 ? "" : "s"; }

// "1 block x 256 threads = 256 threads"
std::string threads_text(const LaunchShape& l) {
    return fmt::format("{} block{} x {} thread{} = {} threads", l.blocks, plural(l.blocks),
                       l.threads_per_block, plural(l.threads_per_block), l.threads());
}

// When the launch has fewer blocks than rows and its blocks, k rows each, cover exactly the
// first `rows_written` rows: "with one row per block, 6 blocks cover only the first 6 rows of
// the 7". Empty otherwise.
std::string rows_per_block(const Pattern& p, size_t rows_written) {
    const uint64_t blocks = p.launch->blocks, rows = static_cast<uint64_t>(p.rows);
    if (rows_written == 0 || blocks >= rows || rows_written % blocks != 0) return {};
    const uint64_t k = rows_written / blocks;
    return fmt::format("with {} per block, {} block{} cover{} only the first {} of the {}",
                       k == 1 ? "one row" : fmt::format("{} rows", k), blocks, plural(blocks),
                       blocks == 1 ? "s" : "", rows_written == 1 ? "row" : fmt::format("{} rows", rows_written),
                       rows);
}

// Why the elements at the end of the output (the first `written` ones are right; whole rows
// when rows_written > 0), or the last columns of every row (written = kNone), were never
// written, told against the launch: the grid is too small only when its threads cannot cover
// every element, one each.
std::string unwritten_cause(const Pattern& p, size_t written, size_t rows_written) {
    if (!p.launch || p.launch->threads() == 0)
        return "no thread stored them: check the grid size, and every early return or bounds "
               "check before the store";
    const LaunchShape& l = *p.launch;
    const std::string has = fmt::format("the launch has {} for {} elements", threads_text(l), p.n);
    const std::string by_rows = rows_written ? rows_per_block(p, rows_written) : std::string();
    if (l.threads() >= p.n)
        return has + ": enough to cover them, so threads that should write them returned early or "
                     "skipped them (check every early return and bounds check against the index "
                     "it guards)" +
               (by_rows.empty() ? "" : "; or, " + by_rows);
    if (written == l.threads())
        return fmt::format("the grid is too small: {}, and at one element per thread they cover "
                           "only the first {}", has, written);
    if (!by_rows.empty()) return "the grid is too small: " + by_rows;
    return has + ": too few for one element per thread, so the grid is too small, unless each "
                 "thread handles several (then check where its loop over them stops)";
}

// Every element from `first` on is a mismatch, and nothing before it.
std::string dense_suffix(const Pattern& p) {
    const size_t m = p.n - p.first;
    if (p.rows > 1 && p.first % static_cast<size_t>(p.cols) == 0) {
        const size_t rows = m / static_cast<size_t>(p.cols);
        if (p.never_written)
            return last(rows, "row", "rows") + (rows == 1 ? " was" : " were") + " never written: " +
                   unwritten_cause(p, p.first, p.first / static_cast<size_t>(p.cols));
        return "only " + last(rows, "row", "rows") + (rows == 1 ? " is" : " are") +
               " wrong: check the row bounds and the grid size";
    }
    if (p.never_written)
        return last(m, "element", "elements") + (m == 1 ? " was" : " were") + " never written: " +
               unwritten_cause(p, p.first, 0);
    const std::string what = "only " + last(m, "element", "elements") + (m == 1 ? " is" : " are");
    if (last_partial_block(p.n, p.first) == p.first)
        return what + " wrong: the last, partial block (check the bounds and the grid size)";
    return what + " wrong: check how the end is handled (the bounds check, the remainder loop)";
}

// Every mismatch lies in the last, partial block, but not every element there is wrong.
std::string inside_last_block(const Pattern& p) {
    const size_t start = last_partial_block(p.n, p.first);
    if (start == kNone) return {};
    return p.subject() + " all in the last " + std::to_string(p.n - start) +
           " elements, the last, partial block: check the bounds and the grid size";
}

// Exactly the last columns of every row are wrong.
std::string last_columns(const Pattern& p) {
    const auto cols = static_cast<size_t>(p.cols), rows = static_cast<size_t>(p.rows);
    if (p.first >= cols || p.first == 0) return {};
    const size_t c0 = p.first, k = cols - c0;
    if (p.mismatches != rows * k) return {};
    for (size_t r = 0; r < rows; ++r)
        if (any_set(p.mask.data() + r * cols, p.mask.data() + r * cols + c0)) return {};
    const std::string what = last(k, "column", "columns");
    if (p.never_written)
        return what + (k == 1 ? " was" : " were") + " never written: " + unwritten_cause(p, kNone, 0);
    return "only " + what + (k == 1 ? " is" : " are") +
           " wrong: check the column bounds and the grid size";
}

// Every mismatch is on the bottom or right edge: the rows and columns past the last multiple
// of a tile size, when a dimension is not a multiple of it.
std::string tile_edges(const Pattern& p) {
    const auto rows = static_cast<size_t>(p.rows), cols = static_cast<size_t>(p.cols);
    // first_bad[r]: the column of row r's first mismatch, or cols.
    std::vector<size_t> first_bad(rows);
    for (size_t r = 0; r < rows; ++r) {
        const uint8_t* row = p.mask.data() + r * cols;
        first_bad[r] = static_cast<size_t>(
            std::find_if(row, row + cols, [](uint8_t b) { return b != 0; }) - row);
    }
    for (size_t tile = 8; tile <= 256; tile *= 2) {
        const size_t r0 = rows - rows % tile, c0 = cols - cols % tile;
        if (r0 == 0 || c0 == 0 || (r0 == rows && c0 == cols)) continue;
        bool inside = true, right = false, bottom = false;
        for (size_t r = 0; r < rows && inside; ++r) {
            if (first_bad[r] == cols) continue;
            if (r >= r0)
                bottom = true;
            else if (first_bad[r] >= c0)
                right = true;
            else
                inside = false;
        }
        if (!inside) continue;
        // Name the largest tile size that gives the same edges (70 rows: 8, 16 and 32 all
        // leave 6), the likelier tile.
        while (tile * 2 <= 256 && rows - rows % (tile * 2) == r0 && cols - cols % (tile * 2) == c0)
            tile *= 2;
        const std::string past = "past a multiple of " + std::to_string(tile);
        if (bottom && right)
            return p.subject() +
                   " all at the bottom and right edges, in the last, partial tiles (the last " +
                   std::to_string(rows - r0) + " rows and " + std::to_string(cols - c0) +
                   " columns, " + past + "): check the row and column bounds";
        if (bottom)
            return p.subject() + " all in the last " + std::to_string(rows - r0) + " rows (" +
                   past + "): check the row bounds of the last, partial tile";
        return p.subject() + " all in the last " + std::to_string(cols - c0) + " columns (" + past +
               "): check the column bounds of the last, partial tile";
    }
    return {};
}

bool has_period(std::span<const uint8_t> mask, size_t period) {
    const uint8_t* m = mask.data();
    for (size_t i = period; i < mask.size(); ++i)
        if ((m[i] != 0) != (m[i - period] != 0)) return false;
    return true;
}

// The mismatches repeat with a period of a few elements (a stride bug), or of a row.
std::string repeating(const Pattern& p) {
    const uint8_t* m = p.mask.data();
    std::vector<size_t> periods;
    for (size_t k = 2; k <= 16; ++k) periods.push_back(k);
    for (size_t k = 32; k <= 1024; k *= 2) periods.push_back(k);
    if (p.grid()) periods.push_back(static_cast<size_t>(p.cols));
    const uint8_t* second =
        std::find_if(m + p.first + 1, m + p.n, [](uint8_t b) { return b != 0; });
    if (second != m + p.n) periods.push_back(static_cast<size_t>(second - m) - p.first);
    std::sort(periods.begin(), periods.end());
    periods.erase(std::unique(periods.begin(), periods.end()), periods.end());

    for (size_t period : periods) {
        // The pattern must start in the first period and show at least three times.
        if (period <= p.first || period > p.n / 3) continue;
        if (!has_period(p.mask, period)) continue;
        const auto j =
            static_cast<size_t>(std::count_if(m, m + period, [](uint8_t b) { return b != 0; }));
        const char* verb = p.never_written ? "never written" : "wrong";
        if (p.grid() && period == static_cast<size_t>(p.cols)) {
            if (j == 1)
                return "column " + std::to_string(p.first) + " is " + verb +
                       " in every row: check the column index";
            return "the same " + std::to_string(j) + " of the " + std::to_string(p.cols) +
                   " columns are " + verb + " in every row: check the column index";
        }
        if (j == 1)
            return "every " + ordinal(period) + " element is " + verb +
                   ": check the index arithmetic (stride)";
        return std::to_string(j) + " of every " + std::to_string(period) + " elements are " + verb +
               ", in a repeating pattern: check the index arithmetic (stride)";
    }
    return {};
}

}  // namespace

std::string diagnose(const Comparison& c, std::span<const uint8_t> mismatch_mask,
                     std::span<const long long> shape, std::optional<LaunchShape> launch) {
    if (c.mismatches == 0 || c.mismatches > c.count || !c.first || c.first->index >= c.count)
        return {};
    if (auto total = element_count(shape); !total || *total != c.count) return {};
    if (!mismatch_mask.empty() && mismatch_mask.size() != c.count) return {};

    if (c.never_written == c.count)
        return "nothing was written: is the store missing, or the grid empty?";

    const View2D view = view_2d(shape);
    Pattern p{mismatch_mask, c.count,   c.first->index, c.mismatches, c.never_written == c.mismatches,
              view.rows,     view.cols, launch};

    if (c.mismatches < c.count) {
        if (c.mismatches == c.count - p.first) return dense_suffix(p);
        if (!p.mask.empty()) {
            std::string line = inside_last_block(p);
            if (line.empty() && p.grid()) line = last_columns(p);
            if (line.empty() && p.grid()) line = tile_edges(p);
            if (line.empty()) line = repeating(p);
            if (!line.empty()) return line;
        }
    }
    if (c.nan_got == c.mismatches)
        return "the output has NaN where the answer is finite: overflow, 0/0, or reading "
               "uninitialised memory";
    if (c.inf_mismatch == c.mismatches)
        return "the infinities do not match the answer: overflow, division by zero, or an Inf "
               "lost on the way";
    if (c.mismatches == c.count)
        return "every element is wrong: check the formula (and that each result is stored where it "
               "belongs)";
    return {};
}

}  // namespace kc::grade
