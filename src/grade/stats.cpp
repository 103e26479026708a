#include "grade/stats.h"

#include <algorithm>
#include <cmath>

namespace kc::grade {

Samples summarize(std::vector<double> ms) {
    Samples s;
    s.ms = ms;
    s.rse = relative_standard_error(ms);
    if (ms.empty()) return s;
    std::sort(ms.begin(), ms.end());
    auto at = [&](double q) {
        double pos = q * static_cast<double>(ms.size() - 1);
        size_t lo = static_cast<size_t>(pos);
        size_t hi = std::min(lo + 1, ms.size() - 1);
        return ms[lo] + (ms[hi] - ms[lo]) * (pos - static_cast<double>(lo));
    };
    s.median = at(0.5);
    s.p10 = at(0.1);
    s.p90 = at(0.9);
    return s;
}

double relative_standard_error(const std::vector<double>& ms) {
    const size_t n = ms.size();
    if (n < 2) return 0;
    double mean = 0;
    for (double v : ms) mean += v;
    mean /= static_cast<double>(n);
    if (mean <= 0) return 0;
    double var = 0;
    for (double v : ms) var += (v - mean) * (v - mean);
    var /= static_cast<double>(n - 1);
    return std::sqrt(var / static_cast<double>(n)) / mean;
}

std::string stop_reason(const StopRule& rule, const std::vector<std::vector<double>>& samples, double elapsed_s) {
    size_t n = samples.empty() ? 0 : samples.front().size();
    for (const auto& s : samples) n = std::min(n, s.size());
    if (n < static_cast<size_t>(rule.min_samples)) return {};
    bool converged = true;
    for (const auto& s : samples) converged = converged && relative_standard_error(s) <= rule.target_rse;
    if (converged) return "converged";
    if (n >= static_cast<size_t>(rule.max_samples)) return "sample cap";
    if (elapsed_s >= rule.max_seconds) return "time cap";
    return {};
}

int batch_launches(const BatchRule& rule, double single_ms, size_t sets) {
    if (!(single_ms < rule.below_ms)) return 0;  // NaN and long runs: single launches
    const double per = std::max(single_ms, 1e-4);  // a launch takes at least ~0.1 us
    const long long want = static_cast<long long>(std::ceil(rule.target_ms / per));
    const long long pass = static_cast<long long>(std::max<size_t>(1, sets));
    long long n = std::max(pass, (want + pass - 1) / pass * pass);
    if (n > rule.max_launches) n = std::max(pass, rule.max_launches / pass * pass);
    return static_cast<int>(std::min<long long>(n, 1 << 30));
}

}  // namespace kc::grade
