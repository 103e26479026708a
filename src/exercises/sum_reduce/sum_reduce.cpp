// sum-reduce: out[0] = the sum of x[0 .. n), in two kernels: `partial` sums pieces of x into a
// scratch tensor the kernel file sizes (constexpr long long partial_elements(Problem)), and
// `final` sums the partials. The inputs are small integers, so every partial sum in any order
// is exact in fp32 (|sum| <= 8 n <= 2^24): the bound is 0, and a dropped or doubled element
// is an error however the work is split.
#include <cmath>

#include "exercises/registry.h"

namespace kc::exercises {

namespace {

constexpr uint64_t kTagX = 0x73756d0000000001ull;
constexpr long long kMaxN = 1 << 21;  // 8 * 2^21 = 2^24: every partial sum stays exact

double bytes(const Sizes& s) { return 4.0 * static_cast<double>(s.at("n")); }
double flops(const Sizes& s) { return static_cast<double>(s.at("n")); }

class SumReduce final : public Exercise {
public:
    const Spec& spec() const override {
        static const Spec s{.name = "sum-reduce",
                            .fields = {"n"},
                            .vendor = "",
                            .bytes = bytes,
                            .flops = flops,
                            .example = {{"n", 100003}},
                            .sweep_fields = {"n"},
                            .sweep_factor = 4,
                            .sweep_steps = 5};
        return s;
    }
    std::vector<TensorSpec> tensors(const Sizes& s) const override {
        const auto n = static_cast<size_t>(s.at("n"));
        // n above 2^21 is refused: its sums would not be exact (checked_elements sees SIZE_MAX).
        const size_t x = s.at("n") > kMaxN ? SIZE_MAX : n;
        return {{"x", x, Role::kIn}, {"partial", 0, Role::kScratch}, {"out", 1, Role::kOut}};
    }
    std::vector<Scalar> scalars(const Sizes& s) const override {
        return {Scalar::of(static_cast<int>(s.at("n")), "n")};
    }
    std::vector<Step> plan(const Sizes&) const override { return {{{"x", "partial", "n"}}, {{"partial", "out", "n"}}}; }
    std::vector<long long> shape(const Sizes&, const std::string&) const override { return {1}; }
    // +-1 .. +-8: never 0, so a dropped element always changes the sum.
    void make_inputs(uint64_t seed, const Sizes&, std::span<const HostTensor> t) const override {
        fill_small_integers(t[0].as<float>(), stream_of(seed, kTagX));
    }
    void truth(const Sizes&, std::span<const HostTensor> t, std::span<const Expected> out) const override {
        double sum = 0;
        for (float v : t[0].as<float>()) sum += v;
        out[0].truth[0] = sum;
        out[0].bound[0] = 0;  // exact: see the top of this file
    }
    // Halving every input halves the sum exactly (the inputs stay dyadic).
    TimedTransform timed_transform(const Sizes&) const override {
        return {.kind = TimedTransform::kHalveAllInputs, .output_scale = 0.5};
    }
};

}  // namespace

KC_REGISTER_EXERCISE(instance<SumReduce>());

}  // namespace kc::exercises
