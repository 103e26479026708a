// histogram: the 256-bin histogram of n bytes and its exclusive prefix sum, the first two
// steps of a counting sort, in two kernels:
//     histogram(const unsigned char* x, int* hist, int n)   hist[v] += how many x[i] == v
//     scan(int* hist, int* offsets)                          offsets[v] = hist[0] + ... + hist[v - 1]
// hist starts at 0 (an in-out tensor seeded with zeros, restored before every run: what a
// cudaMemsetAsync before the launch gives a real program), so a kernel adds into it with
// atomics. Counts are integers: every bound is 0, and one lost or doubled count is an error.
// Half the bytes fall on 8 hot values, so the atomics on those bins contend, and a race that
// loses an update shows on them first; the rest are uniform, so every bin is used once n is
// in the thousands. n is at most 2^24: the check compares 32-bit integers as floats, exact up
// to 2^24, and no count or offset can exceed n.
#include "exercises/registry.h"
#include "util/parallel.h"

namespace kc::exercises {

namespace {

constexpr uint64_t kTagX = 0x6869737400000001ull;
constexpr size_t kBins = 256;
constexpr size_t kChunk = 1 << 20;
constexpr long long kMaxN = 1 << 24;
constexpr unsigned char kHot[8] = {0, 7, 32, 65, 128, 200, 254, 255};

double bytes(const Sizes& s) { return static_cast<double>(s.at("n")) + 3.0 * 4 * kBins; }  // x; hist read and written; offsets
double flops(const Sizes& s) { return static_cast<double>(s.at("n")); }

class Histogram final : public Exercise {
public:
    const Spec& spec() const override {
        static const Spec s{.name = "histogram",
                            .fields = {"n"},
                            .vendor = "",
                            .bytes = bytes,
                            .flops = flops,
                            .example = {{"n", 100003}},
                            .sweep_fields = {"n"},
                            .sweep_factor = 4,
                            .sweep_steps = 6};
        return s;
    }
    std::vector<TensorSpec> tensors(const Sizes& s) const override {
        // More than 2^24 is refused (checked_elements sees SIZE_MAX): see the top of this file.
        return {{"x", s.at("n") > kMaxN ? SIZE_MAX : static_cast<size_t>(s.at("n")), Role::kIn, DType::U8},
                {"hist", kBins, Role::kInOut, DType::I32},
                {"offsets", kBins, Role::kOut, DType::I32}};
    }
    std::vector<Scalar> scalars(const Sizes& s) const override {
        return {Scalar::of(static_cast<int>(s.at("n")), "n")};
    }
    std::vector<Step> plan(const Sizes&) const override { return {{{"x", "hist", "n"}}, {{"hist", "offsets"}}}; }
    std::vector<long long> shape(const Sizes&, const std::string&) const override { return {kBins}; }
    void make_inputs(uint64_t seed, const Sizes&, std::span<const HostTensor> t) const override {
        auto x = t[0].as<unsigned char>();
        const uint64_t sx = stream_of(seed, kTagX);
        parallel_chunks(x.size(), kChunk, [&](size_t begin, size_t end, size_t) {
            for (size_t i = begin; i < end; ++i) {
                const uint64_t b = bits_at(sx, i);
                x[i] = (b >> 20) & 1 ? kHot[b % 8] : static_cast<unsigned char>(b >> 8);
            }
        });
        auto hist = t[1].as<int>();
        std::fill(hist.begin(), hist.end(), 0);
    }
    void truth(const Sizes&, std::span<const HostTensor> t, std::span<const Expected> out) const override {
        auto x = t[0].as<const unsigned char>();
        std::vector<std::array<long long, kBins>> part((x.size() + kChunk - 1) / kChunk);
        parallel_chunks(x.size(), kChunk, [&](size_t begin, size_t end, size_t c) {
            part[c].fill(0);
            for (size_t i = begin; i < end; ++i) ++part[c][x[i]];
        });
        double running = 0;
        for (size_t v = 0; v < kBins; ++v) {
            double count = 0;
            for (const auto& p : part) count += static_cast<double>(p[v]);
            out[0].truth[v] = count;
            out[1].truth[v] = running;
            running += count;
            out[0].bound[v] = out[1].bound[v] = 0;  // integers: exact
        }
    }
    // hist is updated in place, so the timed inputs are drawn afresh.
    TimedTransform timed_transform(const Sizes&) const override { return {.kind = TimedTransform::kFreshInputs}; }
};

}  // namespace

KC_REGISTER_EXERCISE(instance<Histogram>());

}  // namespace kc::exercises
