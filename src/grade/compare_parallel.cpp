#include "grade/compare_parallel.h"

#include <limits>
#include <optional>

#include "util/parallel.h"

namespace kc::grade {

namespace {

double ratio(const Mismatch& m) {
    if (m.bound > 0) return m.error / m.bound;
    return m.error > 0 ? std::numeric_limits<double>::infinity() : 0.0;
}

// compare()'s order for "worst": a never-written element only when nothing else is wrong,
// then the larger error/bound, then the larger error.
bool worse(const Mismatch& x, const Mismatch& y) {
    if (x.never_written != y.never_written) return !x.never_written;
    if (ratio(x) != ratio(y)) return ratio(x) > ratio(y);
    return x.error > y.error;
}

}  // namespace

Result<Comparison> compare_parallel(std::span<const float> got, std::span<const double> truth,
                                    std::span<const double> bound, std::span<const long long> shape,
                                    size_t chunk) {
    const size_t n = got.size();
    if (n <= chunk || truth.size() != n || bound.size() != n) return compare(got, truth, bound, shape);
    const size_t chunks = (n + chunk - 1) / chunk;
    std::vector<std::optional<Result<Comparison>>> parts(chunks);
    parallel_chunks(n, chunk, [&](size_t begin, size_t end, size_t c) {
        const long long len = static_cast<long long>(end - begin);
        parts[c] = compare(got.subspan(begin, end - begin), truth.subspan(begin, end - begin),
                                  bound.subspan(begin, end - begin), std::span<const long long>(&len, 1));
    });
    Comparison all;
    for (size_t c = 0; c < chunks; ++c) {
        if (!*parts[c]) return parts[c]->error();
        Comparison p = std::move(parts[c]->value());
        const size_t offset = c * chunk;
        for (auto* m : {&p.first, &p.worst})
            if (*m) {
                (*m)->index += offset;
                (*m)->coords = unravel((*m)->index, shape);
            }
        all.count += p.count;
        all.mismatches += p.mismatches;
        all.never_written += p.never_written;
        all.nan_got += p.nan_got;
        all.inf_mismatch += p.inf_mismatch;
        all.nan_missing += p.nan_missing;
        all.max_error = std::max(all.max_error, p.max_error);
        all.headroom = std::max(all.headroom, p.headroom);
        if (p.first && !all.first) all.first = p.first;
        if (p.worst && (!all.worst || worse(*p.worst, *all.worst))) all.worst = p.worst;
    }
    return all;
}


}  // namespace kc::grade
