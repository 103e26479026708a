// device-sum: out[0] = the sum of x[0 .. n) for n up to 2^31 - 1, in one kernel that adds into
// out[0], which holds 0 when it starts (an in-out tensor seeded with 0, restored before every
// run: what a cudaMemsetAsync before the launch gives a real program). The ladder of
// optimization/03 ends with atomicAdd of one partial sum per block into it.
//
// The check is exact. x holds the integers +-1 .. +-8 with random signs, so a sum of any m of
// them is an integer of magnitude at most 8 m, exact in fp32 while it stays under 2^24. A real
// kernel sums contiguous or strided runs of elements whose signs are independent: its partial
// sums are random walks of standard deviation about 5.2 sqrt(m), about 85,000 for all 2^28
// elements, 200 times under 2^24. So every order a kernel uses gives the sum exactly, and a
// dropped, doubled or fp16-rounded element is always an error (an fp16 running sum stops being
// exact at 2048). Only an order that groups the elements by sign could round, and no reduction
// does that.
#include <cmath>

#include "exercises/registry.h"
#include "util/parallel.h"

namespace kc::exercises {

namespace {

constexpr uint64_t kTagX = 0x6473756d00000001ull;
constexpr size_t kChunk = 1 << 16;

double bytes(const Sizes& s) { return 4.0 * static_cast<double>(s.at("n")); }
double flops(const Sizes& s) { return static_cast<double>(s.at("n")); }

class DeviceSum final : public Exercise {
public:
    const Spec& spec() const override {
        static const Spec s{.name = "device-sum",
                            .fields = {"n"},
                            .vendor = "CUB cub::DeviceReduce::Sum",
                            .bytes = bytes,
                            .flops = flops,
                            .example = {{"n", 100003}},
                            .sweep_fields = {"n"},
                            .sweep_factor = 4,
                            .sweep_steps = 8};
        return s;
    }
    std::vector<TensorSpec> tensors(const Sizes& s) const override {
        return {{"x", static_cast<size_t>(s.at("n")), Role::kIn}, {"out", 1, Role::kInOut}};
    }
    std::vector<Scalar> scalars(const Sizes& s) const override {
        return {Scalar::of(static_cast<int>(s.at("n")), "n")};
    }
    std::vector<long long> shape(const Sizes&, const std::string&) const override { return {1}; }
    // +-1 .. +-8: never 0, so a dropped element always changes the sum; out starts at 0.
    void make_inputs(uint64_t seed, const Sizes&, std::span<const HostTensor> t) const override {
        fill_small_integers(t[0].as<float>(), stream_of(seed, kTagX));
        t[1].as<float>()[0] = 0.f;
    }
    // Integers summed in float64: exact in any order, so the chunks' sums can be added in any order.
    void truth(const Sizes&, std::span<const HostTensor> t, std::span<const Expected> out) const override {
        auto x = t[0].as<const float>();
        std::vector<double> partial((x.size() + kChunk - 1) / kChunk, 0.0);
        parallel_chunks(x.size(), kChunk, [&](size_t begin, size_t end, size_t c) {
            double s = 0;
            for (size_t i = begin; i < end; ++i) s += x[i];
            partial[c] = s;
        });
        double sum = 0;
        for (double p : partial) sum += p;
        out[0].truth[0] = sum;
        out[0].bound[0] = 0;  // exact: see the top of this file
    }
    // out is updated in place, so the timed inputs are drawn afresh (only fp32 tensors that are
    // inputs or outputs are halved on the GPU).
    TimedTransform timed_transform(const Sizes&) const override { return {.kind = TimedTransform::kFreshInputs}; }
};

}  // namespace

KC_REGISTER_EXERCISE(instance<DeviceSum>());

}  // namespace kc::exercises
