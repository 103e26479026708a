#include "grade/regime.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "grade/compare.h"

namespace kc::grade {

namespace {

constexpr size_t kListed = 3;  // unit indices named before "and N more"

struct LabelTally {
    size_t units = 0;        // units with this label
    size_t wrong_units = 0;  // of them, with a mismatch
    std::vector<size_t> first_wrong;  // the first kListed of those
};

struct Tally {
    std::vector<LabelTally> labels;
    bool values = false;  // some mismatch is not a never-written element
};

Tally tally(std::span<const uint8_t> mask, size_t unit, std::span<const uint8_t> labels, size_t count) {
    Tally t{std::vector<LabelTally>(count), false};
    for (size_t u = 0; u < labels.size(); ++u) {
        LabelTally& l = t.labels[labels[u]];
        ++l.units;
        const auto begin = mask.begin() + static_cast<std::ptrdiff_t>(u * unit);
        const auto end = begin + static_cast<std::ptrdiff_t>(unit);
        if (std::all_of(begin, end, [](uint8_t b) { return b == 0; })) continue;
        if (l.wrong_units++ < kListed) l.first_wrong.push_back(u);
        t.values = t.values || std::any_of(begin, end, [](uint8_t b) {
                       return b != 0 && b != static_cast<uint8_t>(Fault::kNeverWritten);
                   });
    }
    return t;
}

// The labels that explain every mismatch, or none (see explain_regimes).
std::vector<size_t> failing(const Tally& t, std::span<const Regime> regimes) {
    std::vector<size_t> out;
    bool one_right = false;
    for (size_t k = 0; k < t.labels.size(); ++k) {
        const LabelTally& l = t.labels[k];
        if (l.units == 0) continue;
        if (l.wrong_units == 0) {
            one_right = true;
            continue;
        }
        if (regimes[k].cause.empty() || 2 * l.wrong_units < l.units) return {};
        out.push_back(k);
    }
    return t.values && one_right ? out : std::vector<size_t>{};
}

// "a", "a and b", "a, b and c"
std::string and_list(const std::vector<std::string>& items) {
    if (items.size() <= 1) return items.empty() ? std::string() : items[0];
    return fmt::format("{} and {}", fmt::join(items.begin(), items.end() - 1, ", "), items.back());
}

// "row 2", "rows 1, 5 and 9", "rows 1, 5, 9 and 5 more"; "36 of 40".
std::string units_text(const LabelTally& l, Units units) {
    if (units == Units::kElements) return fmt::format("{} of {}", l.wrong_units, l.units);
    std::vector<std::string> items;
    for (size_t u : l.first_wrong) items.push_back(std::to_string(u));
    if (l.wrong_units > kListed) items.push_back(fmt::format("{} more", l.wrong_units - kListed));
    return fmt::format("{} {}", l.wrong_units == 1 ? "row" : "rows", and_list(items));
}

}  // namespace

std::string explain_regimes(std::span<const uint8_t> mask, size_t unit, std::span<const uint8_t> labels,
                            std::span<const Regime> regimes, Units units) {
    if (unit == 0 || labels.empty() || mask.size() != labels.size() * unit) return {};
    if (std::any_of(labels.begin(), labels.end(), [&](uint8_t k) { return k >= regimes.size(); })) return {};
    const Tally t = tally(mask, unit, labels, regimes.size());
    const std::vector<size_t> bad = failing(t, regimes);
    if (bad.empty()) return {};
    std::vector<std::string> where, causes;
    for (size_t k : bad) {
        where.push_back(fmt::format("{} ({})", regimes[k].what, units_text(t.labels[k], units)));
        if (std::find(causes.begin(), causes.end(), regimes[k].cause) == causes.end())
            causes.push_back(regimes[k].cause);
    }
    return fmt::format("only {} are wrong: {}", and_list(where), fmt::join(causes, "; "));
}

}  // namespace kc::grade
