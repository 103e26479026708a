// row-sum: out[r] = x[r][0] + ... + x[r][cols - 1] for a row-major rows x cols matrix, in one
// kernel `row_sum(const float* x, float* out, int rows, int cols)`. Nothing in it is hard but
// the order in which the threads of a warp touch memory: the kernel that gives each thread a
// row walks the matrix column by column across the warp (32 rows, 32 sectors per load), the one
// that gives a row to a warp reads it in 128-byte lines. debugging/03 profiles the difference.
//
// The check is exact. x holds the integers +-1 .. +-8 with random signs, so every partial sum
// of a row is an integer of magnitude at most 8 cols; cols is at most 2^21, so it stays under
// 2^24, exact in fp32 in any order. A dropped or doubled element is always an error.
#include "exercises/registry.h"
#include "util/parallel.h"

namespace kc::exercises {

namespace {

constexpr uint64_t kTagX = 0x726f777300000001ull;
constexpr long long kMaxCols = 1 << 21;

double bytes(const Sizes& s) { return 4.0 * static_cast<double>(s.at("rows")) * static_cast<double>(s.at("cols") + 1); }
double flops(const Sizes& s) { return static_cast<double>(s.at("rows")) * static_cast<double>(s.at("cols")); }

class RowSum final : public Exercise {
public:
    const Spec& spec() const override {
        static const Spec s{.name = "row-sum",
                            .fields = {"rows", "cols"},
                            .vendor = "",
                            .bytes = bytes,
                            .flops = flops,
                            .example = {{"rows", 37}, {"cols", 1003}},
                            .sweep_fields = {"rows"},
                            .sweep_factor = 4,
                            .sweep_steps = 6};
        return s;
    }
    std::vector<TensorSpec> tensors(const Sizes& s) const override {
        const auto rows = static_cast<size_t>(s.at("rows")), cols = static_cast<size_t>(s.at("cols"));
        // More columns than 2^21 are refused: a row's sum would not be exact (checked_elements sees SIZE_MAX).
        return {{"x", s.at("cols") > kMaxCols ? SIZE_MAX : rows * cols, Role::kIn}, {"out", rows, Role::kOut}};
    }
    std::vector<Scalar> scalars(const Sizes& s) const override {
        return {Scalar::of(static_cast<int>(s.at("rows")), "rows"), Scalar::of(static_cast<int>(s.at("cols")), "cols")};
    }
    std::vector<long long> shape(const Sizes& s, const std::string&) const override { return {s.at("rows")}; }
    // +-1 .. +-8: never 0, so a dropped element always changes the sum.
    void make_inputs(uint64_t seed, const Sizes&, std::span<const HostTensor> t) const override {
        fill_small_integers(t[0].as<float>(), stream_of(seed, kTagX));
    }
    void truth(const Sizes& s, std::span<const HostTensor> t, std::span<const Expected> out) const override {
        auto x = t[0].as<const float>();
        const auto cols = static_cast<size_t>(s.at("cols"));
        parallel_chunks(out[0].truth.size(), 64, [&](size_t begin, size_t end, size_t) {
            for (size_t r = begin; r < end; ++r) {
                double sum = 0;
                for (size_t c = 0; c < cols; ++c) sum += x[r * cols + c];
                out[0].truth[r] = sum;
                out[0].bound[r] = 0;  // exact: see the top of this file
            }
        });
    }
    // Halving every input halves every sum exactly (the inputs stay dyadic).
    TimedTransform timed_transform(const Sizes&) const override {
        return {.kind = TimedTransform::kHalveAllInputs, .output_scale = 0.5};
    }
};

}  // namespace

KC_REGISTER_EXERCISE(instance<RowSum>());

}  // namespace kc::exercises
