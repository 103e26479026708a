// embedding-gather: rows of a table picked by index and scaled, the lookup at the front of every
// language model, in one kernel
//     gather(const float* table, const int* index, float* out, int* error,
//            int n, int rows, int dim, int ld, float scale)
//     out[i][j] = table[index[i] * ld + j] * scale      for 0 <= index[i] < rows
//     out[i][j] = 0, and *error = 1                     for any other index[i]
// table is rows x dim with a row stride ld >= dim (a view into a wider matrix); the ld - dim
// padding columns hold NaN, so a kernel that strides by dim, or reads past a row's dim, shows.
// error starts at 0 (an in-out tensor restored before every run, as a caller's memset would
// leave it) and must end exactly 1 when any index is out of range, exactly 0 otherwise.
//
// It is the exercise of input validation (debugging/02): its cases take the input views
// (exercises/view.h) that break an unguarded kernel: out-of-range and negative indices
// (bad_indices), NaN and Inf in the rows gathered (nonfinite: data, to pass through, not an
// error), pointers misaligned by 4, 8 or 12 bytes (offset), n = 0, and a table of more than
// 2^31 elements, where an int offset index * ld + j overflows.
//
// Every 64th index falls on the table's last 64 rows, so its far end, where an int offset
// overflows first, is read in every case; the others are distinct rows while there are rows
// enough (i -> (a i + b) mod rows, a coprime to rows), so the bytes counted for the speed of
// light are a true minimum: every distinct row read once, every output row written once.
// Products are one fp32 multiplication each: the bound is half an ulp of the result.
#include "exercises/registry.h"
#include "util/parallel.h"

#include <numeric>

namespace kc::exercises {

namespace {

constexpr uint64_t kTagTable = 0x6761746800000001ull;
constexpr uint64_t kTagIndex = 0x6761746800000002ull;
constexpr uint64_t kTagBad = 0x6761746800000003ull;
constexpr uint64_t kTagNonfinite = 0x6761746800000004ull;
constexpr float kScale = 1.25f;
constexpr size_t kTail = 64;  // every kTail-th index falls on the last kTail rows

// Rows written, indices read, and the distinct rows read: of the first min(n, rows) indices,
// all but the tail ones are distinct (see the top of this file).
double bytes(const Sizes& s) {
    const double n = static_cast<double>(s.at("n")), dim = static_cast<double>(s.at("dim"));
    const long long m = std::min(s.at("n"), s.at("rows"));
    const double distinct = static_cast<double>(m - m / static_cast<long long>(kTail));
    return 4.0 * (n * dim + n + distinct * dim);
}
double flops(const Sizes& s) { return static_cast<double>(s.at("n")) * static_cast<double>(s.at("dim")); }

bool valid(long long r, long long rows) { return r >= 0 && r < rows; }

class EmbeddingGather final : public Exercise {
public:
    const Spec& spec() const override {
        static const Spec s{.name = "embedding-gather",
                            .fields = {"n", "rows", "dim", "ld"},
                            .zero_ok = {"n"},
                            .vendor = "",
                            .bytes = bytes,
                            .flops = flops,
                            .example = {{"n", 37}, {"rows", 50}, {"dim", 13}, {"ld", 16}},
                            .sweep_fields = {"n"},
                            .sweep_factor = 4,
                            .sweep_steps = 5,
                            .views = {kViewNonfinite, kViewBadIndices},
                            .empty_ok = true,
                            .max_elements = 1ull << 32};  // 16 GiB of fp32: past int's reach
        return s;
    }
    std::vector<TensorSpec> tensors(const Sizes& s) const override {
        // ld below dim is refused (checked_elements sees SIZE_MAX): rows would overlap.
        const size_t table = s.at("ld") < s.at("dim") ? SIZE_MAX : elements_of({s.at("rows"), s.at("ld")});
        return {{"table", table, Role::kIn},
                {"index", static_cast<size_t>(s.at("n")), Role::kIn, DType::I32},
                {"out", elements_of({s.at("n"), s.at("dim")}), Role::kOut},
                {"error", 1, Role::kInOut, DType::I32}};
    }
    std::vector<Scalar> scalars(const Sizes& s) const override {
        auto i = [&](const char* f) { return Scalar::of(static_cast<int>(s.at(f)), f); };
        return {i("n"), i("rows"), i("dim"), i("ld"), Scalar::of(kScale, "scale")};
    }
    std::vector<long long> shape(const Sizes& s, const std::string& tensor) const override {
        if (tensor == "error") return {1};
        return {s.at("n"), s.at("dim")};
    }
    void make_inputs(uint64_t seed, const Sizes& s, std::span<const HostTensor> t) const override {
        const auto rows = static_cast<size_t>(s.at("rows")), dim = static_cast<size_t>(s.at("dim")),
                   ld = static_cast<size_t>(s.at("ld"));
        auto table = t[0].as<float>();
        const uint64_t st = stream_of(seed, kTagTable);
        parallel_chunks(rows, 1024, [&](size_t begin, size_t end, size_t) {
            for (size_t r = begin; r < end; ++r)
                for (size_t j = 0; j < ld; ++j)
                    table[r * ld + j] = j < dim ? uniform_at(st, r * ld + j, -2.f, 2.f)
                                                : std::numeric_limits<float>::quiet_NaN();
        });
        auto index = t[1].as<int>();
        const uint64_t si = stream_of(seed, kTagIndex);
        const size_t tail = std::min(rows, kTail);
        uint64_t a = 1 + bits_at(si, 0) % rows;
        while (std::gcd(a, static_cast<uint64_t>(rows)) != 1) a = a % rows + 1;
        const uint64_t b = bits_at(si, 1) % rows;
        for (size_t i = 0; i < index.size(); ++i)
            index[i] = static_cast<int>(i % kTail == kTail - 1 ? rows - 1 - bits_at(si, i + 2) % tail
                                                               : (a * i + b) % rows);
        t[2].as<int>()[0] = 0;
    }
    // bad_indices out of range (spread over the case: -1, rows, -2, rows + 1 in turn); then,
    // for nonfinite, NaN, +Inf and -Inf in rows that valid indices gather.
    void plant(const View& v, uint64_t seed, const Sizes& s, std::span<const HostTensor> t) const override {
        auto index = t[1].as<int>();
        const long long rows = s.at("rows");
        const size_t bad = std::min<size_t>(static_cast<size_t>(v.bad_indices), index.size());
        const uint64_t sb = stream_of(seed, kTagBad);
        for (size_t k = 0; k < bad; ++k) {
            const size_t span = index.size() / bad, at = k * span + bits_at(sb, k) % span;
            // Next to the table's two ends: an unchecked read lands in a guard zone and shows as
            // wrong values, not as a crash of whatever memory lies further out.
            const long long values[] = {-1, rows, -2, rows + 1};
            index[at] = static_cast<int>(values[k % 4]);
        }
        if (!v.nonfinite || index.empty()) return;
        auto table = t[0].as<float>();
        const auto dim = static_cast<size_t>(s.at("dim")), ld = static_cast<size_t>(s.at("ld"));
        const uint64_t sn = stream_of(seed, kTagNonfinite);
        const size_t count = std::max<size_t>(3, index.size() / 16);
        for (size_t k = 0; k < count; ++k) {
            const uint64_t b = bits_at(sn, k);
            const long long r = index[b % index.size()];
            if (valid(r, rows)) table[static_cast<size_t>(r) * ld + (b >> 32) % dim] = nonfinite_value(k);
        }
    }
    void truth(const Sizes& s, std::span<const HostTensor> t, std::span<const Expected> out) const override {
        auto table = t[0].as<const float>();
        auto index = t[1].as<const int>();
        const long long rows = s.at("rows");
        const auto dim = static_cast<size_t>(s.at("dim")), ld = static_cast<size_t>(s.at("ld"));
        bool bad = false;
        for (int r : index) bad = bad || !valid(r, rows);
        parallel_chunks(index.size(), 256, [&](size_t begin, size_t end, size_t) {
            for (size_t i = begin; i < end; ++i)
                for (size_t j = 0; j < dim; ++j) {
                    const double v = valid(index[i], rows)
                                         ? static_cast<double>(table[static_cast<size_t>(index[i]) * ld + j]) * kScale
                                         : 0.0;
                    out[0].truth[i * dim + j] = v;
                    out[0].bound[i * dim + j] = std::isfinite(v) ? std::abs(v) * 0x1p-24 : 0;  // half an ulp
                }
        });
        out[1].truth[0] = bad ? 1 : 0;
        out[1].bound[0] = 0;
    }
    // The table's rows are as likely to be gathered again; fresh indices, error in-out: afresh.
    TimedTransform timed_transform(const Sizes&) const override { return {.kind = TimedTransform::kFreshInputs}; }
    std::string explain(const Sizes&, uint64_t, const std::string& tensor, std::span<const uint8_t>) const override {
        if (tensor != "error") return {};
        return "`error` must end exactly 1 when any index is out of range (below 0, or at least rows) and exactly 0 "
               "when none is: check every index before using it, and raise the flag for a bad one, never for NaN "
               "or Inf in the table (that is data to pass through)";
    }
};

}  // namespace

KC_REGISTER_EXERCISE(instance<EmbeddingGather>());

}  // namespace kc::exercises
